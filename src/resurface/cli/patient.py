"""resurface patient …: the patient list and one patient's chart, as a named user."""

from __future__ import annotations

import json

import typer

from resurface.cli.context import CliContext
from resurface.domain.journey import Stage
from resurface.services import charts, patients

patient_app = typer.Typer(help="Patients and their charts.", no_args_is_help=True)

USER_OPTION = typer.Option(
    ..., "--user", envvar="RESURFACE_USER", help="Act as this user (scope, role and audit)."
)


def register(app: typer.Typer) -> None:
    app.add_typer(patient_app, name="patient")


@patient_app.command("list")
def list_(
    ctx: typer.Context,
    user: str = USER_OPTION,
    search: str = typer.Option(
        "", help="Words of a name (3 letters or more: anywhere in it; fewer: its start)."
    ),
    stage: Stage | None = typer.Option(None, help="Only patients at this stage."),
    page: int = typer.Option(1, min=1),
    per_page: int = typer.Option(50, min=1, max=200),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of a table."),
) -> None:
    """List the user's clinic's patients with their stage."""
    context: CliContext = ctx.obj
    actor = context.acting_as(user)
    query = patients.PatientQuery(search, stage, page, per_page)
    found = patients.list_patients(context.runtime.context, actor, query)
    if as_json:
        rows = [
            {
                "id": s.patient.id,
                "name": s.patient.full_name,
                "date_of_birth": s.patient.date_of_birth.isoformat(),
            }
            | (
                {
                    "stage": s.stage.value,
                    "sessions_done": s.sessions_done,
                    "sessions_planned": s.sessions_planned,
                }
                if s.stage is not None
                else {"phone": s.patient.phone, "email": s.patient.email}
            )
            for s in found.items
        ]
        typer.echo(json.dumps({"total": found.total, "page": found.page, "patients": rows}))
        return
    typer.echo(f"{'ID':>5}  {'Name':<28} {'Born':<10}  {'Stage':<18} Sessions")
    for s in found.items:
        sessions = f"{s.sessions_done}/{s.sessions_planned}" if s.sessions_planned else "-"
        shown = s.stage.label if s.stage is not None else "-"
        typer.echo(
            f"{s.patient.id:>5}  {s.patient.full_name:<28} {s.patient.date_of_birth}  "
            f"{shown:<18} {sessions}"
        )
    typer.echo(f"{found.total} patients (page {found.page} of {found.pages})")


@patient_app.command("show")
def show(
    ctx: typer.Context,
    patient_id: int = typer.Argument(..., help="The patient's id (see `patient list`)."),
    user: str = USER_OPTION,
    as_json: bool = typer.Option(False, "--json", help="JSON instead of text."),
) -> None:
    """Show a patient's chart as a timeline, newest first."""
    context: CliContext = ctx.obj
    actor = context.acting_as(user)
    view = charts.read_chart(context.runtime.context, actor, patient_id)
    p = view.patient
    if as_json:
        timeline = [
            {"on": e.on.isoformat(), "kind": e.kind, "title": e.title, "lines": list(e.lines)}
            for e in view.timeline
        ]
        body = {"id": p.id, "name": p.full_name, "stage": view.stage.value, "timeline": timeline}
        typer.echo(json.dumps(body))
        return
    skin = p.fitzpatrick_type.value if p.fitzpatrick_type else "not recorded"
    typer.echo(f"{p.full_name} (#{p.id}), born {p.date_of_birth}, skin type {skin}")
    typer.echo(f"Stage: {view.stage.label}")
    for entry in view.timeline:
        typer.echo(f"\n{entry.on}  {entry.title}")
        for line in entry.lines:
            typer.echo(f"    {line}")
