"""Signing in and out, and finding who is behind a session cookie."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

from resurface.domain.people import User
from resurface.services import audit
from resurface.services.access import Actor
from resurface.services.errors import AccountLocked, AuthenticationFailed, NotSignedIn
from resurface.services.passwords import decoy_hash, verify_password
from resurface.services.ports import UnitOfWork, WebSession

if TYPE_CHECKING:
    from resurface.services.context import Context


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int
    lockout: dt.timedelta
    session_length: dt.timedelta


@dataclass(frozen=True)
class SignedIn:
    token: str
    csrf_token: str
    actor: Actor
    expires_at: dt.datetime


def token_hash(token: str) -> str:
    """Only a hash of the session token is stored: a copy of the database opens no sessions."""
    return hashlib.sha256(token.encode()).hexdigest()


def actor_of(user: User, source: str) -> Actor:
    return Actor(
        user.id, user.clinic_id, user.role, user.display_name, source, user.must_change_password
    )


def sign_in(ctx: Context, username: str, password: str, source: str) -> SignedIn:
    """Open a session for the user, under the clinic's sign-in policy (``ctx.login_policy``).

    Every refusal is audited and committed before it is raised, so failed attempts count."""
    policy, now = ctx.login_policy, ctx.clock.now()
    with ctx.uow() as uow:
        user = uow.users.by_username(username.strip())
        if user is None or not user.active:
            verify_password(decoy_hash(), password)
            _refuse(uow, username, source, "unknown or inactive user", now)
            raise AuthenticationFailed("wrong user name or password")
        if user.is_locked(now):
            _refuse(uow, username, source, "account locked", now)
            raise _locked(user.locked_until)
        if not verify_password(user.password_hash, password):
            _count_failure(uow, policy, user, source, now)
        uow.users.set_login_state(user.id, 0, None)
        return _open_session(uow, policy, user, source, now)


def _count_failure(
    uow: UnitOfWork, policy: LoginPolicy, user: User, source: str, now: dt.datetime
) -> NoReturn:
    failures = user.failed_logins + 1
    locked_until = now + policy.lockout if failures >= policy.max_failures else None
    uow.users.set_login_state(user.id, 0 if locked_until else failures, locked_until)
    why = "wrong password" + (", account locked" * bool(locked_until))
    _refuse(uow, user.username, source, why, now)
    if locked_until:
        raise _locked(locked_until)
    raise AuthenticationFailed("wrong user name or password")


def _locked(until: dt.datetime | None) -> AccountLocked:
    when = f" after {until:%H:%M} UTC" if until else " later"
    return AccountLocked(f"too many failed sign-ins; this account is locked, try again{when}")


def _refuse(uow: UnitOfWork, username: str, source: str, why: str, now: dt.datetime) -> None:
    detail = f"{why}; {source}"
    audit.record(uow, None, "sign_in_refused", "user", username[:40], detail=detail, at=now)
    uow.commit()


def _open_session(
    uow: UnitOfWork, policy: LoginPolicy, user: User, source: str, now: dt.datetime
) -> SignedIn:
    token = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    expires_at = now + policy.session_length
    uow.web_sessions.add(
        WebSession(token_hash(token), user.id, user.clinic_id, csrf_token, now, expires_at, source)
    )
    actor = actor_of(user, source)
    audit.record(uow, actor, "sign_in", "user", user.id, at=now)
    uow.commit()
    return SignedIn(token, csrf_token, actor, expires_at)


def session_actor(ctx: Context, token: str, source: str) -> tuple[Actor, str]:
    """The actor behind a session token and the session's CSRF token; NotSignedIn if none.

    An expired session is removed, and the error says so (``expired``) so the sign-in page can
    tell the user why they are asked again."""
    with ctx.uow() as uow:
        session = uow.web_sessions.get(token_hash(token))
        if session is None:
            raise NotSignedIn("please sign in")
        if session.expires_at <= ctx.clock.now():
            uow.web_sessions.delete(session.token_hash)
            uow.commit()
            raise NotSignedIn("your session has expired; please sign in again", expired=True)
        user = uow.users.get(session.clinic_id, session.user_id)
        if user is None or not user.active:
            raise NotSignedIn("please sign in")
        return actor_of(user, source), session.csrf_token


def sign_out(ctx: Context, actor: Actor, token: str) -> None:
    with ctx.uow() as uow:
        uow.web_sessions.delete(token_hash(token))
        audit.record(uow, actor, "sign_out", "user", actor.user_id)
        uow.commit()
