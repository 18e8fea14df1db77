"""The web pages through a plain HTTP client: sign-in, CSRF, who sees what, the share form."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pydantic import ValidationError

from teamaround.adapters.db.tables import (
    AlertRecipientRow,
    AlertRow,
    AuditRow,
    ContributionRow,
    ProfessionalRow,
)
from teamaround.clock import FixedClock
from teamaround.demo import CHILD_O
from teamaround.scenarios.loader import load_scenario
from teamaround.scenarios.runner import load_register
from teamaround.services.commands import (
    ConditionsSet,
    PersonCreate,
    PlanStart,
    RelationshipCreate,
    ShareCreate,
)
from teamaround.services.context import UnitOfWork
from teamaround.services.register import do_add_person, do_relate, do_set_conditions, do_start_plan
from teamaround.services.sharing import do_share
from teamaround.settings import Settings
from teamaround.web.app import create_app

WHEN = datetime(2021, 2, 2, 19, 12, tzinfo=UTC)
CALL_111 = {
    "category": "health-contact",
    "summary": "111 call for an emergency supply of medication.",
    "subjects-0-name": "MARSH, Dean",
    "subjects-0-dob": "11/02/1985",
    "subjects-0-address": "12 acacia ave stockton ts181ab",
}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _child_o_with_dean(uow: UnitOfWork) -> None:
    """The register at the 111 call: Dean Marsh must not see Oliver, who is on a CP plan."""
    load_register(uow, load_scenario(CHILD_O))
    dean = {"id": "partner", "kind": "adult", "given": "Dean", "family": "Marsh"}
    do_add_person(uow, actor_id="sw1", person=PersonCreate(**dean, dob="1985-02-11"))
    relation = {"child": "child-o", "adult": "partner", "kind": "parents-partner"}
    do_relate(
        uow,
        actor_id="sw1",
        relationship=RelationshipCreate(**relation, contact="prohibited", risk="No contact"),
    )
    do_set_conditions(
        uow,
        actor_id="om1",
        conditions=ConditionsSet(
            person="partner", conditions=[{"kind": "licence", "detail": "Released on licence"}]
        ),
    )
    do_start_plan(
        uow,
        actor_id="sw1",
        plan=PlanStart(child="child-o", plan="child-protection", category="neglect", lead="sw1"),
    )


@pytest.fixture
def app_client(engine: sa.Engine, database_url: str) -> Iterator[TestClient]:
    clock = FixedClock(WHEN)
    _child_o_with_dean(UnitOfWork(engine, clock))
    with TestClient(create_app(database_url=database_url, clock=clock)) as client:
        yield client


@pytest.fixture
def urgent(app_client: TestClient, engine: sa.Engine) -> TestClient:
    """The 111 call has been shared, so the social worker has an urgent alert."""
    uow = UnitOfWork(engine, FixedClock(WHEN))
    subject = {"name": "MARSH, Dean", "dob": "11/02/1985", "address": "12 acacia ave TS18 1AB"}
    share = ShareCreate(category="health-contact", summary="111 call.", subjects=[subject])
    do_share(uow, actor_id="ch1", share=share)
    return app_client


def csrf(client: TestClient, path: str = "/share") -> str:
    page = client.get(path)
    match = _CSRF.search(page.text)
    assert match, page.text
    return match[1]


def sign_in(client: TestClient, who: str) -> str:
    """Signs in through the start page; returns the new session's CSRF token."""
    response = client.post("/sign-in", data={"professional": who, "csrf_token": csrf(client, "/")})
    assert response.status_code == 200 and response.url.path == "/inbox", response.text
    return csrf(client)


def counts(engine: sa.Engine) -> tuple[int, ...]:
    with engine.connect() as c:
        return tuple(
            c.scalar(sa.select(sa.func.count()).select_from(t)) or 0
            for t in (ContributionRow, AlertRow)
        )


def test_start_page_offers_the_demo_accounts_in_development(app_client: TestClient) -> None:
    page = app_client.get("/")
    assert page.status_code == 200
    assert "Priya Shah" in page.text and "111 call handler" in page.text
    assert 'name="csrf_token"' in page.text
    assert "govuk-frontend.min.css" in page.text and "Alpha" in page.text


def test_pages_send_a_signed_out_browser_to_the_start(app_client: TestClient) -> None:
    for path in ("/inbox", "/share", "/children/child-o"):
        response = app_client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/", path


def test_inbox_shows_why_and_urgent_first(urgent: TestClient) -> None:
    sign_in(urgent, "sw1")
    page = urgent.get("/inbox")
    assert page.status_code == 200
    assert "Priya Shah, Stockton Children&#39;s Services" in page.text
    rows = page.text.split('<tr class="govuk-table__row" id="alert-')[1:]
    assert len(rows) == 2
    assert "govuk-tag--red" in rows[0] and "Urgent" in rows[0]
    assert "home address" in rows[0]  # the alert's reason
    assert "Normal" in rows[1]


def test_acknowledge_needs_the_token_and_then_records_it(urgent: TestClient, engine) -> None:
    token = sign_in(urgent, "sw1")
    alert_id = re.findall(r'action="/inbox/(\w+)/acknowledge"', urgent.get("/inbox").text)[0]
    forged = urgent.post(f"/inbox/{alert_id}/acknowledge", data={"csrf_token": "forged"})
    assert forged.status_code == 403 and "could not be sent" in forged.text
    assert _acknowledged(engine, alert_id) is None
    done = urgent.post(f"/inbox/{alert_id}/acknowledge", data={"csrf_token": token})
    assert done.status_code == 200 and done.url.path == "/inbox"
    assert "Alert acknowledged" in done.text and "govuk-notification-banner--success" in done.text
    assert _acknowledged(engine, alert_id) is not None
    assert "Alert acknowledged" not in urgent.get("/inbox").text  # shown once


def test_acknowledging_someone_elses_alert_is_not_found(urgent: TestClient, engine) -> None:
    token = sign_in(urgent, "gp1")
    with engine.connect() as c:
        alert_id = c.scalar(sa.select(AlertRow.id).limit(1))
    response = urgent.post(f"/inbox/{alert_id}/acknowledge", data={"csrf_token": token})
    assert response.status_code == 404 and "Page not found" in response.text


def test_child_page_for_a_role_on_the_case(app_client: TestClient) -> None:
    sign_in(app_client, "sw1")
    page = app_client.get("/children/child-o")
    assert page.status_code == 200
    for shown in ("Oliver Ashby", "Dean Marsh", "Prohibited", "Released on licence", "Priya Shah"):
        assert shown in page.text, shown
    assert "govuk-summary-list" in page.text


@pytest.mark.parametrize("outsider", ["ch1", "gp1", "pc1"])
def test_child_page_is_not_found_for_outsiders(app_client: TestClient, outsider: str) -> None:
    sign_in(app_client, outsider)
    refused = app_client.get("/children/child-o")
    missing = app_client.get("/children/nobody")
    assert refused.status_code == missing.status_code == 404
    assert refused.text == missing.text
    assert "Oliver" not in refused.text


def test_share_sends_and_the_receipt_names_no_child(app_client: TestClient, engine) -> None:
    token = sign_in(app_client, "ch1")
    sent = app_client.post("/share", data={**CALL_111, "csrf_token": token})
    assert sent.status_code == 200 and sent.url.path == "/share/sent"
    assert "Information sent" in sent.text and "govuk-panel" in sent.text
    assert "Oliver" not in sent.text and "child-o" not in sent.text
    assert counts(engine)[0] == 1
    again = app_client.get("/share/sent", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/share"
    sign_in(app_client, "sw1")
    assert "Urgent" in app_client.get("/inbox").text


def test_empty_share_shows_every_problem_in_page_order_and_writes_nothing(
    app_client: TestClient, engine
) -> None:
    token = sign_in(app_client, "pc1")
    before = counts(engine)
    page = app_client.post("/share", data={"csrf_token": token, "summary": "  "})
    assert page.status_code == 400
    assert page.text.count("govuk-error-summary") >= 1
    assert "<title>Error: Share information" in page.text
    links = [x for x in re.findall(r'<a href="#([\w-]+)"', page.text) if x != "main-content"]
    assert links == ["category", "summary", "subjects-0-given"]
    assert counts(engine) == before


def test_a_person_without_a_name_is_refused_and_what_was_typed_is_kept(
    app_client: TestClient, engine
) -> None:
    token = sign_in(app_client, "pc1")
    before = counts(engine)
    form = {
        "csrf_token": token,
        "category": "incident",
        "facts": ["domestic-abuse", "injury"],
        "summary": "Officers attended.",
        "subjects-0-given": "Kelly",
        "subjects-1-dob": "14/07/1990",
        "subjects-1-nhs": "x" * 201,
    }
    page = app_client.post("/share", data=form)
    assert page.status_code == 400
    assert 'href="#subjects-1-nhs"' in page.text and "person 2 is too long" in page.text
    assert 'value="Kelly"' in page.text and 'value="14/07/1990"' in page.text
    assert 'value="domestic-abuse" checked' in page.text
    del form["subjects-1-nhs"]
    page = app_client.post("/share", data=form)
    assert 'href="#subjects-1-given"' in page.text
    assert "Enter a given name, family name or whole name for person 2" in page.text
    assert counts(engine) == before


def test_a_wrong_category_is_an_error_not_a_crash(app_client: TestClient) -> None:
    token = sign_in(app_client, "pc1")
    page = app_client.post("/share", data={**CALL_111, "category": "gossip", "csrf_token": token})
    assert page.status_code == 400 and 'href="#category"' in page.text


def test_add_another_person_keeps_the_form_and_sends_nothing(app_client, engine) -> None:
    token = sign_in(app_client, "pc1")
    page = app_client.post("/share", data={**CALL_111, "action": "add-person", "csrf_token": token})
    assert page.status_code == 200
    assert 'name="subjects-1-given"' in page.text and 'value="MARSH, Dean"' in page.text
    assert counts(engine) == (0, 0)


@pytest.mark.parametrize("path", ["/sign-in", "/share", "/sign-out"])
def test_forms_without_the_sessions_token_are_refused(app_client: TestClient, path: str) -> None:
    sign_in(app_client, "sw1")
    response = app_client.post(path, data={**CALL_111, "professional": "sw1"})
    assert response.status_code == 403
    assert "Your form could not be sent" in response.text
    assert app_client.get("/inbox", follow_redirects=False).status_code == 200  # still signed in


def test_sign_in_needs_a_choice(app_client: TestClient) -> None:
    response = app_client.post("/sign-in", data={"csrf_token": csrf(app_client, "/")})
    assert response.status_code == 400 and 'href="#professional"' in response.text


def test_sign_out_ends_the_session(app_client: TestClient) -> None:
    token = sign_in(app_client, "sw1")
    out = app_client.post("/sign-out", data={"csrf_token": token})
    assert out.status_code == 200 and "You have signed out" in out.text
    assert app_client.get("/inbox", follow_redirects=False).status_code == 303


def test_an_account_no_longer_active_is_signed_out(app_client: TestClient, engine) -> None:
    sign_in(app_client, "sw1")
    with engine.begin() as c:
        c.execute(
            sa.update(ProfessionalRow).where(ProfessionalRow.id == "sw1").values(active=False)
        )
    response = app_client.get("/inbox", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert app_client.get("/inbox", follow_redirects=False).status_code == 303


def test_reading_pages_is_audited(urgent: TestClient, engine) -> None:
    sign_in(urgent, "gp1")
    urgent.get("/children/child-o")
    sign_in(urgent, "sw1")
    urgent.get("/inbox")
    with engine.connect() as c:
        rows = c.execute(sa.select(AuditRow.actor_id, AuditRow.action, AuditRow.outcome)).all()
    assert ("gp1", "read-child", "refused") in [tuple(r) for r in rows]
    assert ("sw1", "read-inbox") in [(r[0], r[1]) for r in rows]


def test_unknown_pages_are_html_and_unknown_api_routes_stay_json(app_client: TestClient) -> None:
    page = app_client.get("/no-such-page")
    assert page.status_code == 404 and "Page not found" in page.text
    api = app_client.get("/api/no-such-route")
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}


def test_production_offers_no_demo_sign_in(engine: sa.Engine, database_url: str) -> None:
    settings = Settings(environment="production", database_url=database_url, secret_key="s" * 40)
    app = create_app(database_url=database_url, settings=settings)
    with TestClient(app, base_url="https://testserver") as client:  # the cookie is Secure
        page = client.get("/")
        assert "Priya Shah" not in page.text and 'action="/sign-in/password"' in page.text
        token = _session(client)["csrf"]
        refused = client.post("/sign-in", data={"professional": "sw1", "csrf_token": token})
        assert refused.status_code == 404
        assert client.get("/inbox", follow_redirects=False).status_code == 303
        assert "secure" in page.headers["set-cookie"].lower()


def test_production_refuses_the_development_secret_key() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment="production", database_url="postgresql://db/x")
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment="production", database_url="postgresql://db/x", secret_key="short")


def _session(client: TestClient) -> dict[str, str]:
    """The signed cookie's content (signed, not encrypted: it holds no secret but the token)."""
    payload = client.cookies["teamaround_session"].split(".")[0]
    return dict(json.loads(base64.b64decode(payload + "==")))


def _acknowledged(engine: sa.Engine, alert_id: str) -> datetime | None:
    with engine.connect() as c:
        return c.scalar(
            sa.select(AlertRecipientRow.acknowledged_at).where(
                AlertRecipientRow.alert_id == alert_id, AlertRecipientRow.professional_id == "sw1"
            )
        )
