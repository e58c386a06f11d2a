"""GET /api/v1/me: who is signed in, and the CSRF token for calls that change things; their own
sessions (list them, end one, end every other); POST /api/v1/me/password: change one's password."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Response

from resurface.services import account_sessions, accounts
from resurface.web.api.schemas.me import (
    MeOut,
    MySessionOut,
    PasswordChangedOut,
    PasswordChangeIn,
    SessionsEnded,
)
from resurface.web.api.v1 import v1_router
from resurface.web.deps import (
    CheckedOwnSessionDep,
    CheckedSessionDep,
    ContextDep,
    OwnSessionDep,
)

router = v1_router(tags=["session"])


@router.get("/me", response_model=MeOut)
def me(session: OwnSessionDep) -> MeOut:
    actor = session.actor
    return MeOut(
        user_id=actor.user_id,
        clinic_id=actor.clinic_id,
        name=actor.name,
        role=actor.role.value,
        csrf_token=session.csrf_token,
        must_enrol_second_factor=session.must_enrol,
        must_change_password=session.actor.must_change_password,
    )


@router.get("/me/sessions", response_model=list[MySessionOut])
def my_sessions(ctx: ContextDep, session: OwnSessionDep) -> list[MySessionOut]:
    """Where the signed-in user is signed in: this session first, then the newest."""
    found = account_sessions.my_sessions(ctx, session.actor, session.token)
    return [MySessionOut.of(s) for s in found]


@router.delete("/me/sessions", response_model=SessionsEnded)
def end_other_sessions(ctx: ContextDep, session: CheckedOwnSessionDep) -> SessionsEnded:
    """Sign out everywhere else: every session of the user but this one ends."""
    ended = account_sessions.end_other_sessions(ctx, session.actor, session.token)
    return SessionsEnded(ended=ended)


@router.delete("/me/sessions/{session_id}", status_code=204)
def end_session(
    ctx: ContextDep,
    session: CheckedOwnSessionDep,
    session_id: Annotated[str, Path(max_length=40, pattern=r"^[0-9a-f]+$")],
) -> Response:
    """Sign out one of the user's sessions (this one included); 404 if it is not theirs."""
    account_sessions.end_session(ctx, session.actor, session_id)
    return Response(status_code=204)


@router.post("/me/password", response_model=PasswordChangedOut)
def change_password(
    ctx: ContextDep, session: CheckedSessionDep, body: PasswordChangeIn
) -> PasswordChangedOut:
    """Change your own password: the current one must be right and the new one at least 12
    characters and hard to guess (422 names each refused field). Your other web sessions end;
    this one stays signed in."""
    ended = accounts.change_own_password(
        ctx, session.actor, session.token, body.current_password, body.new_password
    )
    return PasswordChangedOut(other_sessions_ended=ended)
