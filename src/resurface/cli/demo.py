"""resurface demo …: the fictional demo clinics."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

from resurface.cli.context import CliContext

if TYPE_CHECKING:
    from sqlalchemy import Engine

demo_app = typer.Typer(help="The fictional demo clinics.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(demo_app, name="demo")


@demo_app.command("load")
def load(ctx: typer.Context) -> None:
    """Load two fictional clinics with staff and 20 patients; does nothing if already there."""
    from resurface.demo import story as demo

    context: CliContext = ctx.obj
    with _synced_once(context.runtime.engine):
        report = demo.load_demo(context.runtime.context)
    if report.created:
        typer.echo(f"demo loaded: {report.clinics} clinics, {report.patients} patients")
    else:
        typer.echo("demo already loaded; nothing changed")
    typer.echo(demo.logins_text())


@contextmanager
def _synced_once(engine: Engine) -> Iterator[None]:
    """On SQLite, the demo's 470 commits are not each synced to the disk (``synchronous=NORMAL``
    in WAL mode: a power cut during the load may lose its last commits, never the database's
    consistency); a checkpoint syncs the whole demo once it is loaded. The clinic's own writes
    keep ``synchronous=FULL`` (``storage.database``)."""
    if engine.dialect.name != "sqlite":
        yield
        return
    from sqlalchemy import event

    def unsynced(dbapi_connection: Any, *_: object) -> None:
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    event.listen(engine, "checkout", unsynced)
    try:
        yield
    finally:
        event.remove(engine, "checkout", unsynced)
        engine.dispose()  # the connections the demo used go; new ones sync every commit again
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(FULL)")
