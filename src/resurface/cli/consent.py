"""resurface consent …: a patient's signed consents, and checking a signed PDF's hash."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from resurface.cli.context import CliContext
from resurface.services import consents

consent_app = typer.Typer(help="Signed treatment consents.", no_args_is_help=True)

USER = typer.Option(
    ..., "--user", envvar="RESURFACE_USER", help="Act as this user (scope, role and audit)."
)


def register(app: typer.Typer) -> None:
    app.add_typer(consent_app, name="consent")


@consent_app.command("list")
def list_consents(
    ctx: typer.Context,
    patient_id: int = typer.Argument(..., help="The patient's number."),
    user: str = USER,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The patient's signed consents (newest last)."""
    context: CliContext = ctx.obj
    actor = context.acting_as(user)
    overview = consents.consents_overview(context.runtime.context, actor, patient_id)
    rows = [
        {
            "id": c.id,
            "modality": c.modality.value,
            "signed_at": c.signed_at.isoformat(),
            "signed_name": c.signed_name,
            "via": c.via.value,
            "template_version": c.template_version,
            "pdf_sha256": c.pdf_sha256,
        }
        for c in overview.signed
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for c in overview.signed:
        typer.echo(
            f"{c.id}  {c.signed_at:%Y-%m-%d %H:%M}  {c.modality.value}  v{c.template_version}"
            f"  {c.via.value}  {c.pdf_sha256}"
        )
    if not rows:
        typer.echo("no signed consent")


@consent_app.command("verify")
def verify(
    ctx: typer.Context,
    consent_id: int = typer.Argument(..., help="The signed consent's number."),
    user: str = USER,
    save: Path | None = typer.Option(None, "--save", help="Also write the stored PDF here."),
) -> None:
    """Check that the stored PDF is byte for byte the one signed (its SHA-256); exit 1 if not."""
    context: CliContext = ctx.obj
    actor = context.acting_as(user)
    checked = consents.verify(context.runtime.context, actor, consent_id)
    c = checked.consent
    if save is not None and checked.actual_sha256 is not None:
        _, data = consents.signed_pdf(context.runtime.context, actor, consent_id)
        save.write_bytes(data)
    if checked.intact:
        typer.echo(
            f"consent {c.id} intact: {c.modality.value}, signed {c.signed_at:%Y-%m-%d %H:%M} UTC "
            f"as {c.signed_name!r}, form v{c.template_version}; sha256 {c.pdf_sha256}"
        )
        return
    typer.echo(
        f"consent {c.id} NOT intact: recorded sha256 {c.pdf_sha256}, stored file "
        f"{checked.actual_sha256 or 'missing'}",
        err=True,
    )
    raise typer.Exit(1)
