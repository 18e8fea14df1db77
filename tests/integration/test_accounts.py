"""Accounts on both databases: passwords, codes, lockout, session expiry, disabling, API keys."""

from __future__ import annotations

import logging
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from teamaround.adapters.db.tables import (
    AgencyRow,
    ApiTokenRow,
    AuditRow,
    Base,
    CredentialRow,
    ProfessionalRow,
    WebSessionRow,
)
from teamaround.cli.main import app as cli
from teamaround.clock import FixedClock, SystemClock
from teamaround.services.accounts import (
    SignInPolicy,
    authenticate,
    check_api_key,
    check_session,
    do_check_code,
    do_check_password,
    do_disable_professional,
    do_end_session,
    do_enrol_totp,
    do_issue_api_key,
    do_set_password,
    do_start_session,
    password_problem,
)
from teamaround.services.commands import AgencyCreate, ProfessionalCreate
from teamaround.services.context import SYSTEM, UnitOfWork
from teamaround.services.errors import Invalid, NotFound
from teamaround.services.register import do_register_agency, do_register_professional

PASSWORD = "violet-harbour-lantern-42"
POLICY = SignInPolicy()


def add_professional(uow: UnitOfWork, professional_id: str = "sw9") -> pyotp.TOTP:
    """A social worker with a password and a second factor; returns their authenticator."""
    with uow.transaction() as s:
        registered = s.get(AgencyRow, "csc") is not None
    if not registered:
        agency = AgencyCreate(
            id="csc", name="Stockton Children's Services", kind="childrens-social-care"
        )
        do_register_agency(uow, actor_id=SYSTEM.id, agency=agency)
    person = ProfessionalCreate(
        id=professional_id, agency="csc", role="social-worker", name="Sam Ward"
    )
    do_register_professional(uow, actor_id=SYSTEM.id, professional=person)
    do_set_password(uow, actor_id=SYSTEM.id, professional_id=professional_id, password=PASSWORD)
    enrolment = do_enrol_totp(uow, actor_id=SYSTEM.id, professional_id=professional_id)
    assert enrolment.uri.startswith("otpauth://totp/TeamAround:" + professional_id)
    return pyotp.TOTP(enrolment.secret)


def code_now(totp: pyotp.TOTP, clock: FixedClock) -> str:
    return totp.at(clock.now())


def next_step(clock: FixedClock) -> None:
    """Move past the current 30-second step, so a new code is due."""
    clock.set(clock.now() + timedelta(seconds=30))


@pytest.mark.parametrize(
    "weak", ["short-pw", "password1234", "Password1234", "aaaaaaaaaaaaaaaa", "safeguarding"]
)
def test_weak_passwords_are_refused(uow: UnitOfWork, weak: str) -> None:
    add_professional(uow)
    assert password_problem(weak) is not None
    with pytest.raises(Invalid) as refused:
        do_set_password(uow, actor_id=SYSTEM.id, professional_id="sw9", password=weak)
    assert weak not in str(refused.value)


def test_the_password_is_kept_as_an_argon2id_hash(uow: UnitOfWork, engine: sa.Engine) -> None:
    add_professional(uow)
    with engine.connect() as c:
        stored = c.scalar(sa.select(CredentialRow.password_hash))
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored


def test_password_and_code_sign_in(uow: UnitOfWork, clock: FixedClock) -> None:
    totp = add_professional(uow)
    code = code_now(totp, clock)
    assert authenticate(uow, username="sw9", password=PASSWORD, code=code) == "sw9"


def test_only_the_administrator_or_the_professional_sets_a_password(uow: UnitOfWork) -> None:
    add_professional(uow)
    add_professional(uow, "sw8")
    with pytest.raises(NotFound):
        do_set_password(uow, actor_id="sw8", professional_id="sw9", password=PASSWORD + "x")
    do_set_password(uow, actor_id="sw9", professional_id="sw9", password=PASSWORD + "x")


@pytest.mark.parametrize(
    ("username", "password", "code"),
    [
        ("sw9", "wrong-password-entirely", "right"),
        ("sw9", PASSWORD, "wrong"),
        ("sw9", PASSWORD, "12345"),
        ("nobody", PASSWORD, "right"),
        ("sw9 ", PASSWORD, "right"),
        ("sw9\x00", PASSWORD, "right"),
        ("s" * 300, PASSWORD, "right"),
    ],
    ids=["wrong-password", "wrong-code", "short-code", "unknown-user", "near-name", "nul", "long"],
)
def test_every_failure_gives_the_same_answer(
    uow: UnitOfWork, clock: FixedClock, engine: sa.Engine, username: str, password: str, code: str
) -> None:
    totp = add_professional(uow)
    right = code_now(totp, clock)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    typed = {"right": right, "wrong": wrong}.get(code, code)
    pending = do_check_password(uow, username=username, password=password)
    assert len(pending) == 43  # the same kind of token whatever was wrong
    assert do_check_code(uow, pending=pending, code=typed) is None
    with engine.connect() as c:
        refused = c.execute(
            sa.select(AuditRow.action, AuditRow.outcome).where(AuditRow.outcome == "refused")
        ).all()
    assert refused and all(action.startswith("sign-in") for action, _ in refused)


def test_a_code_is_good_once(uow: UnitOfWork, clock: FixedClock) -> None:
    totp = add_professional(uow)
    code = code_now(totp, clock)
    assert authenticate(uow, username="sw9", password=PASSWORD, code=code) == "sw9"
    assert authenticate(uow, username="sw9", password=PASSWORD, code=code) is None
    next_step(clock)
    assert authenticate(uow, username="sw9", password=PASSWORD, code=code_now(totp, clock))


def test_a_code_from_the_step_before_is_accepted_for_clock_drift(
    uow: UnitOfWork, clock: FixedClock
) -> None:
    totp = add_professional(uow)
    earlier = totp.at(clock.now() - timedelta(seconds=30))
    far = totp.at(clock.now() - timedelta(minutes=5))
    assert authenticate(uow, username="sw9", password=PASSWORD, code=far) is None
    assert authenticate(uow, username="sw9", password=PASSWORD, code=earlier) == "sw9"


def test_a_password_step_expires(uow: UnitOfWork, clock: FixedClock) -> None:
    totp = add_professional(uow)
    pending = do_check_password(uow, username="sw9", password=PASSWORD)
    clock.set(clock.now() + timedelta(minutes=6))
    assert do_check_code(uow, pending=pending, code=code_now(totp, clock)) is None


def test_failures_lock_the_account_then_it_opens_again(uow: UnitOfWork, clock: FixedClock) -> None:
    totp = add_professional(uow)
    policy = SignInPolicy(max_failures=3, lockout=timedelta(minutes=15))
    for _ in range(3):
        next_step(clock)
        wrong = authenticate(
            uow, username="sw9", password="not-it-at-all", code="000000", policy=policy
        )
        assert wrong is None
    next_step(clock)
    right = code_now(totp, clock)
    assert authenticate(uow, username="sw9", password=PASSWORD, code=right, policy=policy) is None
    clock.set(clock.now() + timedelta(minutes=16))
    right = code_now(totp, clock)
    assert authenticate(uow, username="sw9", password=PASSWORD, code=right, policy=policy) == "sw9"


def test_wrong_codes_count_towards_the_lockout(uow: UnitOfWork, clock: FixedClock) -> None:
    totp = add_professional(uow)
    policy = SignInPolicy(max_failures=2)
    for _ in range(2):
        authenticate(uow, username="sw9", password=PASSWORD, code="000000", policy=policy)
    right = code_now(totp, clock)
    assert authenticate(uow, username="sw9", password=PASSWORD, code=right, policy=policy) is None


def test_a_success_clears_the_failures(uow: UnitOfWork, clock: FixedClock) -> None:
    totp = add_professional(uow)
    policy = SignInPolicy(max_failures=2)
    authenticate(uow, username="sw9", password="not-it-at-all", code="000000", policy=policy)
    right = code_now(totp, clock)
    assert authenticate(uow, username="sw9", password=PASSWORD, code=right, policy=policy)
    authenticate(uow, username="sw9", password="not-it-at-all", code="000000", policy=policy)
    next_step(clock)
    right = code_now(totp, clock)
    assert authenticate(uow, username="sw9", password=PASSWORD, code=right, policy=policy)


def test_an_idle_session_ends(uow: UnitOfWork, clock: FixedClock, engine: sa.Engine) -> None:
    add_professional(uow)
    token = do_start_session(uow, professional_id="sw9", method="password")
    for _ in range(3):  # each request within 30 minutes keeps it alive
        clock.set(clock.now() + timedelta(minutes=29))
        assert check_session(uow, token=token) is not None
    clock.set(clock.now() + timedelta(minutes=30))
    assert check_session(uow, token=token) is None
    clock.set(clock.now() + timedelta(minutes=1))
    assert check_session(uow, token=token) is None  # ended, not merely idle
    with engine.connect() as c:
        assert c.scalar(sa.select(WebSessionRow.ended_at)) is not None
        assert ("end-session", "idle") in c.execute(sa.select(AuditRow.action, AuditRow.outcome))


def test_a_session_ends_after_the_absolute_limit(uow: UnitOfWork, clock: FixedClock) -> None:
    add_professional(uow)
    token = do_start_session(uow, professional_id="sw9", method="password")
    policy = SignInPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=10))
    for _ in range(29):  # busy all day: 29 x 20 minutes = 9h40
        clock.set(clock.now() + timedelta(minutes=20))
        assert check_session(uow, token=token, policy=policy) is not None
    clock.set(clock.now() + timedelta(minutes=20))
    assert check_session(uow, token=token, policy=policy) is None


def test_signing_out_ends_the_row(uow: UnitOfWork) -> None:
    add_professional(uow)
    token = do_start_session(uow, professional_id="sw9", method="password")
    owner = check_session(uow, token=token)
    assert owner is not None and owner.name == "Sam Ward"
    assert owner.agency == "Stockton Children's Services"
    do_end_session(uow, token=token)
    assert check_session(uow, token=token) is None
    assert check_session(uow, token="never-issued") is None


def test_a_new_password_ends_every_session(uow: UnitOfWork) -> None:
    add_professional(uow)
    token = do_start_session(uow, professional_id="sw9", method="password")
    do_set_password(uow, actor_id=SYSTEM.id, professional_id="sw9", password=PASSWORD + "!")
    assert check_session(uow, token=token) is None


def test_disabling_ends_sessions_and_revokes_keys(uow: UnitOfWork, clock: FixedClock) -> None:
    add_professional(uow)
    token = do_start_session(uow, professional_id="sw9", method="password")
    key = do_issue_api_key(
        uow,
        actor_id=SYSTEM.id,
        professional_id="sw9",
        scopes=["share"],
        expires_at=clock.now() + timedelta(days=90),
    )
    assert check_api_key(uow, key=key) is not None
    do_disable_professional(uow, actor_id=SYSTEM.id, professional_id="sw9")
    assert check_session(uow, token=token) is None
    assert check_api_key(uow, key=key) is None
    with uow.transaction() as s:
        assert s.scalar(sa.select(ApiTokenRow.revoked_at)) is not None
        assert s.get(ProfessionalRow, "sw9").active is False  # type: ignore[union-attr]


def test_a_disabled_account_cannot_sign_in(uow: UnitOfWork, clock: FixedClock) -> None:
    totp = add_professional(uow)
    do_disable_professional(uow, actor_id=SYSTEM.id, professional_id="sw9")
    code = code_now(totp, clock)
    assert authenticate(uow, username="sw9", password=PASSWORD, code=code) is None


def test_api_keys_are_scoped_and_expire(uow: UnitOfWork, clock: FixedClock) -> None:
    add_professional(uow)
    key = do_issue_api_key(
        uow,
        actor_id=SYSTEM.id,
        professional_id="sw9",
        scopes=["lookup", "share", "share"],
        expires_at=clock.now() + timedelta(days=1),
    )
    caller = check_api_key(uow, key=key)
    assert caller is not None and caller.scopes == {"lookup", "share"}
    assert caller.may("share") and not caller.may("read")
    clock.set(clock.now() + timedelta(days=1))
    assert check_api_key(uow, key=key) is None


@pytest.mark.parametrize(
    ("scopes", "days"), [([], 30), (["everything"], 30), (["share"], 0), (["share"], 400)]
)
def test_api_keys_need_known_scopes_and_a_near_expiry(
    uow: UnitOfWork, clock: FixedClock, scopes: list[str], days: int
) -> None:
    add_professional(uow)
    with pytest.raises(Invalid):
        do_issue_api_key(
            uow,
            actor_id=SYSTEM.id,
            professional_id="sw9",
            scopes=scopes,
            expires_at=clock.now() + timedelta(days=days),
        )


def test_passwords_and_codes_are_never_stored_or_logged(
    uow: UnitOfWork, clock: FixedClock, engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    totp = add_professional(uow)
    code = code_now(totp, clock)
    wrong_password = "typed-by-mistake-9876"
    authenticate(uow, username="sw9", password=wrong_password, code=code)
    authenticate(
        uow, username=wrong_password, password=PASSWORD, code=code
    )  # name and password swapped
    assert authenticate(uow, username="sw9", password=PASSWORD, code=code) == "sw9"
    with engine.connect() as c:
        stored = " ".join(
            str(row) for table in Base.metadata.sorted_tables for row in c.execute(table.select())
        )
    for secret in (PASSWORD, wrong_password, code):
        assert secret not in caplog.text
        assert secret not in stored


def test_the_cli_manages_accounts(uow: UnitOfWork, database_url: str, clock: FixedClock) -> None:
    add_professional(uow)
    runner = CliRunner()
    base = ["--database", database_url]
    weak = runner.invoke(cli, ["accounts", "set-password", "sw9", *base], input="short\nshort\n")
    assert weak.exit_code == 2 and "12 or more" in weak.output
    new = PASSWORD + "-renewed"
    done = runner.invoke(cli, ["accounts", "set-password", "sw9", *base], input=f"{new}\n{new}\n")
    assert done.exit_code == 0, done.output
    assert new not in done.output
    enrolled = runner.invoke(cli, ["accounts", "enrol-totp", "sw9", *base])
    assert enrolled.exit_code == 0 and "otpauth://totp/" in enrolled.output
    secret = enrolled.output.split("secret: ")[1].split()[0]
    issued = runner.invoke(
        cli, ["accounts", "api-key", "sw9", "--scope", "share", "--scope", "lookup", *base]
    )
    assert issued.exit_code == 0, issued.output
    key = issued.output.strip().splitlines()[-1]
    system = UnitOfWork(uow.engine, FixedClock(clock.now()))
    real_now = UnitOfWork(uow.engine, SystemClock())  # the command issued it for 90 real days
    caller = check_api_key(real_now, key=key)
    assert caller is not None and caller.scopes == {"share", "lookup"}
    code = pyotp.TOTP(secret).at(clock.now())
    assert authenticate(system, username="sw9", password=new, code=code) == "sw9"
    disabled = runner.invoke(cli, ["accounts", "disable", "sw9", *base])
    assert disabled.exit_code == 0
    assert check_api_key(real_now, key=key) is None
    unknown = runner.invoke(cli, ["accounts", "disable", "nobody", *base])
    assert unknown.exit_code == 2
