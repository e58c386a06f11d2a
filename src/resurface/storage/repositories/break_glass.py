from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from resurface.domain.break_glass import BreakGlass
from resurface.storage.repositories._base import Repository, values_of
from resurface.storage.tables import break_glass


def _access(row: Any) -> BreakGlass:
    return BreakGlass(
        id=row.id,
        clinic_id=row.clinic_id,
        patient_id=row.patient_id,
        user_id=row.user_id,
        reason=row.reason,
        opened_at=row.opened_at,
        expires_at=row.expires_at,
    )


class SqlBreakGlass(Repository):
    def add(self, record: BreakGlass) -> BreakGlass:
        return replace(record, id=self._insert(break_glass, values_of(record)))

    def open_for(
        self, clinic_id: int, user_id: int, patient_id: int, now: dt.datetime
    ) -> BreakGlass | None:
        query = (
            select(break_glass)
            .where(
                break_glass.c.clinic_id == clinic_id,
                break_glass.c.user_id == user_id,
                break_glass.c.patient_id == patient_id,
                break_glass.c.opened_at <= now,
                break_glass.c.expires_at > now,
            )
            .order_by(break_glass.c.expires_at.desc(), break_glass.c.id.desc())
        )
        row = self.connection.execute(query).first()
        return _access(row) if row else None

    def since(self, clinic_id: int, since: dt.datetime) -> list[BreakGlass]:
        query = (
            select(break_glass)
            .where(break_glass.c.clinic_id == clinic_id, break_glass.c.opened_at >= since)
            .order_by(break_glass.c.opened_at.desc(), break_glass.c.id.desc())
        )
        return [_access(row) for row in self.connection.execute(query)]
