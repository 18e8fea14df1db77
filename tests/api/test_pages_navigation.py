"""The service navigation offers each role the pages it uses."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from page_helpers import sign_in

EVERYONE = ["/inbox", "/share", "/lookup", "/challenges"]
LINK = re.compile(r'<a class="govuk-service-navigation__link" href="([^"]+)"( aria-current)?')


@pytest.mark.parametrize(
    ("who", "extra"),
    [
        ("sw1", ["/letters", "/register"]),
        ("tm1", ["/letters", "/register", "/reports/challenges"]),
        ("spoc", ["/register", "/spoc", "/reports/challenges"]),
        ("om1", ["/register"]),
        ("pc1", ["/register"]),
        ("mc1", ["/marac"]),
        ("gp1", []),
        ("ch1", []),
    ],
)
def test_each_role_sees_its_pages(story: TestClient, who: str, extra: list[str]) -> None:
    sign_in(story, who)
    links = LINK.findall(story.get("/lookup").text)
    assert [href for href, _ in links] == [*EVERYONE, *extra]
    assert [href for href, current in links if current] == ["/lookup"]
