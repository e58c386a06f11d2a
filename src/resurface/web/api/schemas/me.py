"""The me API's shapes."""

from __future__ import annotations

from pydantic import BaseModel


class MeOut(BaseModel):
    user_id: int
    clinic_id: int
    name: str
    role: str
    csrf_token: str
