"""resurface db …: the database schema."""

from __future__ import annotations

import typer

from resurface.cli.context import CliContext

db_app = typer.Typer(help="The database schema.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Create or migrate the database to the newest schema (safe to run again)."""
    from resurface import bootstrap

    context: CliContext = ctx.obj
    bootstrap.migrate(context.settings)
    revision = bootstrap.schema_revision(context.settings)
    typer.echo(f"database is at schema revision {revision}")


@db_app.command("current")
def current(ctx: typer.Context) -> None:
    """Print the schema revision the database is at."""
    from resurface import bootstrap

    context: CliContext = ctx.obj
    typer.echo(bootstrap.schema_revision(context.settings) or "empty (run `resurface db upgrade`)")
