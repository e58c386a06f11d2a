from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select, update

from resurface.domain.people import Clinic
from resurface.storage.repositories._base import Repository, now
from resurface.storage.tables import clinics


def _clinic(row: Any) -> Clinic:
    return Clinic(
        id=row.id,
        name=row.name,
        slug=row.slug,
        phone=row.phone,
        email=row.email,
        require_cosign=row.require_cosign,
    )


class SqlClinics(Repository):
    def add(self, clinic: Clinic) -> Clinic:
        values = {
            "name": clinic.name,
            "slug": clinic.slug,
            "phone": clinic.phone,
            "email": clinic.email,
            "require_cosign": clinic.require_cosign,
            "created_at": now(),
        }
        return replace(clinic, id=self._insert(clinics, values))

    def get(self, clinic_id: int) -> Clinic | None:
        row = self.connection.execute(select(clinics).where(clinics.c.id == clinic_id)).first()
        return _clinic(row) if row else None

    def by_slug(self, slug: str) -> Clinic | None:
        row = self.connection.execute(select(clinics).where(clinics.c.slug == slug)).first()
        return _clinic(row) if row else None

    def all(self) -> list[Clinic]:
        rows = self.connection.execute(select(clinics).order_by(clinics.c.id))
        return [_clinic(row) for row in rows]

    def update(self, clinic: Clinic) -> Clinic:
        """Save the clinic's name, contact details and settings."""
        self.connection.execute(
            update(clinics)
            .where(clinics.c.id == clinic.id)
            .values(
                name=clinic.name,
                phone=clinic.phone,
                email=clinic.email,
                require_cosign=clinic.require_cosign,
            )
        )
        return clinic
