"""resurface audit …: the tamper-evident audit trail."""

from __future__ import annotations

import typer

from resurface.cli.context import CliContext
from resurface.services import audit

audit_app = typer.Typer(help="The audit trail of every chart read and write.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(ctx: typer.Context) -> None:
    """Check the hash chain; report the first broken link (exit 1) or that it is intact."""
    context: CliContext = ctx.obj
    report = audit.check_trail(context.runtime.context)
    if report.broken is None:
        typer.echo(f"audit trail intact: {report.events} events")
        return
    typer.echo(
        f"audit trail BROKEN at event {report.broken.seq}: {report.broken.reason} "
        f"({report.events} events read)",
        err=True,
    )
    raise typer.Exit(1)
