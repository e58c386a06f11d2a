"""Placeholder until its commands are written (being built now)."""

import typer


def register(app: typer.Typer) -> None:
    pass
