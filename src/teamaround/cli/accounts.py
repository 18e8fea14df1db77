"""`teamaround accounts`: passwords, second factors, provider links, disabling and API keys."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from teamaround.adapters.db.engine import make_engine
from teamaround.clock import SystemClock
from teamaround.services.accounts import (
    API_KEY_MAX_DAYS,
    ApiScope,
    do_disable_professional,
    do_enrol_totp,
    do_issue_api_key,
    do_link_identity,
    do_set_password,
)
from teamaround.services.context import SYSTEM, UnitOfWork
from teamaround.services.errors import Invalid, NotFound
from teamaround.settings import Settings

accounts_app = typer.Typer(help="Professionals' accounts and API keys.", no_args_is_help=True)
err = Console(stderr=True, soft_wrap=True)
_T = TypeVar("_T")

Professional = Annotated[str, typer.Argument(help="The professional's id.")]
Database = Annotated[str | None, typer.Option(help="Database URL (default: the settings').")]


@contextmanager
def _uow(database: str | None) -> Iterator[UnitOfWork]:
    engine = make_engine(database or Settings().database_url)
    try:
        yield UnitOfWork(engine, SystemClock())
    finally:
        engine.dispose()


def _run(database: str | None, action: Callable[[UnitOfWork], _T]) -> _T:
    """Run a service as the partnership's administrator; a refusal exits 2 saying why."""
    with _uow(database) as uow:
        try:
            return action(uow)
        except (Invalid, NotFound) as exc:
            err.print(f"[bold red]refused:[/] {exc}", highlight=False)
            raise typer.Exit(2) from exc


@accounts_app.command("set-password")
def set_password(professional: Professional, database: Database = None) -> None:
    """Set a professional's password (asked for twice, never echoed); their sessions end."""
    password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    _run(
        database,
        lambda uow: do_set_password(
            uow, actor_id=SYSTEM.id, professional_id=professional, password=password
        ),
    )
    typer.echo(f"password set for {professional}; their sessions have ended")


@accounts_app.command("enrol-totp")
def enrol_totp(professional: Professional, database: Database = None) -> None:
    """Make a new second-factor secret and print it once, for the professional's app."""
    enrolment = _run(
        database,
        lambda uow: do_enrol_totp(uow, actor_id=SYSTEM.id, professional_id=professional),
    )
    typer.echo("Add this to the professional's authenticator app (shown once):")
    typer.echo(f"  secret: {enrolment.secret}")
    typer.echo(f"  link:   {enrolment.uri}")


@accounts_app.command("link-oidc")
def link_oidc(
    professional: Professional,
    issuer: Annotated[str, typer.Option(help="The provider's issuer, as in its ID tokens.")],
    subject: Annotated[str, typer.Option(help="The professional's `sub` (or email) there.")],
    database: Database = None,
) -> None:
    """Say who the professional is at the partnership's OpenID Connect provider."""
    _run(
        database,
        lambda uow: do_link_identity(
            uow, actor_id=SYSTEM.id, professional_id=professional, issuer=issuer, subject=subject
        ),
    )
    typer.echo(f"{professional} signs in as {subject} at {issuer}")


@accounts_app.command("disable")
def disable(professional: Professional, database: Database = None) -> None:
    """Disable an account: its sessions end and its API keys are revoked at once."""
    _run(
        database,
        lambda uow: do_disable_professional(uow, actor_id=SYSTEM.id, professional_id=professional),
    )
    typer.echo(f"{professional} is disabled; sessions ended and API keys revoked")


@accounts_app.command("api-key")
def api_key(
    professional: Professional,
    scope: Annotated[
        list[ApiScope], typer.Option(help="What the key may do; repeat for more than one.")
    ],
    days: Annotated[
        int, typer.Option(min=1, max=API_KEY_MAX_DAYS, help="Days until the key expires.")
    ] = 90,
    database: Database = None,
) -> None:
    """Issue an API key for an agency system, limited to scopes and a lifetime; shown once."""

    def issue(uow: UnitOfWork) -> str:
        expires_at = uow.clock.now() + timedelta(days=days)
        return do_issue_api_key(
            uow,
            actor_id=SYSTEM.id,
            professional_id=professional,
            scopes=scope,
            expires_at=expires_at,
        )

    key = _run(database, issue)
    typer.echo(f"API key for {professional} ({', '.join(scope)}; {days} days), shown once:")
    typer.echo(key)
