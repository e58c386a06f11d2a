"""resurface notify …: the e-mail outbox (urgent alerts to the clinic, check-in reminders)."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from resurface.cli.context import CliContext
from resurface.services.recovery import outbox
from resurface.services.recovery.outbox import DeliveryReport

notify_app = typer.Typer(help="Send queued e-mail and check-in reminders.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(notify_app, name="notify")


@notify_app.command("run")
def run(
    ctx: typer.Context,
    loop: Annotated[
        float | None,
        typer.Option(
            "--loop", min=1.0, help="keep going, one round every SECONDS", metavar="SECONDS"
        ),
    ] = None,
) -> None:
    """Queue the check-in reminders that are due and deliver every message that is due, once
    (or every SECONDS with --loop). Without RESURFACE_SMTP_HOST messages stay in the outbox."""
    context: CliContext = ctx.obj
    use_cases = context.runtime.context
    if use_cases.mailer is None:
        typer.echo("RESURFACE_SMTP_HOST is not set: messages stay in the outbox", err=True)
    while True:
        result = outbox.run_once(use_cases, sender=context.settings.smtp_from)
        typer.echo(_summary(result))
        if loop is None:
            return
        time.sleep(loop)


def _summary(result: DeliveryReport) -> str:
    text = f"reminders queued: {result.reminders_queued}"
    if result.mail_server:
        text += f"; sent: {result.sent}; failed (will retry): {result.failed}"
    return text
