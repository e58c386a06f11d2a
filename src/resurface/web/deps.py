"""Typed dependencies every route uses: the context, the signed-in actor (and the runtime, for
the few routes that need the settings or the database itself).

Those that only look something up are ``async``: FastAPI runs a plain ``def`` dependency in a
worker thread, a hand-over that costs more than the look-up. The session check reads the
database, so it stays a ``def`` (in a worker thread, off the event loop)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from resurface.bootstrap import Runtime
from resurface.domain.people import Clinic
from resurface.services import auth
from resurface.services.access import Actor
from resurface.services.context import Context
from resurface.services.errors import NotSignedIn, PasswordChangeRequired
from resurface.web.errors import CsrfRejected, SecondFactorRequired
from resurface.web.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    client_address,
    tokens_match,
)


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_context(request: Request) -> Context:
    context: Context = request.app.state.runtime.context
    return context


ContextDep = Annotated[Context, Depends(get_context)]


@dataclass(frozen=True)
class Session:
    actor: Actor
    csrf_token: str
    token: str
    must_enrol: bool = False
    """The clinic requires a second factor of this medical director, who has none yet."""
    clinic: Clinic | None = None
    """The actor's clinic, read by the session check (see ``auth.OpenSession``)."""


WHILE_PASSWORD_MUST_CHANGE = frozenset(
    {"/account/password", "/api/v1/me/password", "/api/v1/me", "/logout"}
)
"""What a user whose password was reset may reach before choosing a new one: the password page
and API, who they are (the API's CSRF token) and signing out."""


def get_own_session(request: Request) -> Session:
    """The signed-in session, even of a medical director who must still turn on the second
    factor: only their enrolment page, "my sessions" and sign-out take it. The context is read
    from the app here, not asked of FastAPI: a sub-dependency fewer to solve on every request."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotSignedIn("please sign in")
    ctx: Context = request.app.state.runtime.context
    found = auth.session_actor(ctx, token, client_address(request))
    request.state.user_id = found.actor.user_id  # for the access log
    actor = found.actor
    if actor.must_change_password and request.url.path not in WHILE_PASSWORD_MUST_CHANGE:
        raise PasswordChangeRequired()
    return Session(actor, found.csrf_token, token, found.must_enrol, found.clinic)


OwnSessionDep = Annotated[Session, Depends(get_own_session)]


def get_session(request: Request) -> Session:
    """The signed-in session, for every route but those :func:`get_own_session` serves (the
    same check, one dependency fewer for FastAPI to solve on every request)."""
    session = get_own_session(request)
    if session.must_enrol:
        raise SecondFactorRequired()
    return session


SessionDep = Annotated[Session, Depends(get_session)]


async def _with_csrf(request: Request, session: Session) -> Session:
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not tokens_match(session.csrf_token, given):
        raise CsrfRejected()
    return session


async def get_checked_session(request: Request, session: SessionDep) -> Session:
    """The session, for a request that changes something: its CSRF token must come with it."""
    return await _with_csrf(request, session)


CheckedSessionDep = Annotated[Session, Depends(get_checked_session)]


async def get_checked_own_session(request: Request, session: OwnSessionDep) -> Session:
    return await _with_csrf(request, session)


CheckedOwnSessionDep = Annotated[Session, Depends(get_checked_own_session)]


async def get_actor(session: SessionDep) -> Actor:
    return session.actor


ActorDep = Annotated[Actor, Depends(get_actor)]


IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        max_length=100,
        description="Send the same key again with a resend: the first request's record is "
        "answered, not a second one (letters, digits, '.', ':', '-' or '_').",
    ),
]
"""A create a client may resend carries this header (``""``: none)."""
