"""The me API's shapes."""

from __future__ import annotations

from pydantic import BaseModel, Field

from resurface.web.api.schemas.common import InputModel


class MeOut(BaseModel):
    user_id: int
    clinic_id: int
    name: str
    role: str
    csrf_token: str
    must_change_password: bool = Field(
        default=False,
        description="after a reset: only POST /api/v1/me/password (and sign-out) work until then",
    )


class PasswordChangeIn(InputModel):
    current_password: str = Field(max_length=1000)
    new_password: str = Field(max_length=1000)


class PasswordChangedOut(BaseModel):
    other_sessions_ended: int = Field(description="your other web sessions, now signed out")
