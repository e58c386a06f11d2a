"""resurface demo …: the fictional demo clinics."""

from __future__ import annotations

import typer

from resurface.cli.context import CliContext

demo_app = typer.Typer(help="The fictional demo clinics.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(demo_app, name="demo")


@demo_app.command("load")
def load(ctx: typer.Context) -> None:
    """Load two fictional clinics with staff and 20 patients; does nothing if already there."""
    from resurface.demo import photo_jobs
    from resurface.demo import story as demo

    context: CliContext = ctx.obj
    # The photos are measured in a process of its own, forked before this one opens the
    # database or starts a thread, while this one tells the stories.
    worker = photo_jobs.in_a_process(context.settings)
    try:
        # The demo's 470 commits are synced to the disk once, when it is loaded (on SQLite).
        with context.runtime.synced_once():
            report = demo.load_demo(context.runtime.context, worker)
            worker.close()  # its last commits before this process syncs them all
    finally:
        worker.close()
    if report.created:
        typer.echo(f"demo loaded: {report.clinics} clinics, {report.patients} patients")
    else:
        typer.echo("demo already loaded; nothing changed")
    typer.echo(demo.logins_text())
