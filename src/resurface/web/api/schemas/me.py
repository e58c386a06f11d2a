"""The me API's shapes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from resurface.services.account_sessions import SessionSummary
from resurface.web.api.schemas.common import InputModel


class MeOut(BaseModel):
    user_id: int
    clinic_id: int
    name: str
    role: str
    csrf_token: str
    must_enrol_second_factor: bool = Field(
        description="the clinic requires a second factor of this medical director, who has none "
        "yet: everything but /api/v1/me and their sessions answers 403 until it is on"
    )
    must_change_password: bool = Field(
        default=False,
        description="after a reset: only POST /api/v1/me/password (and sign-out) work until then",
    )


class MySessionOut(BaseModel):
    """One of the signed-in user's sessions (never its token)."""

    id: str = Field(description="names the session for DELETE /api/v1/me/sessions/{id}")
    started_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    source: str = Field(description="the client address it was opened from")
    user_agent: str
    current: bool = Field(description="the session this request came with")
    awaiting_code: bool = Field(
        description="the password was typed and the authenticator code is still awaited"
    )

    @classmethod
    def of(cls, summary: SessionSummary) -> MySessionOut:
        return cls(
            id=summary.ref,
            started_at=summary.started_at,
            last_seen_at=summary.last_seen_at,
            expires_at=summary.expires_at,
            source=summary.source,
            user_agent=summary.user_agent,
            current=summary.current,
            awaiting_code=summary.awaiting_code,
        )


class SessionsEnded(BaseModel):
    ended: int


class PasswordChangeIn(InputModel):
    current_password: str = Field(max_length=1000)
    new_password: str = Field(max_length=1000)


class PasswordChangedOut(BaseModel):
    other_sessions_ended: int = Field(description="your other web sessions, now signed out")
