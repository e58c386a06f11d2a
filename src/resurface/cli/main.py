"""The ``resurface`` command. Each module in this package registers its own commands."""

from __future__ import annotations

import sys

import typer

from resurface.cli import clinical, imaging
from resurface.domain.errors import DomainError
from resurface.imaging.errors import ImagingError
from resurface.services.errors import ServiceError

EXIT_INVALID = 2

app = typer.Typer(
    name="resurface",
    help="Resurface: laser skin resurfacing from consultation to results.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for module in (clinical, imaging):
    module.register(app)


def main() -> None:
    """Entry point: known errors become a one-line message and a non-zero exit, never a traceback."""
    try:
        app()
    except (DomainError, ServiceError, ImagingError) as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(EXIT_INVALID)


if __name__ == "__main__":
    main()
