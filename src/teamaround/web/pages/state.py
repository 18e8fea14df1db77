"""What the signed session cookie holds: a random session id, the CSRF token, one-off messages."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from typing import Any

from fastapi import Request

_SESSION = "sid"  # the random value whose hash is the web_sessions row; nothing else identifies
_PENDING = "pending"  # a password step awaiting its code
_CSRF = "csrf"
_FLASH = "flash"


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The professional a page acts for, read from the server-side session on each request."""

    id: str
    name: str
    role: str
    agency: str


@dataclass(frozen=True, slots=True)
class Flash:
    """A success message shown once, on the page a change redirects to."""

    title: str
    text: str


def signed_in_as(request: Request) -> SignedIn | None:
    """Who this request acts for, as `session.resolve_session` found it in the database."""
    me = getattr(request.state, "me", None)
    return me if isinstance(me, SignedIn) else None


def acting_as(request: Request, me: SignedIn | None) -> None:
    request.state.me = me


def session_token(request: Request) -> str | None:
    token = request.session.get(_SESSION)
    return token if isinstance(token, str) else None


def begin(request: Request, token: str) -> None:
    """A fresh session for a new sign-in: nothing, not even the CSRF token, carries over."""
    request.session.clear()
    request.session[_SESSION] = token
    request.session[_CSRF] = secrets.token_urlsafe(32)


def end(request: Request) -> None:
    request.session.clear()
    acting_as(request, None)


def await_code(request: Request, pending: str) -> None:
    """Between the password and the code: a random value, the same whatever was typed."""
    request.session[_PENDING] = pending


def pending(request: Request, *, remove: bool = False) -> str | None:
    value = request.session.pop(_PENDING, None) if remove else request.session.get(_PENDING)
    return value if isinstance(value, str) else None


def csrf_token(request: Request) -> str:
    """This session's token for every form, made on first use (before sign-in too)."""
    token = request.session.get(_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[_CSRF] = token
    return token


def csrf_matches(request: Request, sent: Any) -> bool:
    expected = request.session.get(_CSRF)
    if not isinstance(expected, str) or not isinstance(sent, str):
        return False
    return secrets.compare_digest(expected.encode(), sent.encode())


def flash(request: Request, title: str, text: str) -> None:
    request.session[_FLASH] = asdict(Flash(title, text))


def pop_flash(request: Request) -> Flash | None:
    message = request.session.pop(_FLASH, None)
    return Flash(**message) if isinstance(message, dict) else None


def keep(request: Request, key: str, value: dict[str, Any]) -> None:
    """Something a redirect's next page shows once (a receipt), kept in the signed cookie."""
    request.session[key] = value


def take(request: Request, key: str) -> dict[str, Any] | None:
    value = request.session.pop(key, None)
    return value if isinstance(value, dict) else None
