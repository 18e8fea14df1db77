"""Accounts: passwords and TOTP, page sessions, scoped API keys, disabling; each change audited.

Sign-in never says which part was wrong: an unknown name, a wrong password, a wrong or
reused code and a locked account all give the same answer after the same work (an Argon2
verification is run even when there is no account), and the audit log records the refusal
without what was typed. See docs/decisions/0006-sign-in.md.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from teamaround.adapters.db.tables import (
    AgencyRow,
    ApiTokenRow,
    CredentialRow,
    ProfessionalRow,
    SignInIdentityRow,
    SignInStateRow,
    WebSessionRow,
)
from teamaround.domain.vocab import Purpose
from teamaround.services import audit
from teamaround.services.context import SYSTEM, Actor, UnitOfWork, load_actor
from teamaround.services.errors import Invalid, NotFound, present
from teamaround.settings import Settings

PASSWORD_MIN_LENGTH = 12
# Passwords long enough to pass the length rule that attackers try first.
COMMON_PASSWORDS = frozenset(
    {
        "password1234",
        "password12345",
        "password123456",
        "passwordpassword",
        "123456789012",
        "1234567890123",
        "12345678901234",
        "qwertyuiop12",
        "qwertyuiopasdf",
        "iloveyou1234",
        "letmein12345",
        "welcome12345",
        "welcome123456",
        "changeme1234",
        "administrator",
        "adminadmin123",
        "abc123456789",
        "aaaaaaaaaaaa",
        "111111111111",
        "000000000000",
        "football1234",
        "monkey123456",
        "sunshine1234",
        "safeguarding",
        "safeguarding1",
        "safeguarding123",
        "socialworker",
        "teamaround123",
        "teamaround2024",
        "correcthorsebatterystaple",
    }
)
PENDING_MINUTES = 5  # how long a right password waits for its code
API_KEY_MAX_DAYS = 366
TOTP_ISSUER = "TeamAround"
ANONYMOUS = Actor(id="anonymous", role="none", agency_id="none", agency_kind="none")

_hasher = PasswordHasher()  # Argon2id with argon2-cffi's RFC 9106 low-memory parameters


class ApiScope(StrEnum):
    """What an agency system's key may do: share, look up, or read (any GET)."""

    SHARE = "share"
    LOOKUP = "lookup"
    READ = "read"


class SessionEnd(StrEnum):
    """Why a page session ended: the audit entry's outcome."""

    SIGNED_OUT = "signed-out"
    IDLE = "idle"
    EXPIRED = "expired"
    DISABLED = "disabled"
    CREDENTIALS_CHANGED = "credentials-changed"


@dataclass(frozen=True, slots=True)
class SignInPolicy:
    """How long sessions live and how many failed sign-ins lock an account, for how long."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=10)
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Settings) -> SignInPolicy:
        return cls(
            idle=timedelta(minutes=settings.session_idle_minutes),
            absolute=timedelta(hours=settings.session_absolute_hours),
            max_failures=settings.sign_in_max_failures,
            lockout=timedelta(minutes=settings.sign_in_lockout_minutes),
        )


DEFAULT_POLICY = SignInPolicy()


@dataclass(frozen=True, slots=True)
class TotpEnrolment:
    """Shown once, to be put in an authenticator app; only the server keeps the secret."""

    secret: str
    uri: str


@dataclass(frozen=True, slots=True)
class SessionOwner:
    """Who a live page session belongs to, read from the database on every request."""

    professional_id: str
    name: str
    role: str
    agency: str


@dataclass(frozen=True, slots=True)
class ApiCaller:
    """The professional behind an API key; `scopes` None means everything they may do."""

    professional_id: str
    scopes: frozenset[str] | None

    def may(self, scope: ApiScope) -> bool:
        return self.scopes is None or scope in self.scopes


# --- passwords and the second factor ----------------------------------------------------


def password_problem(password: str) -> str | None:
    """Why a password would be refused, or None; the message never repeats the password."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"a password needs {PASSWORD_MIN_LENGTH} or more characters"
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        return "that password is too easy to guess: choose a longer phrase of unrelated words"
    return None


def do_set_password(uow: UnitOfWork, *, actor_id: str, professional_id: str, password: str) -> None:
    """Set a password (Argon2id); every session of the account ends, as after any change."""
    problem = password_problem(password)
    if problem is not None:
        raise Invalid("password", problem)
    digest = _hasher.hash(password)
    with uow.transaction() as s:
        actor = _administrator_or_self(s, actor_id, professional_id)
        now = uow.clock.now()
        credential = s.get(CredentialRow, professional_id)
        if credential is None:
            s.add(
                CredentialRow(professional_id=professional_id, password_hash=digest, changed_at=now)
            )
        else:
            credential.password_hash = digest
            credential.changed_at = now
        _clear_failures(_sign_in_state(s, professional_id))
        _end_sessions(s, professional_id, now, SessionEnd.CREDENTIALS_CHANGED)
        audit.action(
            s, now, actor, "set-password", "professional", professional_id, Purpose.ADMINISTRATION
        )


def do_enrol_totp(uow: UnitOfWork, *, actor_id: str, professional_id: str) -> TotpEnrolment:
    """A new TOTP secret (replacing any other): the otpauth URI is returned this once."""
    with uow.transaction() as s:
        actor = _administrator_or_self(s, actor_id, professional_id)
        credential = s.get(CredentialRow, professional_id)
        if credential is None:
            raise Invalid("password", "set a password before enrolling a second factor")
        now = uow.clock.now()
        secret = pyotp.random_base32()
        credential.totp_secret = secret
        credential.changed_at = now
        _sign_in_state(s, professional_id).last_totp_step = None
        _end_sessions(s, professional_id, now, SessionEnd.CREDENTIALS_CHANGED)
        audit.action(
            s, now, actor, "enrol-totp", "professional", professional_id, Purpose.ADMINISTRATION
        )
    uri = pyotp.TOTP(secret).provisioning_uri(name=professional_id, issuer_name=TOTP_ISSUER)
    return TotpEnrolment(secret=secret, uri=uri)


def do_check_password(
    uow: UnitOfWork, *, username: str, password: str, policy: SignInPolicy = DEFAULT_POLICY
) -> str:
    """The first step of signing in: always returns a token for the code step, the same
    whatever was wrong; only a right password on an unlocked account makes it redeemable."""
    token = secrets.token_urlsafe(32)
    with uow.transaction() as s:
        now = uow.clock.now()
        professional = s.get(ProfessionalRow, username) if _plausible(username, 64) else None
        credential = s.get(CredentialRow, username) if professional is not None else None
        right = _verify_password(credential, password)  # run even without an account
        if professional is None or credential is None:
            _refuse(s, now, professional, "unknown" if professional is None else "no-password")
            return token
        state = _sign_in_state(s, professional.id)
        if not professional.active or _locked(state, now):
            _refuse(s, now, professional, "locked" if professional.active else "disabled")
        elif not right:
            _fail(state, now, policy)
            _refuse(s, now, professional, "password")
        else:
            if _hasher.check_needs_rehash(credential.password_hash):
                credential.password_hash = _hasher.hash(password)
            state.pending_sha256 = _digest(token)
            state.pending_at = now
    return token


def do_check_code(
    uow: UnitOfWork, *, pending: str, code: str, policy: SignInPolicy = DEFAULT_POLICY
) -> str | None:
    """The second step: the professional's id when the code is right, unused and in time."""
    code = "".join(code.split())
    with uow.transaction() as s:
        now = uow.clock.now()
        state = s.scalars(
            sa.select(SignInStateRow).where(SignInStateRow.pending_sha256 == _digest(pending))
        ).one_or_none()
        if state is None or state.pending_at is None:
            _refuse(s, now, None, "unknown")
            return None
        fresh = now - state.pending_at <= timedelta(minutes=PENDING_MINUTES)
        state.pending_sha256 = state.pending_at = None  # one code per password
        professional = present(s.get(ProfessionalRow, state.professional_id), "professional")
        credential = s.get(CredentialRow, state.professional_id)
        step = _totp_step(credential, code, now) if fresh else None
        if not professional.active or _locked(state, now):
            _refuse(s, now, professional, "locked")
            return None
        if step is None or (state.last_totp_step is not None and step <= state.last_totp_step):
            _fail(state, now, policy)
            _refuse(s, now, professional, "code")
            return None
        state.last_totp_step = step
        _clear_failures(state)
        audit.record(
            s,
            at=now,
            actor=_actor_of(s, professional),
            action="sign-in",
            record_type="professional",
            record_id=professional.id,
            purpose=Purpose.ADMINISTRATION,
        )
        return professional.id


def authenticate(
    uow: UnitOfWork,
    *,
    username: str,
    password: str,
    code: str,
    policy: SignInPolicy = DEFAULT_POLICY,
) -> str | None:
    """Both factors at once: the professional's id, or None whatever was wrong."""
    pending = do_check_password(uow, username=username, password=password, policy=policy)
    return do_check_code(uow, pending=pending, code=code, policy=policy)


# --- the partnership's OpenID Connect provider -------------------------------------------


def do_link_identity(
    uow: UnitOfWork, *, actor_id: str, professional_id: str, issuer: str, subject: str
) -> None:
    """Say who a professional is at the provider (their `sub`, or email if so configured)."""
    if not (_plausible(issuer, 255) and _plausible(subject, 255)):
        raise Invalid("subject", "an issuer and subject have 1 to 255 characters, no NUL")
    with uow.transaction() as s:
        actor = _administrator(s, actor_id)
        _professional(s, professional_id)
        key = {"issuer": issuer, "subject": subject}
        row = s.get(SignInIdentityRow, key)
        if row is None:
            row = SignInIdentityRow(**key)
            s.add(row)
        row.professional_id = professional_id
        row.linked_at = uow.clock.now()
        audit.action(
            s,
            uow.clock.now(),
            actor,
            "link-identity",
            "professional",
            professional_id,
            Purpose.ADMINISTRATION,
        )


def identify_external(uow: UnitOfWork, *, issuer: str, subject: str) -> str | None:
    """The active professional the provider vouched for, or None (audited as refused)."""
    with uow.transaction() as s:
        now = uow.clock.now()
        known = _plausible(issuer, 255) and _plausible(subject, 255)
        row = s.get(SignInIdentityRow, {"issuer": issuer, "subject": subject}) if known else None
        professional = s.get(ProfessionalRow, row.professional_id) if row else None
        if professional is None:
            _refuse(s, now, None, "unknown", action="sign-in-oidc")
            return None
        if not professional.active:
            _refuse(s, now, professional, "disabled", action="sign-in-oidc")
            return None
        audit.record(
            s,
            at=now,
            actor=_actor_of(s, professional),
            action="sign-in-oidc",
            record_type="professional",
            record_id=professional.id,
            purpose=Purpose.ADMINISTRATION,
        )
        return professional.id


def do_refuse_external(uow: UnitOfWork, *, why: str) -> None:
    """Audit a provider's answer that could not be trusted (bad state, token or claims)."""
    with uow.transaction() as s:
        _refuse(s, uow.clock.now(), None, why, action="sign-in-oidc")


# --- page sessions -----------------------------------------------------------------------


def do_start_session(uow: UnitOfWork, *, professional_id: str, method: str) -> str:
    """A new server-side session; the returned value goes in the cookie, only its hash here."""
    token = secrets.token_urlsafe(32)
    with uow.transaction() as s:
        actor = load_actor(s, professional_id)
        now = uow.clock.now()
        s.add(
            WebSessionRow(
                id=_digest(token),
                professional_id=professional_id,
                created_at=now,
                last_seen_at=now,
            )
        )
        audit.record(
            s,
            at=now,
            actor=actor,
            action=f"start-session-{method}",
            record_type="professional",
            record_id=professional_id,
            purpose=Purpose.ADMINISTRATION,
        )
    return token


def check_session(
    uow: UnitOfWork, *, token: str, policy: SignInPolicy = DEFAULT_POLICY
) -> SessionOwner | None:
    """Who the session belongs to, checked on every request: an idle, too old or disabled
    account's session is ended here and None returned."""
    with uow.transaction() as s:
        row = s.get(WebSessionRow, _digest(token))
        if row is None or row.ended_at is not None:
            return None
        now = uow.clock.now()
        professional = present(s.get(ProfessionalRow, row.professional_id), "professional")
        ended = _why_ended(row, professional, now, policy)
        if ended is not None:
            _end(s, row, now, ended)
            return None
        row.last_seen_at = now
        agency = s.get(AgencyRow, professional.agency_id)
        return SessionOwner(
            professional_id=professional.id,
            name=professional.name,
            role=professional.role,
            agency=agency.name if agency else "",
        )


def do_end_session(uow: UnitOfWork, *, token: str) -> None:
    """Sign out: the row is ended, so the cookie is worthless even if it was copied."""
    with uow.transaction() as s:
        row = s.get(WebSessionRow, _digest(token))
        if row is not None and row.ended_at is None:
            _end(s, row, uow.clock.now(), SessionEnd.SIGNED_OUT)


# --- disabling and API keys --------------------------------------------------------------


def do_disable_professional(uow: UnitOfWork, *, actor_id: str, professional_id: str) -> None:
    """Disable an account: its sessions end and its API keys are revoked in this transaction."""
    with uow.transaction() as s:
        actor = _administrator(s, actor_id)
        professional = _professional(s, professional_id)
        now = uow.clock.now()
        professional.active = False
        _end_sessions(s, professional_id, now, SessionEnd.DISABLED)
        s.execute(
            sa.update(ApiTokenRow)
            .where(ApiTokenRow.professional_id == professional_id, ApiTokenRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        audit.action(
            s,
            now,
            actor,
            "disable-professional",
            "professional",
            professional_id,
            Purpose.ADMINISTRATION,
        )


def do_issue_api_key(
    uow: UnitOfWork,
    *,
    actor_id: str,
    professional_id: str,
    scopes: Iterable[ApiScope | str],
    expires_at: datetime,
) -> str:
    """A key for an agency system, limited to `scopes` and a date; returned this once."""
    wanted = sorted({_scope(scope) for scope in scopes})
    if not wanted:
        raise Invalid("scopes", "name at least one scope: " + ", ".join(ApiScope))
    key = "ta_" + secrets.token_urlsafe(32)
    with uow.transaction() as s:
        actor = _administrator(s, actor_id)
        professional = _professional(s, professional_id)
        if not professional.active:
            raise Invalid("professional", f"{professional_id} is disabled")
        now = uow.clock.now()
        if not now < expires_at <= now + timedelta(days=API_KEY_MAX_DAYS):
            raise Invalid("expires_at", f"a key expires within {API_KEY_MAX_DAYS} days from now")
        s.add(
            ApiTokenRow(
                token_sha256=_digest(key),
                professional_id=professional_id,
                created_at=now,
                scopes=wanted,
                expires_at=expires_at,
            )
        )
        audit.action(
            s, now, actor, "issue-api-key", "professional", professional_id, Purpose.ADMINISTRATION
        )
    return key


def check_api_key(uow: UnitOfWork, *, key: str) -> ApiCaller | None:
    """The caller behind a bearer key, or None if unknown, revoked, expired or disabled."""
    with uow.transaction() as s:
        row = s.get(ApiTokenRow, _digest(key))
        if row is None or row.revoked_at is not None:
            return None
        if row.expires_at is not None and row.expires_at <= uow.clock.now():
            return None
        professional = s.get(ProfessionalRow, row.professional_id)
        if professional is None or not professional.active:
            return None
        scopes = None if row.scopes is None else frozenset(str(x) for x in row.scopes)
        return ApiCaller(professional_id=professional.id, scopes=scopes)


# --- helpers -----------------------------------------------------------------------------


def _plausible(key: str, length: int) -> bool:
    """Whether a typed key could be stored at all (PostgreSQL refuses NUL characters)."""
    return 0 < len(key) <= length and "\x00" not in key


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@cache
def _dummy_hash() -> str:
    """Verified against when there is no account, so that takes as long as a real one."""
    return _hasher.hash(secrets.token_urlsafe(16))


def _verify_password(credential: CredentialRow | None, password: str) -> bool:
    digest = credential.password_hash if credential is not None else _dummy_hash()
    try:
        return _hasher.verify(digest, password) and credential is not None
    except (VerificationError, InvalidHashError):
        return False


def _totp_step(credential: CredentialRow | None, code: str, now: datetime) -> int | None:
    """The time step whose code this is (one step of clock drift either way), or None."""
    if credential is None or credential.totp_secret is None:
        return None
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(credential.totp_secret)
    matched = None
    for offset in (-1, 0, 1):  # every candidate is compared, in constant time each
        if secrets.compare_digest(totp.at(now, counter_offset=offset), code):
            matched = totp.timecode(now) + offset
    return matched


def _sign_in_state(s: Session, professional_id: str) -> SignInStateRow:
    state = s.get(SignInStateRow, professional_id)
    if state is None:
        state = SignInStateRow(professional_id=professional_id, failures=0)
        s.add(state)
    return state


def _locked(state: SignInStateRow, now: datetime) -> bool:
    return state.locked_until is not None and state.locked_until > now


def _fail(state: SignInStateRow, now: datetime, policy: SignInPolicy) -> None:
    """Count a failure; the Nth in a row locks the account for the lockout period."""
    state.failures = (state.failures or 0) + 1
    if state.failures >= policy.max_failures:
        state.locked_until = now + policy.lockout
        state.failures = 0


def _clear_failures(state: SignInStateRow) -> None:
    state.failures = 0
    state.locked_until = None
    state.pending_sha256 = state.pending_at = None


def _refuse(
    s: Session,
    now: datetime,
    professional: ProfessionalRow | None,
    why: str,
    *,
    action: str = "sign-in",
) -> None:
    """Audit a refused sign-in: which account (never a name typed that matches none), and
    which check failed, for the security team; never the password or the code."""
    audit.record(
        s,
        at=now,
        actor=ANONYMOUS if professional is None else _actor_of(s, professional),
        action=f"{action}-{why}",
        record_type="professional",
        record_id="unknown" if professional is None else professional.id,
        purpose=Purpose.ADMINISTRATION,
        outcome="refused",
    )


def _why_ended(
    row: WebSessionRow, professional: ProfessionalRow, now: datetime, policy: SignInPolicy
) -> SessionEnd | None:
    if not professional.active:
        return SessionEnd.DISABLED
    if now - row.created_at >= policy.absolute:
        return SessionEnd.EXPIRED
    if now - row.last_seen_at >= policy.idle:
        return SessionEnd.IDLE
    return None


def _end(s: Session, row: WebSessionRow, now: datetime, why: SessionEnd) -> None:
    row.ended_at = now
    professional = present(s.get(ProfessionalRow, row.professional_id), "professional")
    audit.record(
        s,
        at=now,
        actor=_actor_of(s, professional),
        action="end-session",
        record_type="professional",
        record_id=row.professional_id,
        purpose=Purpose.ADMINISTRATION,
        outcome=str(why),
    )


def _end_sessions(s: Session, professional_id: str, now: datetime, why: SessionEnd) -> None:
    live = s.scalars(
        sa.select(WebSessionRow).where(
            WebSessionRow.professional_id == professional_id, WebSessionRow.ended_at.is_(None)
        )
    )
    for row in live:
        _end(s, row, now, why)


def _actor_of(s: Session, professional: ProfessionalRow) -> Actor:
    """The professional as an audit actor, even when disabled (load_actor refuses those)."""
    agency = s.get(AgencyRow, professional.agency_id)
    kind = agency.kind if agency else "none"
    return Actor(
        id=professional.id,
        role=professional.role,
        agency_id=professional.agency_id,
        agency_kind=kind,
    )


def _professional(s: Session, professional_id: str) -> ProfessionalRow:
    row = s.get(ProfessionalRow, professional_id)
    if row is None:
        raise Invalid("professional", f"no professional with id {professional_id!r}")
    return row


def _administrator(s: Session, actor_id: str) -> Actor:
    """Only the partnership's administrators (the `teamaround` command) manage accounts."""
    actor = load_actor(s, actor_id)
    if actor is not SYSTEM:
        raise NotFound("professional")
    return actor


def _administrator_or_self(s: Session, actor_id: str, professional_id: str) -> Actor:
    _professional(s, professional_id)
    if actor_id == professional_id:
        return load_actor(s, actor_id)
    return _administrator(s, actor_id)


def _scope(scope: ApiScope | str) -> ApiScope:
    try:
        return ApiScope(scope)
    except ValueError:
        raise Invalid("scopes", f"{scope!r} is not one of " + ", ".join(ApiScope)) from None
