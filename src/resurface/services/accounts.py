"""A user's own password, and the medical director's reset of someone else's.

Changing one's password ends one's other web sessions (the one in use stays signed in). A reset
gives a temporary password, shown once to whoever reset it, that the user must change at their
next sign-in (``User.must_change_password``: until then they may only change it or sign out), and
ends every session of the user at once. Both are audited; no password is ever written down.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from resurface.domain.errors import FieldProblem, InvalidInput
from resurface.domain.people import User
from resurface.domain.signin import account_key
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.auth import token_hash
from resurface.services.errors import NotFound, NotSignedIn
from resurface.services.passwords import (
    hash_password,
    password_problems,
    temporary_password,
    verify_password,
)
from resurface.services.ports import UnitOfWork

if TYPE_CHECKING:
    from resurface.services.context import Context

WRONG_CURRENT = "is not your current password"
NOT_AGAIN = "does not match the new password"
SAME_AS_BEFORE = "must differ from your current password"
RESET_YOURSELF = "reset someone else's password; change your own on the Password page"


@dataclass(frozen=True)
class PasswordReset:
    """A reset: the user, the temporary password to pass on (shown once, kept nowhere) and how
    many of their web sessions ended."""

    user: User
    temporary_password: str
    sessions_ended: int
    valid_until: dt.datetime


def change_own_password(
    ctx: Context,
    actor: Actor,
    session_token: str,
    current: str,
    new: str,
    again: str | None = None,
) -> int:
    """Change the actor's password: the ``current`` one must be right, the ``new`` one meet the
    policy (and equal ``again``, when the form asked for it twice). Every problem is named at
    once. The actor's other web sessions end (how many is returned); ``session_token`` is the one
    in use, which stays signed in. A wrong current password is audited."""
    with ctx.uow() as uow:
        user = uow.users.get(actor.clinic_id, actor.user_id)
        clinic = uow.clinics.get(actor.clinic_id)
        if user is None or not user.active or clinic is None:
            raise NotSignedIn("please sign in")
        right = verify_password(user.password_hash, current)
        problems = [] if right else [FieldProblem("current_password", WRONG_CURRENT)]
        inputs = (user.username, user.display_name, clinic.name)
        problems += password_problems(new, user_inputs=inputs, field="new_password")
        if right and new == current:
            problems.append(FieldProblem("new_password", SAME_AS_BEFORE))
        if again is not None and again != new:
            problems.append(FieldProblem("new_password_again", NOT_AGAIN))
        if problems:
            if not right:
                detail = f"{user.username}: wrong current password"
                audit.record(uow, actor, "password_change_refused", "user", user.id, detail=detail)
                uow.commit()
            raise InvalidInput.of(problems)
        uow.users.set_password(user.clinic_id, user.id, hash_password(new))
        ended = uow.web_sessions.delete_for_user(user.id, keep=token_hash(session_token))
        detail = f"{user.username}: {ended} other web session(s) ended"
        audit.record(uow, actor, "password_changed", "user", user.id, detail=detail)
        uow.commit()
        return ended


def reset_password(ctx: Context, actor: Actor, user_id: int) -> PasswordReset:
    """The medical director resets the password of a user of their clinic (not their own)."""
    require(actor, Permission.MANAGE_USERS)
    with ctx.uow() as uow:
        user = uow.users.get(actor.clinic_id, user_id)
        if user is None:
            raise NotFound("user", user_id)
        if user.id == actor.user_id:
            raise InvalidInput("user_id", RESET_YOURSELF)
        reset = _reset(uow, actor, user, ctx.clock.now(), ctx.login_policy.temporary_password)
        uow.commit()
        return reset


def reset_password_by_operator(ctx: Context, username: str) -> PasswordReset:
    """The server's operator (``resurface user reset-password``) resets any user's password:
    the way back in when a clinic's only medical director has forgotten theirs."""
    with ctx.uow() as uow:
        user = uow.users.by_username(username)
        if user is None:
            raise NotFound("user", username)
        reset = _reset(uow, None, user, ctx.clock.now(), ctx.login_policy.temporary_password)
        uow.commit()
        return reset


def _reset(
    uow: UnitOfWork, actor: Actor | None, user: User, now: dt.datetime, valid_for: dt.timedelta
) -> PasswordReset:
    clinic = uow.clinics.get(user.clinic_id)
    inputs = (user.username, user.display_name, clinic.name if clinic else "")
    temporary = temporary_password()
    while password_problems(temporary, user_inputs=inputs):  # practically never
        temporary = temporary_password()
    until = now + valid_for
    uow.users.set_password(user.clinic_id, user.id, hash_password(temporary), temporary_until=until)
    uow.sign_in_failures.clear(account_key(user.username))  # a fresh start with the new one
    ended = uow.web_sessions.delete_for_user(user.id)
    detail = f"{user.username}: temporary password issued; {ended} web session(s) ended"
    audit.record(uow, actor, "password_reset", "user", user.id, detail=detail)
    return PasswordReset(user, temporary, ended, until)
