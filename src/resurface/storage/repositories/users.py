from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from sqlalchemy import bindparam, select, update

from resurface.domain.people import Role, User
from resurface.storage.repositories._base import Repository, now, of_clinic
from resurface.storage.tables import users


def user_of_row(row: Any) -> User:
    return User(
        id=row.id,
        clinic_id=row.clinic_id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        password_hash=row.password_hash,
        email=row.email,
        active=row.active,
        must_change_password=row.must_change_password,
        temporary_password_until=row.temporary_password_until,
    )


_GET = select(users).where(
    users.c.id == bindparam("user_id"), users.c.clinic_id == bindparam("clinic_id")
)
_IN_CLINIC = of_clinic(users, users.c.display_name)


class SqlUsers(Repository):
    def add(self, user: User) -> User:
        values = {
            "clinic_id": user.clinic_id,
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "role": user.role.value,
            "password_hash": user.password_hash,
            "active": user.active,
            "created_at": now(),
        }
        return replace(user, id=self._insert(users, values))

    def get(self, clinic_id: int, user_id: int) -> User | None:
        row = self.connection.execute(_GET, {"user_id": user_id, "clinic_id": clinic_id}).first()
        return user_of_row(row) if row else None

    def by_username(self, username: str) -> User | None:
        row = self.connection.execute(select(users).where(users.c.username == username)).first()
        return user_of_row(row) if row else None

    def in_clinic(self, clinic_id: int) -> list[User]:
        found = self.connection.execute(_IN_CLINIC, {"clinic_id": clinic_id})
        return [user_of_row(row) for row in found]

    def update(self, user: User) -> User:
        """Save the user's display name, role and whether they may sign in (in their clinic)."""
        self.connection.execute(
            update(users)
            .where(users.c.id == user.id, users.c.clinic_id == user.clinic_id)
            .values(display_name=user.display_name, role=user.role.value, active=user.active)
        )
        return user

    def set_password(
        self,
        clinic_id: int,
        user_id: int,
        password_hash: str,
        *,
        temporary_until: dt.datetime | None = None,
    ) -> None:
        """A new password (its hash); with ``temporary_until``, a temporary one that must be
        changed at the next sign-in and stops working then."""
        self.connection.execute(
            update(users)
            .where(users.c.id == user_id, users.c.clinic_id == clinic_id)
            .values(
                password_hash=password_hash,
                must_change_password=temporary_until is not None,
                temporary_password_until=temporary_until,
            )
        )
