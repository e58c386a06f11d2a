"""The admin API's shapes."""

from __future__ import annotations

from pydantic import BaseModel, Field

from resurface.domain.people import Clinic, Role, User
from resurface.web.api.schemas.common import Flag, InputModel


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    email: str
    active: bool

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            email=user.email,
            active=user.active,
        )


class UserIn(InputModel):
    username: str = Field(max_length=80)
    display_name: str = Field(max_length=200)
    role: Role
    password: str = Field(max_length=200)
    email: str = Field(default="", max_length=200)


class ClinicOut(BaseModel):
    id: int
    name: str
    slug: str
    phone: str
    email: str
    require_cosign: bool

    @classmethod
    def of(cls, clinic: Clinic) -> ClinicOut:
        return cls(
            id=clinic.id,
            name=clinic.name,
            slug=clinic.slug,
            phone=clinic.phone,
            email=clinic.email,
            require_cosign=clinic.require_cosign,
        )


class ClinicSettingsIn(InputModel):
    require_cosign: Flag
