"""The admin API's shapes."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Annotated

from pydantic import BaseModel, Field

from resurface.domain import people
from resurface.domain.people import Clinic, Role, User
from resurface.domain.signin import IDLE_MINUTES_LEAST, IDLE_MINUTES_MOST
from resurface.services.accounts import PasswordReset
from resurface.services.clinic_settings import ProfileEdit
from resurface.services.second_factor import Removal
from resurface.services.users import UserChange
from resurface.web.api.schemas.common import Flag, InputModel, Whole


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    email: str
    active: bool
    must_change_password: bool = Field(
        description="the password was reset: the user must choose a new one at sign-in"
    )

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            email=user.email,
            active=user.active,
            must_change_password=user.must_change_password,
        )


class PasswordResetOut(BaseModel):
    user: UserOut
    temporary_password: str = Field(
        description="shown this once and kept nowhere: pass it on to the user, who must change "
        "it at their next sign-in"
    )
    sessions_ended: int
    valid_until: dt.datetime = Field(description="the temporary password stops working then")

    @classmethod
    def of(cls, reset: PasswordReset) -> PasswordResetOut:
        user = replace(reset.user, must_change_password=True)
        return cls(
            user=UserOut.of(user),
            temporary_password=reset.temporary_password,
            sessions_ended=reset.sessions_ended,
            valid_until=reset.valid_until,
        )


class UserIn(InputModel):
    username: str = Field(max_length=80)
    display_name: str = Field(max_length=200)
    role: Role
    password: str = Field(max_length=200)
    email: str = Field(default="", max_length=200)


class UserChangeIn(InputModel):
    """What changes about a user; a field left out stays as it is. ``active: false`` stops the
    user signing in and ends their sessions."""

    display_name: Annotated[str, Field(max_length=people.DISPLAY_NAME_MAX)] | None = None
    role: Role | None = None
    active: Flag | None = None

    def change(self) -> UserChange:
        return UserChange(display_name=self.display_name, role=self.role, active=self.active)


class ClinicOut(BaseModel):
    id: int
    name: str
    slug: str
    phone: str
    email: str
    address: str
    timezone: str = Field(description="IANA time zone; empty: the server's setting")
    public_url: str = Field(
        description="the address patients' links start with; empty: the server's"
    )
    require_cosign: bool
    idle_minutes: int = Field(description="users doing nothing this long are signed out")
    require_second_factor: bool = Field(
        description="medical directors must sign in with an authenticator code too"
    )
    break_glass_minutes: int = Field(
        description="how long the front desk's emergency access to a chart lasts"
    )
    version: int

    @classmethod
    def of(cls, clinic: Clinic) -> ClinicOut:
        return cls(
            id=clinic.id,
            name=clinic.name,
            slug=clinic.slug,
            phone=clinic.phone,
            email=clinic.email,
            address=clinic.address,
            timezone=clinic.timezone,
            public_url=clinic.public_url,
            require_cosign=clinic.require_cosign,
            idle_minutes=clinic.idle_minutes,
            require_second_factor=clinic.require_second_factor,
            break_glass_minutes=clinic.break_glass_minutes,
            version=clinic.version,
        )


class ClinicSettingsIn(InputModel):
    require_cosign: Flag
    break_glass_minutes: Whole | None = Field(default=None, description="5-240; left out: as it is")


class SignInRulesIn(InputModel):
    """How long users may do nothing before they are signed out (minutes), and whether medical
    directors must sign in with a code from an authenticator app as well."""

    idle_minutes: Annotated[Whole, Field(ge=IDLE_MINUTES_LEAST, le=IDLE_MINUTES_MOST)]
    require_second_factor: Flag


class ClinicProfileIn(InputModel):
    """The clinic's profile as edited; a field left out stays as it is. ``version`` is the
    clinic's version the edit was made on (from ``GET /clinic``): if someone saved since, 409."""

    version: Annotated[Whole, Field(ge=1)]
    name: Annotated[str, Field(max_length=people.CLINIC_NAME_MAX)] | None = None
    phone: Annotated[str, Field(max_length=people.PHONE_MAX)] | None = None
    email: Annotated[str, Field(max_length=people.EMAIL_MAX)] | None = None
    address: Annotated[str, Field(max_length=people.ADDRESS_MAX)] | None = None
    timezone: Annotated[str, Field(max_length=people.TIMEZONE_MAX)] | None = None
    public_url: Annotated[str, Field(max_length=people.PUBLIC_URL_MAX)] | None = None

    def edit(self) -> ProfileEdit:
        return ProfileEdit(
            version=self.version,
            name=self.name,
            phone=self.phone,
            email=self.email,
            address=self.address,
            timezone=self.timezone,
            public_url=self.public_url,
        )


class SecondFactorRemovalIn(InputModel):
    reason: str = Field(
        max_length=1000, description="why (a lost or replaced phone); kept in the audit trail"
    )


class SecondFactorRemovalOut(BaseModel):
    user: UserOut
    sessions_ended: int

    @classmethod
    def of(cls, removal: Removal) -> SecondFactorRemovalOut:
        return cls(user=UserOut.of(removal.user), sessions_ended=removal.sessions_ended)
