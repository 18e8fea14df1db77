"""`teamaround`: replay scenarios, run the service, look after the database."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from teamaround.adapters.db.engine import make_engine
from teamaround.adapters.db.schema import is_empty, upgrade
from teamaround.cli.accounts import accounts_app
from teamaround.cli.link import link, model_app
from teamaround.cli.report import print_report
from teamaround.cli.screen import screen
from teamaround.clock import SystemClock
from teamaround.scenarios.loader import ScenarioError, load_scenario
from teamaround.scenarios.runner import replay as run_replay
from teamaround.services.audit import verify
from teamaround.services.context import UnitOfWork
from teamaround.settings import Settings

app = typer.Typer(
    help="TeamAround: multi-agency child safeguarding information sharing.", no_args_is_help=True
)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(model_app, name="model")
app.add_typer(accounts_app, name="accounts")
app.command()(link)
app.command()(screen)
err = Console(stderr=True, soft_wrap=True)


@app.command()
def replay(
    file: Annotated[Path, typer.Argument(help="A scenario file (shared/scenarios/FORMAT.md).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
    database: Annotated[
        str | None,
        typer.Option(help="Replay into this empty database and leave it there for inspection."),
    ] = None,
) -> None:
    """Replay a case scenario into a fresh database; exit 1 if an expectation fails, 2 if the
    file is not a valid scenario."""
    try:
        scenario = load_scenario(file)
    except ScenarioError as exc:
        err.print(f"[bold red]{file}: line {exc.line}:[/] {exc.message}", highlight=False)
        raise typer.Exit(2) from exc
    with tempfile.TemporaryDirectory(prefix="teamaround-replay-") as scratch:
        url = database or f"sqlite:///{Path(scratch) / 'replay.db'}"
        engine = make_engine(url)
        try:
            if not is_empty(engine):
                err.print(
                    f"[bold red]{url}:[/] the database is not empty; replay needs a fresh one"
                )
                raise typer.Exit(2)
            upgrade(engine)
            report = run_replay(scenario, engine)
        finally:
            engine.dispose()
    if as_json:
        typer.echo(json.dumps(report.as_json(), indent=2))
    else:
        print_report(report, Console(soft_wrap=True))
    raise typer.Exit(0 if report.ok else 1)


@db_app.command("upgrade")
def db_upgrade(database: Annotated[str | None, typer.Option(help="Database URL.")] = None) -> None:
    """Create or upgrade the schema."""
    url = database or Settings().database_url
    _ensure_parent(url)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    typer.echo("schema is up to date")


@db_app.command("backup")
def db_backup(
    target: Annotated[Path, typer.Argument(help="Where to write the backup file.")],
    database: Annotated[str | None, typer.Option(help="Database URL.")] = None,
) -> None:
    """Back the database up (SQLite online backup, or pg_dump's custom format)."""
    from teamaround.adapters.db.backup import BackupError, backup

    try:
        backup(database or Settings().database_url, target)
    except BackupError as exc:
        err.print(f"[bold red]backup failed:[/] {exc}")
        raise typer.Exit(1) from exc
    typer.echo(f"backed up to {target}")


@db_app.command("restore")
def db_restore(
    source: Annotated[Path, typer.Argument(help="A backup made by `teamaround db backup`.")],
    database: Annotated[str | None, typer.Option(help="Database URL.")] = None,
) -> None:
    """Replace the database with a backup; then verify the audit chain."""
    from teamaround.adapters.db.backup import BackupError, restore

    try:
        restore(database or Settings().database_url, source)
    except BackupError as exc:
        err.print(f"[bold red]restore failed:[/] {exc}")
        raise typer.Exit(1) from exc
    typer.echo(f"restored from {source}; run `teamaround audit verify` to check the chain")


@audit_app.command("verify")
def audit_verify(
    database: Annotated[str | None, typer.Option(help="Database URL.")] = None,
) -> None:
    """Recompute the audit hash chain; exit 1 naming the first bad entry."""

    engine = make_engine(database or Settings().database_url)
    with UnitOfWork(engine, SystemClock()).transaction() as s:
        broken = verify(s)
    engine.dispose()
    if broken is not None:
        seq, why = broken
        err.print(f"[bold red]audit entry {seq}:[/] {why}")
        raise typer.Exit(1)
    typer.echo("audit chain verified")


@app.command()
def demo(
    host: str = "127.0.0.1",
    port: int = 8000,
    reset: Annotated[bool, typer.Option(help="Start again from an empty demo database.")] = True,
) -> None:
    """Load the Child O demo case into var/teamaround.db and serve the API."""
    from teamaround.cli.demo import load_demo

    settings = Settings()
    if not settings.development:
        err.print("[bold red]demo runs only in development[/]")
        raise typer.Exit(2)
    url = settings.database_url
    _ensure_parent(url)
    tokens = load_demo(url, reset=reset)
    console = Console()
    console.print("[bold]Demo accounts[/] (development only): use as 'Authorization: Bearer TOKEN'")
    for professional, token in tokens.items():
        console.print(f"  {professional:<8} {token}", highlight=False)
    _serve(url, host, port)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the HTTP API."""
    _serve(Settings().database_url, host, port)


def _serve(url: str, host: str, port: int) -> None:
    import uvicorn

    from teamaround.web.app import create_app

    settings = Settings()
    app = create_app(
        database_url=url, settings=settings, timer_interval=settings.timer_interval_seconds
    )
    uvicorn.run(app, host=host, port=port)


def _ensure_parent(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
