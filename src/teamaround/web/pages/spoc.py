"""The SPOC / MASH view: what agencies outside each core group have shared, newest first.

Possible matches waiting for a decision belong here too. The review queue (issue 3,
`teamaround.services.review`) did not exist when this page was built, so the page says so
plainly rather than show an empty list that could be read as "nothing waiting".
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from teamaround.services.errors import NotFound
from teamaround.services.spoc import spoc_incoming
from teamaround.web.pages.session import Me, refused
from teamaround.web.pages.templating import render

router = APIRouter()


@router.get("/spoc")
def spoc_view(request: Request, me: Me) -> Response:
    try:
        children = spoc_incoming(request.app.state.uow, actor_id=me)
    except NotFound as exc:
        return refused(request, exc)
    return render(request, "spoc.html", {"children": children, "review_queue": None})
