"""The ``resurface`` command. Each module in this package registers its own commands."""

from __future__ import annotations

import sys

import typer
from pydantic import ValidationError

from resurface import bootstrap
from resurface.cli import (
    audit,
    backup,
    clinical,
    consent,
    db,
    demo,
    imaging,
    notify,
    patient,
    photos,
    serve,
    user,
    worker,
)
from resurface.cli.context import CliContext
from resurface.domain.errors import DomainError
from resurface.imaging.errors import ImagingError
from resurface.services.errors import ServiceError

EXIT_INVALID = 2
EXIT_DATABASE = 3

app = typer.Typer(
    name="resurface",
    help="Resurface: laser skin resurfacing from consultation to results.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Resurface: laser skin resurfacing from consultation to results.

    Settings come from RESURFACE_* environment variables (RESURFACE_DATA_DIR,
    RESURFACE_DATABASE_URL, RESURFACE_SECRET_KEY, RESURFACE_ENVIRONMENT …).
    """
    ctx.obj = CliContext()


for module in (
    db,
    demo,
    serve,
    user,
    patient,
    audit,
    photos,
    backup,
    clinical,
    imaging,
    notify,
    consent,
    worker,
):
    module.register(app)


def _settings_message(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "settings"
    return f"settings: {field}: {first['msg']}"


def main() -> None:
    """Known errors become a one-line message and a non-zero exit, never a traceback."""
    try:
        app()
    except (DomainError, ServiceError, ImagingError) as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(EXIT_INVALID)
    except ValidationError as error:
        typer.echo(f"error: {_settings_message(error)}", err=True)
        sys.exit(EXIT_INVALID)
    except bootstrap.DatabaseUnusable as error:
        typer.echo(f"error: {bootstrap.database_message(error)}", err=True)
        sys.exit(EXIT_DATABASE)


if __name__ == "__main__":
    main()
