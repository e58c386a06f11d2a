"""resurface audit …: the tamper-evident audit trail."""

from __future__ import annotations

import csv
import datetime as dt
import sys

import typer

from resurface.cli.context import CliContext
from resurface.domain.audit import AuditFilter
from resurface.services import audit, audit_review

audit_app = typer.Typer(help="The audit trail of every chart read and write.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(
    ctx: typer.Context,
    incremental: bool = typer.Option(
        False,
        "--incremental",
        help="Check only the events since the last checkpoint (seconds for a busy clinic); "
        "without it the whole trail is checked.",
    ),
) -> None:
    """Check the hash chain; report the first broken link (exit 1) or that it is intact."""
    context: CliContext = ctx.obj
    report = audit.check_trail(context.runtime.context, incremental=incremental)
    if report.broken is None and report.from_seq:
        typer.echo(
            f"audit trail intact since the checkpoint at event {report.from_seq}: "
            f"{report.events} events after it (`resurface audit verify` checks them all)"
        )
        return
    if report.broken is None:
        last = report.last_checkpoint
        anchored = (
            f"; {report.checkpoints} checkpoints, the last at event {last.seq} "
            f"({last.at:%Y-%m-%d %H:%M} UTC)"
            if last is not None
            else "; no checkpoint yet (a running server or `resurface audit checkpoint` writes one)"
        )
        typer.echo(f"audit trail intact: {report.events} events{anchored}")
        return
    typer.echo(
        f"audit trail BROKEN at event {report.broken.seq}: {report.broken.reason} "
        f"({report.events} events read)",
        err=True,
    )
    raise typer.Exit(1)


@audit_app.command("checkpoint")
def write_checkpoint(ctx: typer.Context) -> None:
    """Sign the trail's head into the checkpoints kept outside the database (a running server
    does this every minute)."""
    context: CliContext = ctx.obj
    point = audit.write_checkpoint(context.runtime.context)
    if point is None:
        typer.echo("nothing new since the last checkpoint")
        return
    typer.echo(f"checkpoint written: event {point.seq} ({point.at:%Y-%m-%d %H:%M} UTC)")


@audit_app.command("rotate-key")
def rotate_key(ctx: typer.Context) -> None:
    """Add a new chain key (the old ones stay, to check the events they keyed). Restart the
    server afterwards: new events are chained with the new key from then on."""
    context: CliContext = ctx.obj
    anchor = context.runtime.context.anchor
    if anchor is None:
        typer.echo("this installation keeps no audit keys", err=True)
        raise typer.Exit(2)
    key = anchor.rotate()
    typer.echo(f"new audit key {key.id}; restart the server to chain new events with it")


@audit_app.command("events")
def events(
    ctx: typer.Context,
    user: str = typer.Option(..., help="Who is reviewing: a medical director's user name."),
    patient: int | None = typer.Option(None, min=1, help="Only this patient's record."),
    action: str = typer.Option("", help="Only this action, e.g. chart_read."),
    since: str = typer.Option("", help="From this day (YYYY-MM-DD)."),
    until: str = typer.Option("", help="To this day (YYYY-MM-DD)."),
    refused: bool = typer.Option(False, "--refused", help="Only refused attempts."),
) -> None:
    """The clinic's audit events as CSV on standard output, newest first (audited)."""
    context: CliContext = ctx.obj
    actor = context.acting_as(user)
    wanted = AuditFilter(
        patient, None, action, _day(since, "--since"), _day(until, "--until"), refused or None
    )
    writer = csv.writer(sys.stdout)
    writer.writerow(audit_review.EXPORT_COLUMNS)
    writer.writerows(audit_review.export_rows(context.runtime.context, actor, wanted))


def _day(text: str, option: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        typer.echo(f"error: {option} {text!r} is not a date (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None
