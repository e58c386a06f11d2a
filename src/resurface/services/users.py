"""The people who work at a clinic."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from resurface.domain.errors import FieldProblem, InvalidInput
from resurface.domain.people import Clinic, Role, User, display_name_problems, user_change_problems
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.errors import NotFound
from resurface.services.passwords import hash_password, password_problems
from resurface.services.ports import UnitOfWork

if TYPE_CHECKING:
    from resurface.services.context import Context

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
USERNAME_UNAVAILABLE = "this user name cannot be used; choose another"
"""The one answer for a user name that exists, in this clinic or in another: user names are
unique across the server (signing in asks for nothing else), and saying "taken" would tell one
clinic's medical director the names of another clinic's users."""


def new_user_problems(
    username: str, display_name: str, password: str, clinic_name: str = ""
) -> list[FieldProblem]:
    """Every problem with a new user's details at once, so the form can mark each field; the
    password must meet the policy (:func:`passwords.password_problems`), judged against the
    user's names and the clinic's."""
    problems = []
    if not _USERNAME.match(username):
        message = "use 2–40 lower-case letters, digits, dots, dashes or underscores"
        problems.append(FieldProblem("username", message))
    problems += display_name_problems(display_name)
    problems += password_problems(password, user_inputs=(username, display_name, clinic_name))
    return problems


def clinic_by_slug(ctx: Context, slug: str) -> Clinic:
    with ctx.uow() as uow:
        return _clinic_by_slug(uow, slug)


def _clinic_by_slug(uow: UnitOfWork, slug: str) -> Clinic:
    clinic = uow.clinics.by_slug(slug)
    if clinic is None:
        raise NotFound("clinic", slug)
    return clinic


def add_user(
    ctx: Context,
    actor: Actor | None,
    clinic_slug: str,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    email: str = "",
) -> User:
    """Add a user. ``actor`` is None for the server operator (CLI), else the clinic's admin."""
    with ctx.uow() as uow:
        user = _add_user(
            uow, ctx, actor, clinic_slug, username, display_name, role, password, email
        )
        uow.commit()
        return user


def _add_user(
    uow: UnitOfWork,
    ctx: Context,
    actor: Actor | None,
    clinic_slug: str,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    email: str,
) -> User:
    clinic = uow.clinics.by_slug(clinic_slug)
    if actor is not None:
        require(actor, Permission.MANAGE_USERS)
        if clinic is None or clinic.id != actor.clinic_id:
            raise NotFound("clinic", clinic_slug)
    if clinic is None:
        raise NotFound("clinic", clinic_slug)
    problems = new_user_problems(username, display_name, password, clinic.name)
    if not any(p.field == "username" for p in problems) and uow.users.by_username(username):
        problems.insert(0, FieldProblem("username", USERNAME_UNAVAILABLE))
    if problems:
        raise InvalidInput.of(problems)
    user = uow.users.add(
        User(0, clinic.id, username, display_name.strip(), role, hash_password(password), email)
    )
    detail = f"{username} ({role})"
    audit.record(uow, actor, "user_added", "user", user.id, detail=detail)
    return user


def add_colleague(
    ctx: Context,
    actor: Actor,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    email: str = "",
) -> User:
    """The clinic's admin adds a user to their own clinic."""
    require(actor, Permission.MANAGE_USERS)
    with ctx.uow() as uow:
        clinic = uow.clinics.get(actor.clinic_id)
        if clinic is None:
            raise NotFound("clinic", actor.clinic_id)
        user = _add_user(
            uow, ctx, actor, clinic.slug, username, display_name, role, password, email
        )
        uow.commit()
        return user


def clinic_users(ctx: Context, actor: Actor) -> list[User]:
    require(actor, Permission.MANAGE_USERS)
    with ctx.uow() as uow:
        return uow.users.in_clinic(actor.clinic_id)


@dataclass(frozen=True)
class Roster:
    """The clinic's users, and which of them sign in with a second factor."""

    users: list[User]
    with_second_factor: frozenset[int]


def roster(ctx: Context, actor: Actor) -> Roster:
    require(actor, Permission.MANAGE_USERS)
    with ctx.uow() as uow:
        return Roster(
            uow.users.in_clinic(actor.clinic_id), uow.second_factors.users_in(actor.clinic_id)
        )


def colleague(ctx: Context, actor: Actor, user_id: int) -> User:
    """One user of the actor's clinic (another clinic's user is NotFound, like no user)."""
    require(actor, Permission.MANAGE_USERS)
    with ctx.uow() as uow:
        return _colleague(uow, actor, user_id)


@dataclass(frozen=True)
class ColleagueView:
    """What the medical director's page of one user shows: the user, since when their second
    factor is on (None: off), and the clinic's time zone and the time to show times in."""

    user: User
    second_factor_since: dt.datetime | None
    zone: dt.tzinfo
    now: dt.datetime


def colleague_view(ctx: Context, actor: Actor, user_id: int) -> ColleagueView:
    require(actor, Permission.MANAGE_USERS)
    with ctx.uow() as uow:
        user = _colleague(uow, actor, user_id)
        clinic = uow.clinics.get(actor.clinic_id)
        factor = uow.second_factors.get(user.id)
    zone = ctx.clock.zone_of(clinic) if clinic else ctx.clock.zone
    since = factor.enrolled_at if factor else None
    return ColleagueView(user, since, zone, ctx.clock.now())


def _colleague(uow: UnitOfWork, actor: Actor, user_id: int) -> User:
    user = uow.users.get(actor.clinic_id, user_id)
    if user is None:
        raise NotFound("user", user_id)
    return user


@dataclass(frozen=True)
class UserChange:
    """What the medical director changes about a user; None leaves it as it is."""

    display_name: str | None = None
    role: Role | None = None
    active: bool | None = None


def change_user(ctx: Context, actor: Actor, user_id: int, change: UserChange) -> User:
    """Rename a user, change their role, or stop (and allow again) their signing in.

    A deactivated user's web sessions end at once. A change that would leave the clinic with no
    active admin is refused, naming the field. Audited with what changed; a change that changes
    nothing saves and audits nothing."""
    require(actor, Permission.MANAGE_USERS)
    with ctx.uow() as uow:
        user = _colleague(uow, actor, user_id)
        changed = replace(
            user,
            display_name=(
                user.display_name if change.display_name is None else change.display_name.strip()
            ),
            role=user.role if change.role is None else change.role,
            active=user.active if change.active is None else change.active,
        )
        problems = user_change_problems(user, changed, uow.users.in_clinic(actor.clinic_id))
        if problems:
            raise InvalidInput.of(problems)
        what = _changes(user, changed)
        if not what:
            return user
        saved = uow.users.update(changed)
        if user.active and not changed.active:
            ended = uow.web_sessions.delete_for_user(user.id)
            what.append(f"{ended} web session(s) ended")
        detail = f"{user.username}: " + "; ".join(what)
        audit.record(uow, actor, "user_changed", "user", user.id, detail=detail)
        uow.commit()
        return saved


def _changes(before: User, after: User) -> list[str]:
    changes = []
    if before.display_name != after.display_name:
        changes.append(f"display name {before.display_name!r} -> {after.display_name!r}")
    if before.role is not after.role:
        changes.append(f"role {before.role.value} -> {after.role.value}")
    if before.active != after.active:
        changes.append("reactivated" if after.active else "deactivated")
    return changes


def active_user(ctx: Context, username: str) -> User:
    """A user who may act (for commands run as a named user); NotFound otherwise."""
    with ctx.uow() as uow:
        user = uow.users.by_username(username)
        if user is None or not user.active:
            raise NotFound("user", username)
        return user
