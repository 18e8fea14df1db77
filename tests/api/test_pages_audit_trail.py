"""The "who looked" page: the audit of the audit, for the lead, managers and the SPOC."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from page_helpers import sign_in


def test_the_social_worker_sees_who_looked_including_refusals(story: TestClient) -> None:
    sign_in(story, "gp1")
    assert story.get("/children/child-o").status_code == 404  # a refused look, recorded
    story.cookies.clear()
    sign_in(story, "dsl1")
    assert story.get("/children/child-o").status_code == 200
    story.cookies.clear()
    sign_in(story, "sw1")
    page = story.get("/children/child-o/audit")
    assert page.status_code == 200
    assert "Who looked at this record" in page.text
    assert "Dr Anne Fry" in page.text
    assert "Refused" in page.text
    assert "Helen Carr" in page.text


@pytest.mark.parametrize("who", ["dsl1", "ch1", "gp1", "dsl2"])
def test_others_cannot_read_the_trail(story: TestClient, who: str) -> None:
    sign_in(story, who)
    assert story.get("/children/child-o/audit").status_code == 404
