"""GET /api/v1/me: who is signed in, and the CSRF token for calls that change things;
POST /api/v1/me/password: change one's own password."""

from __future__ import annotations

from fastapi import APIRouter

from resurface.services import accounts
from resurface.web.api.schemas.me import MeOut, PasswordChangedOut, PasswordChangeIn
from resurface.web.deps import CheckedSessionDep, ContextDep, SessionDep

router = APIRouter(tags=["session"])


@router.get("/me", response_model=MeOut)
def me(session: SessionDep) -> MeOut:
    actor = session.actor
    return MeOut(
        user_id=actor.user_id,
        clinic_id=actor.clinic_id,
        name=actor.name,
        role=actor.role.value,
        csrf_token=session.csrf_token,
        must_change_password=actor.must_change_password,
    )


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
