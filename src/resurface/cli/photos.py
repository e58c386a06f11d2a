"""resurface photos …: the photo store beside the database."""

from __future__ import annotations

import datetime as dt

import typer

from resurface.cli.context import CliContext
from resurface.services.photo_store_check import IN_FLIGHT, PhotoStoreReport, check_photo_store

photos_app = typer.Typer(help="The photo store beside the database.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(photos_app, name="photos")


@photos_app.command("check")
def check(
    ctx: typer.Context,
    remove_orphans: bool = typer.Option(
        False, "--remove-orphans", help="Delete files that no record names."
    ),
    older_than: int = typer.Option(
        int(IN_FLIGHT.total_seconds() // 60),
        min=0,
        help="Only remove orphans written at least this many minutes ago "
        "(an upload in progress has written its file but not yet saved its record).",
    ),
) -> None:
    """Check that every photo record has its file, unchanged, and find files no record names.

    A photo found not measurable because its file was missing, whose file is back, is
    measured again. Exits 1 when a file is missing or damaged, or an orphan is left in the store.
    """
    context: CliContext = ctx.obj
    report = check_photo_store(
        context.runtime.context,
        remove_orphans=remove_orphans,
        in_flight=dt.timedelta(minutes=older_than),
    )
    for line in report_lines(report):
        typer.echo(line, err=not report.consistent)
    if not report.consistent:
        raise typer.Exit(1)


def report_lines(report: PhotoStoreReport) -> list[str]:
    lines = [f"photo store: {report.files} files, {report.records} records name a file"]
    lines += [f"missing: {r.record_type} {r.record_id} names {r.key}" for r in report.missing]
    lines += [f"damaged: {r.record_type} {r.record_id}: {r.key}" for r in report.damaged]
    lines += [f"measuring again: photo {i} (its file is back)" for i in report.measured_again]
    removed = {file.name for file in report.removed}
    lines += [
        f"orphan {'removed' if file.name in removed else 'kept'}: {file.name}"
        for file in report.orphans
    ]
    if report.consistent:
        lines.append("photo store and records agree")
    return lines
