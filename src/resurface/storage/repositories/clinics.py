from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import bindparam, select, update

from resurface.domain.errors import VersionConflict
from resurface.domain.people import Clinic
from resurface.storage.repositories._base import Repository, now
from resurface.storage.tables import clinics


def clinic_of_row(row: Any) -> Clinic:
    return Clinic(
        id=row.id,
        name=row.name,
        slug=row.slug,
        phone=row.phone,
        email=row.email,
        require_cosign=row.require_cosign,
        address=row.address,
        timezone=row.timezone,
        public_url=row.public_url,
        version=row.version,
        idle_minutes=row.idle_minutes,
        require_second_factor=row.require_second_factor,
        break_glass_minutes=row.break_glass_minutes,
    )


def _values(clinic: Clinic) -> dict[str, Any]:
    """What an edit may change: everything but the id and the slug (the clinic's key)."""
    return {
        "name": clinic.name,
        "phone": clinic.phone,
        "email": clinic.email,
        "require_cosign": clinic.require_cosign,
        "address": clinic.address,
        "timezone": clinic.timezone,
        "public_url": clinic.public_url,
        "idle_minutes": clinic.idle_minutes,
        "require_second_factor": clinic.require_second_factor,
        "break_glass_minutes": clinic.break_glass_minutes,
    }


_GET = select(clinics).where(clinics.c.id == bindparam("clinic_id"))


class SqlClinics(Repository):
    def add(self, clinic: Clinic) -> Clinic:
        values = _values(clinic) | {"slug": clinic.slug, "created_at": now()}
        return replace(clinic, id=self._insert(clinics, values), version=1)

    def get(self, clinic_id: int) -> Clinic | None:
        row = self.connection.execute(_GET, {"clinic_id": clinic_id}).first()
        return clinic_of_row(row) if row else None

    def by_slug(self, slug: str) -> Clinic | None:
        row = self.connection.execute(select(clinics).where(clinics.c.slug == slug)).first()
        return clinic_of_row(row) if row else None

    def all(self) -> list[Clinic]:
        rows = self.connection.execute(select(clinics).order_by(clinics.c.id))
        return [clinic_of_row(row) for row in rows]

    def update(self, clinic: Clinic) -> Clinic:
        """Save the clinic's profile and settings if nobody saved them since ``clinic.version``
        was read; the slug stays as it was."""
        result = self.connection.execute(
            update(clinics)
            .where(clinics.c.id == clinic.id, clinics.c.version == clinic.version)
            .values(**_values(clinic), version=clinics.c.version + 1)
        )
        if result.rowcount != 1:
            current = self.get(clinic.id)
            actual = current.version if current else 0
            raise VersionConflict("clinic", clinic.id, clinic.version, actual)
        return replace(clinic, version=clinic.version + 1)
