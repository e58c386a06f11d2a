"""Signing in and out, and finding who is behind a session cookie.

Signing in is one step, or two for a user with a second factor: the right password opens a
session in the ``second_factor`` stage, which reaches nothing but the page that asks for the
authenticator code; the right code replaces it with a signed-in session (a new token). A session
ends at the absolute limit after sign-in (``RESURFACE_SESSION_HOURS``) or after the clinic's idle
time without a request, whichever comes first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from resurface.domain.errors import InvalidInput
from resurface.domain.people import Clinic, Role, User
from resurface.domain.signin import SessionStage, SessionState, session_state
from resurface.services import audit, second_factor
from resurface.services.access import Actor
from resurface.services.errors import AuthenticationFailed, NotSignedIn
from resurface.services.passwords import decoy_hash, verify_password
from resurface.services.ports import UnitOfWork, WebSession
from resurface.services.sign_in_throttle import (
    Throttle,
    count_failure,
    forget_failures,
    refuse_if_waiting,
)

if TYPE_CHECKING:
    from resurface.services.context import Context

WRONG_PASSWORD = "wrong user name or password"  # noqa: S105 - a message, not a password
TEMPORARY_EXPIRED = (
    "this temporary password has expired; ask your medical director to reset your password again"
)


@dataclass(frozen=True)
class LoginPolicy:
    session_length: dt.timedelta
    throttle: Throttle = field(default_factory=Throttle)
    code_time: dt.timedelta = dt.timedelta(minutes=5)
    """How long, after the right password, the authenticator code may still be typed."""
    temporary_password: dt.timedelta = dt.timedelta(hours=72)
    """How long a reset's temporary password works (``RESURFACE_TEMPORARY_PASSWORD_HOURS``)."""
    seen_every: dt.timedelta = dt.timedelta(minutes=1)
    """A session's last-seen time is written at most this often (one write per minute, not one
    per request); the idle limit is therefore exact to within this."""


@dataclass(frozen=True)
class SignedIn:
    """A new session. In the ``second_factor`` stage only the code page opens with it."""

    token: str
    csrf_token: str
    actor: Actor
    expires_at: dt.datetime
    stage: SessionStage = SessionStage.SIGNED_IN

    @property
    def awaits_code(self) -> bool:
        return self.stage is SessionStage.SECOND_FACTOR


@dataclass(frozen=True)
class OpenSession:
    """Who is behind a session cookie. ``must_enrol``: their clinic requires a second factor of
    medical directors and they have none yet, so they may reach nothing but the enrolment page."""

    actor: Actor
    csrf_token: str
    must_enrol: bool = False
    clinic: Clinic | None = None
    """The actor's clinic as the session check read it (with the session, in one query): pages
    that need only its settings (its time zone) take it from here instead of reading it again."""


def token_hash(token: str) -> str:
    """Only a hash of the session token is stored: a copy of the database opens no sessions."""
    return hashlib.sha256(token.encode()).hexdigest()


def actor_of(user: User, source: str) -> Actor:
    return Actor(
        user.id, user.clinic_id, user.role, user.display_name, source, user.must_change_password
    )


def sign_in(
    ctx: Context, username: str, password: str, source: str, user_agent: str = ""
) -> SignedIn:
    """Check the password and open a session (awaiting the code if the user has a second
    factor). Attempts wait after repeated failures (SignInThrottled); a wrong or unknown name and
    a wrong password are the same AuthenticationFailed, after the same work. Every refusal is
    audited and committed before it is raised, so failed attempts count."""
    policy, now = ctx.login_policy, ctx.clock.now()
    with ctx.uow() as uow:
        refuse_if_waiting(uow, username, source, now)
        user = uow.users.by_username(username.strip())
        if user is None or not user.active:
            verify_password(decoy_hash(), password)
            count_failure(uow, policy.throttle, username, source, "unknown or inactive user", now)
            raise AuthenticationFailed(WRONG_PASSWORD)
        if not verify_password(user.password_hash, password):
            count_failure(uow, policy.throttle, username, source, "wrong password", now)
            raise AuthenticationFailed(WRONG_PASSWORD)
        if user.temporary_password_expired(now):
            detail = f"temporary password expired; {source}"
            audit.record(uow, None, "sign_in_refused", "user", user.id, detail=detail, at=now)
            uow.commit()
            raise AuthenticationFailed(TEMPORARY_EXPIRED)
        uow.web_sessions.delete_expired(now)
        if uow.second_factors.get(user.id) is not None:
            audit.record(uow, actor_of(user, source), "sign_in_password", "user", user.id, at=now)
            stage, until = SessionStage.SECOND_FACTOR, now + policy.code_time
            return _open_session(uow, user, source, user_agent, now, until, stage)
        forget_failures(uow, username)
        audit.record(uow, actor_of(user, source), "sign_in", "user", user.id, at=now)
        until = now + policy.session_length
        return _open_session(uow, user, source, user_agent, now, until, SessionStage.SIGNED_IN)


def confirm_code(
    ctx: Context, token: str, code: str, source: str, user_agent: str = ""
) -> SignedIn:
    """The second step: the authenticator code for the session the right password opened. The
    right code replaces it with a signed-in session; a wrong one is InvalidInput on ``code`` and
    counts as a failed sign-in."""
    policy, now = ctx.login_policy, ctx.clock.now()
    digits = second_factor.normalised_code(code)
    with ctx.uow() as uow:
        pending, user = _awaiting(uow, token, now)
        refuse_if_waiting(uow, user.username, source, now, step="code")
        factor = uow.second_factors.get(user.id)
        if factor is None or not second_factor.accept_code(
            uow, ctx.secret_box, factor, digits, now
        ):
            count_failure(uow, policy.throttle, user.username, source, "wrong code", now)
            raise InvalidInput("code", second_factor.WRONG_CODE)
        uow.web_sessions.delete(pending.token_hash)
        forget_failures(uow, user.username)
        audit.record(uow, actor_of(user, source), "sign_in", "user", user.id, detail="with code")
        until = now + policy.session_length
        return _open_session(uow, user, source, user_agent, now, until, SessionStage.SIGNED_IN)


def awaiting_code(ctx: Context, token: str) -> tuple[str, str]:
    """The display name of whoever is between password and code on this token, and the CSRF
    token of the code form; NotSignedIn if nobody is (or the time to type the code ran out)."""
    with ctx.uow() as uow:
        session, user = _awaiting(uow, token, ctx.clock.now())
    return user.display_name, session.csrf_token


def _awaiting(uow: UnitOfWork, token: str, now: dt.datetime) -> tuple[WebSession, User]:
    session = uow.web_sessions.get(token_hash(token))
    if session is None or session.stage is not SessionStage.SECOND_FACTOR:
        raise NotSignedIn("please sign in")
    user = uow.users.get(session.clinic_id, session.user_id)
    if session.expires_at <= now or user is None or not user.active:
        uow.web_sessions.delete(session.token_hash)
        uow.commit()
        raise NotSignedIn("the time to type the code ran out; please sign in again", expired=True)
    return session, user


def _open_session(
    uow: UnitOfWork,
    user: User,
    source: str,
    user_agent: str,
    now: dt.datetime,
    expires_at: dt.datetime,
    stage: SessionStage,
) -> SignedIn:
    token = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    uow.web_sessions.add(
        WebSession(
            token_hash(token),
            user.id,
            user.clinic_id,
            csrf_token,
            now,
            expires_at,
            source[:100],
            last_seen_at=now,
            user_agent=user_agent[:200],
            stage=stage,
        )
    )
    uow.commit()
    return SignedIn(token, csrf_token, actor_of(user, source), expires_at, stage)


def idle_time(clinic: Clinic) -> dt.timedelta:
    return dt.timedelta(minutes=clinic.idle_minutes)


def session_actor(ctx: Context, token: str, source: str) -> OpenSession:
    """Who is behind a signed-in session token, and the session's CSRF token; NotSignedIn if
    nobody is. A session past its absolute limit or idle for the clinic's idle time is removed,
    and the error says which (``expired``, ``idle_minutes``) so the sign-in page can tell the
    user why they are asked again. A live session's last-seen time is brought up to date."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        found = uow.web_sessions.with_holder(token_hash(token))
        if found is None or found.session.stage is not SessionStage.SIGNED_IN:
            raise NotSignedIn("please sign in")
        session, user, clinic = found.session, found.user, found.clinic
        if not user.active:
            raise NotSignedIn("please sign in")
        actor = actor_of(user, source)
        state = session_state(session.expires_at, session.last_seen, idle_time(clinic), now)
        if state is not SessionState.LIVE:
            _end_run_out(uow, actor, session, clinic, state, now)
        if now - session.last_seen >= ctx.login_policy.seen_every:
            uow.web_sessions.seen(session.token_hash, now)
            uow.commit()
        must_enrol = (
            clinic.require_second_factor and user.role is Role.ADMIN and not found.has_second_factor
        )
        return OpenSession(actor, session.csrf_token, must_enrol, clinic)


def _end_run_out(
    uow: UnitOfWork,
    actor: Actor,
    session: WebSession,
    clinic: Clinic,
    state: SessionState,
    now: dt.datetime,
) -> None:
    uow.web_sessions.delete(session.token_hash)
    if state is SessionState.IDLE:
        detail = f"signed out after {clinic.idle_minutes} minutes without activity"
        audit.record(uow, actor, "sign_out", "user", actor.user_id, detail=detail, at=now)
        uow.commit()
        raise NotSignedIn(f"{detail}; please sign in again", idle_minutes=clinic.idle_minutes)
    uow.commit()
    raise NotSignedIn("your session has expired; please sign in again", expired=True)


def sign_out(ctx: Context, actor: Actor, token: str) -> None:
    with ctx.uow() as uow:
        uow.web_sessions.delete(token_hash(token))
        audit.record(uow, actor, "sign_out", "user", actor.user_id)
        uow.commit()


def sign_out_waiting(ctx: Context, token: str) -> None:
    """Leave the code page: the half-open session is removed."""
    with ctx.uow() as uow:
        session = uow.web_sessions.get(token_hash(token))
        if session is not None and session.stage is SessionStage.SECOND_FACTOR:
            uow.web_sessions.delete(session.token_hash)
            uow.commit()
