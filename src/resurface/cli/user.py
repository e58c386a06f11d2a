"""resurface user …: the people who sign in."""

from __future__ import annotations

import sys

import typer

from resurface.cli.context import CliContext
from resurface.domain.people import Role
from resurface.services import accounts, second_factor, users

user_app = typer.Typer(help="The people who sign in.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")


@user_app.command("add")
def add(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="Sign-in name: lower-case letters, digits, . _ -"),
    clinic: str = typer.Option(..., help="The clinic's short name (slug), e.g. harbour."),
    name: str = typer.Option(..., "--name", help="The person's full name."),
    role: Role = typer.Option(Role.CLINICIAN, help="admin, clinician or staff."),
    email: str = typer.Option("", help="E-mail address for notifications."),
) -> None:
    """Add a user to a clinic; asks for the password twice, not echoed.

    When standard input is not a terminal, the password is read from its first line instead.
    """
    context: CliContext = ctx.obj
    app = context.runtime.context
    users.clinic_by_slug(app, clinic)  # a wrong clinic is said before asking for a password
    added = users.add_user(app, None, clinic, username, name, role, _password(), email)
    typer.echo(f"added {added.username} ({added.role.value}) to {clinic}")


def _password() -> str:
    if sys.stdin.isatty():
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\n")


@user_app.command("reset-password")
def reset_password(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="The user's sign-in name."),
) -> None:
    """Give a user a temporary password, printed once, that they must change at their next
    sign-in; their web sessions end. For a clinic whose only medical director is locked out:
    otherwise the medical director resets passwords on the user's page."""
    context: CliContext = ctx.obj
    reset = accounts.reset_password_by_operator(context.runtime.context, username)
    typer.echo(f"temporary password for {reset.user.username}: {reset.temporary_password}")
    typer.echo("it is shown this once; the user must choose their own when they sign in with it")


@user_app.command("remove-second-factor")
def remove_second_factor(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="The user's sign-in name."),
    reason: str = typer.Option(..., help="Why, for the audit trail (a lost or replaced phone)."),
) -> None:
    """Remove a user's second factor (a lost or replaced phone); their web sessions end and
    they turn it on again with the new phone. For a clinic whose only medical director lost
    theirs: otherwise the medical director removes it on the user's page."""
    context: CliContext = ctx.obj
    removal = second_factor.remove_lost_by_operator(context.runtime.context, username, reason)
    typer.echo(
        f"second factor of {removal.user.username} removed; "
        f"{removal.sessions_ended} web session(s) ended"
    )
