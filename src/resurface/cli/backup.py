"""resurface backup …: the database and the photo store, backed up, checked and restored."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import typer

from resurface.cli.context import CliContext

backup_app = typer.Typer(
    help="Back up the database and the photo store; check a backup; restore one.",
    no_args_is_help=True,
)

PASSPHRASE_ENV = "RESURFACE_BACKUP_PASSPHRASE"  # noqa: S105 - the variable's name, not a secret
_PASSPHRASE_HELP = (
    f"A file holding the passphrase (its first line); or set {PASSPHRASE_ENV}. "
    "With a passphrase the backup is encrypted (age)."
)


def register(app: typer.Typer) -> None:
    app.add_typer(backup_app, name="backup")


@backup_app.command("create")
def create(
    ctx: typer.Context,
    to: Path | None = typer.Option(
        None, help="Folder to put the backup in (default DATA_DIR/backups)."
    ),
    passphrase_file: Path | None = typer.Option(None, help=_PASSPHRASE_HELP),
) -> None:
    """Back up the database and every photo, with a manifest of their hashes."""
    from resurface import bootstrap

    context: CliContext = ctx.obj
    with _refused():
        folder = bootstrap.create_backup(context.settings, to, _passphrase(passphrase_file))
    typer.echo(f"backup written: {folder}")


@backup_app.command("verify")
def verify(
    ctx: typer.Context,
    folder: Path = typer.Argument(..., help="The backup folder."),
    passphrase_file: Path | None = typer.Option(None, help=_PASSPHRASE_HELP),
) -> None:
    """Check every file against the manifest and that the database copy opens (exit 1 if not)."""
    from resurface import bootstrap

    with _refused():
        checked = bootstrap.verify_backup(folder, _passphrase(passphrase_file))
    if checked.problems:
        for problem in checked.problems:
            typer.echo(f"backup BROKEN: {problem}", err=True)
        raise typer.Exit(1)
    typer.echo(
        f"backup whole: {len(checked.entries)} files, made {checked.manifest.get('created_at')} "
        f"at schema {checked.manifest.get('schema_revision')}"
    )


@backup_app.command("restore")
def restore(
    ctx: typer.Context,
    folder: Path = typer.Argument(..., help="The backup folder."),
    passphrase_file: Path | None = typer.Option(None, help=_PASSPHRASE_HELP),
) -> None:
    """Restore a backup into the configured database and photo store, which must be empty."""
    from resurface import bootstrap

    context: CliContext = ctx.obj
    with _refused():
        checked = bootstrap.restore_backup(context.settings, folder, _passphrase(passphrase_file))
    photos = sum(not entry.is_database for entry in checked.entries)
    typer.echo(
        f"restored {folder}: {sum(checked.rows.values())} rows in {len(checked.rows)} tables, "
        f"{photos} photos, at schema revision {checked.manifest.get('schema_revision')}; "
        "run `resurface db upgrade` to bring the schema up to date"
    )


def _passphrase(path: Path | None) -> str | None:
    if path is not None:
        try:
            lines = path.read_text().splitlines()
        except OSError as error:
            _fail(f"cannot read the passphrase file {path}: {error.strerror}")
        if not lines or not lines[0]:
            _fail(f"the passphrase file {path} holds no passphrase")
        return lines[0]
    return os.environ.get(PASSPHRASE_ENV) or None


@contextmanager
def _refused() -> Iterator[None]:
    """A backup that cannot be made, read or restored: one line and exit 2, nothing written."""
    from resurface import bootstrap

    try:
        yield
    except bootstrap.BackupError as error:
        _fail(str(error))
    except OSError as error:  # a folder that cannot be made or read: say which
        _fail(f"{error.filename}: {error.strerror}" if error.filename else str(error))


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)
