"""A child's integrated chronology, filtered by kind and agency, and its CSV export."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from teamaround.services.children import view_child
from teamaround.services.chronology import ChronologyEntry, chronology, chronology_csv
from teamaround.services.errors import NotFound
from teamaround.web.pages.session import Me, refused
from teamaround.web.pages.templating import render

router = APIRouter()

KINDS = ("plan", "meeting", "information", "alert", "challenge", "lookup")


@router.get("/children/{child_id}/chronology")
def child_chronology(
    request: Request, child_id: str, me: Me, kind: str = "", agency: str = ""
) -> Response:
    uow = request.app.state.uow
    try:
        child = view_child(uow, actor_id=me, child_id=child_id)  # audits a refusal too
        entries = chronology(uow, actor_id=me, child_id=child_id)
    except NotFound as exc:
        return refused(request, exc)
    kind = kind if kind in KINDS else ""
    agencies = sorted({e.agency for e in entries})
    agency = agency if agency in agencies else ""
    return render(
        request,
        "chronology.html",
        {
            "child": child,
            "entries": _filtered(entries, kind, agency),
            "total": len(entries),
            "kinds": KINDS,
            "agencies": agencies,
            "chosen": {"kind": kind, "agency": agency},
        },
    )


@router.get("/children/{child_id}/chronology.csv")
def child_chronology_csv(request: Request, child_id: str, me: Me) -> Response:
    try:
        text = chronology_csv(request.app.state.uow, actor_id=me, child_id=child_id)
    except NotFound as exc:
        return refused(request, exc)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="chronology-{child_id}.csv"',
            "Cache-Control": "no-store",
        },
    )


def _filtered(entries: list[ChronologyEntry], kind: str, agency: str) -> list[ChronologyEntry]:
    return [
        e for e in entries if (not kind or e.kind == kind) and (not agency or e.agency == agency)
    ]
