"""Outcome ratings (GAIS and others), scoped by clinic."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from resurface.domain.outcomes import OutcomeRating
from resurface.storage.repositories._base import Repository, now, values_of
from resurface.storage.tables import (
    outcome_ratings,
)


class SqlOutcomeRatings(Repository):
    def add(self, record: OutcomeRating) -> OutcomeRating:
        values = values_of(record) | {"created_at": now()}
        return replace(record, id=self._insert(outcome_ratings, values))

    def for_patient(self, clinic_id: int, patient_id: int) -> list[OutcomeRating]:
        query = (
            select(outcome_ratings)
            .where(
                outcome_ratings.c.clinic_id == clinic_id,
                outcome_ratings.c.patient_id == patient_id,
            )
            .order_by(outcome_ratings.c.rated_on, outcome_ratings.c.id)
        )
        return [
            OutcomeRating(
                id=row.id,
                clinic_id=row.clinic_id,
                patient_id=row.patient_id,
                rated_on=row.rated_on,
                scale=row.scale,
                value=row.value,
                label=row.label,
                rated_by=row.rated_by,
                session_id=row.session_id,
                note=row.note,
            )
            for row in self.connection.execute(query)
        ]
