"""The history of corrected records, scoped by clinic."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select

from resurface.domain.corrections import Change, Correction, CorrectionKind, RecordKind
from resurface.storage.repositories._base import Repository
from resurface.storage.tables import record_corrections


def _correction(row: Any) -> Correction:
    return Correction(
        id=row.id,
        clinic_id=row.clinic_id,
        patient_id=row.patient_id,
        record=RecordKind(row.record_type),
        record_id=row.record_id,
        version=row.version,
        kind=CorrectionKind(row.kind),
        reason=row.reason,
        changes=tuple(Change(c["what"], c["before"], c["after"]) for c in row.changes),
        earlier=row.earlier,
        corrected_by=row.corrected_by,
        corrected_at=row.corrected_at,
    )


class SqlCorrections(Repository):
    def add(self, record: Correction) -> Correction:
        values = {
            "clinic_id": record.clinic_id,
            "patient_id": record.patient_id,
            "record_type": record.record.value,
            "record_id": record.record_id,
            "version": record.version,
            "kind": record.kind.value,
            "reason": record.reason,
            "changes": [
                {"what": c.what, "before": c.before, "after": c.after} for c in record.changes
            ],
            "earlier": dict(record.earlier),
            "corrected_by": record.corrected_by,
            "corrected_at": record.corrected_at,
        }
        return replace(record, id=self._insert(record_corrections, values))

    def for_record(self, clinic_id: int, kind: RecordKind, record_id: int) -> list[Correction]:
        """Oldest first."""
        table = record_corrections
        query = (
            select(table)
            .where(
                table.c.clinic_id == clinic_id,
                table.c.record_type == kind.value,
                table.c.record_id == record_id,
            )
            .order_by(table.c.id)
        )
        return [_correction(row) for row in self.connection.execute(query)]


__all__ = ["SqlCorrections"]
