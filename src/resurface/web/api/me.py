"""GET /api/v1/me: who is signed in, and the CSRF token for calls that change things."""

from __future__ import annotations

from fastapi import APIRouter

from resurface.web.api.schemas.me import MeOut
from resurface.web.deps import SessionDep

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
    )
