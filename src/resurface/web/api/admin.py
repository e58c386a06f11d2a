"""The clinic's users and settings, for its medical director."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from resurface.domain.people import Clinic, Role, User
from resurface.services import clinic_settings, users
from resurface.web.api.schemas import Flag
from resurface.web.deps import ActorDep, CheckedSessionDep, ContextDep

router = APIRouter(tags=["clinic administration"])


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


class UserIn(BaseModel):
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


class ClinicSettingsIn(BaseModel):
    require_cosign: Flag


@router.get("/users", response_model=list[UserOut])
def list_users(ctx: ContextDep, actor: ActorDep) -> list[UserOut]:
    return [UserOut.of(user) for user in users.clinic_users(ctx, actor)]


@router.post("/users", response_model=UserOut, status_code=201)
def add_user(ctx: ContextDep, session: CheckedSessionDep, body: UserIn) -> UserOut:
    added = users.add_colleague(
        ctx, session.actor, body.username, body.display_name, body.role, body.password, body.email
    )
    return UserOut.of(added)


@router.get("/clinic", response_model=ClinicOut)
def clinic(ctx: ContextDep, actor: ActorDep) -> ClinicOut:
    return ClinicOut.of(clinic_settings.clinic_settings(ctx, actor))


@router.put("/clinic", response_model=ClinicOut)
def update_clinic(ctx: ContextDep, session: CheckedSessionDep, body: ClinicSettingsIn) -> ClinicOut:
    updated = clinic_settings.set_require_cosign(ctx, session.actor, body.require_cosign)
    return ClinicOut.of(updated)
