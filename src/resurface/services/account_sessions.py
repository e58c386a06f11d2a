"""A user's own sessions: where they are signed in, and signing out of one or all the others.

A session is named by ``domain.signin.session_ref`` (never its token). Every user, whatever their
role, sees and ends only their own sessions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from resurface.domain.signin import SessionStage, SessionState, session_ref, session_state
from resurface.services import audit
from resurface.services.access import Actor
from resurface.services.auth import idle_time, token_hash
from resurface.services.errors import NotFound
from resurface.services.ports import UnitOfWork, WebSession

if TYPE_CHECKING:
    from resurface.services.context import Context


@dataclass(frozen=True)
class SessionSummary:
    ref: str
    started_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    source: str
    user_agent: str
    current: bool
    """The session this request came with."""
    awaiting_code: bool
    """Someone typed the right password and has not yet typed the authenticator code."""


def my_sessions(ctx: Context, actor: Actor, token: str) -> list[SessionSummary]:
    """The user's live sessions, this one first, then the most recently begun."""
    with ctx.uow() as uow:
        live = _live(uow, actor, ctx.clock.now())
    current = token_hash(token)
    summaries = [_summary(s, s.token_hash == current) for s in live]
    return sorted(summaries, key=lambda s: not s.current)


def end_session(ctx: Context, actor: Actor, ref: str) -> None:
    """Sign out of one of the user's sessions (this one included); NotFound if ``ref`` names
    none of theirs."""
    with ctx.uow() as uow:
        found = next(
            (s for s in _live(uow, actor, ctx.clock.now()) if session_ref(s.token_hash) == ref),
            None,
        )
        if found is None:
            raise NotFound("session", ref)
        uow.web_sessions.delete(found.token_hash)
        detail = f"ended the session from {found.source or 'an unknown address'}"
        audit.record(uow, actor, "sign_out", "user", actor.user_id, detail=detail)
        uow.commit()


def end_other_sessions(ctx: Context, actor: Actor, token: str) -> int:
    """Sign out everywhere but here; how many sessions ended."""
    keep = token_hash(token)
    with ctx.uow() as uow:
        others = [s for s in uow.web_sessions.of_user(actor.user_id) if s.token_hash != keep]
        for session in others:
            uow.web_sessions.delete(session.token_hash)
        detail = f"signed out everywhere else ({len(others)} sessions)"
        audit.record(uow, actor, "sign_out", "user", actor.user_id, detail=detail)
        uow.commit()
    return len(others)


def _live(uow: UnitOfWork, actor: Actor, now: dt.datetime) -> list[WebSession]:
    clinic = uow.clinics.get(actor.clinic_id)
    if clinic is None:
        return []
    idle = idle_time(clinic)
    return [
        s
        for s in uow.web_sessions.of_user(actor.user_id)
        if s.clinic_id == actor.clinic_id
        and session_state(s.expires_at, s.last_seen, idle, now) is SessionState.LIVE
    ]


def _summary(session: WebSession, current: bool) -> SessionSummary:
    return SessionSummary(
        ref=session_ref(session.token_hash),
        started_at=session.created_at,
        last_seen_at=session.last_seen,
        expires_at=session.expires_at,
        source=session.source,
        user_agent=session.user_agent,
        current=current,
        awaiting_code=session.stage is SessionStage.SECOND_FACTOR,
    )
