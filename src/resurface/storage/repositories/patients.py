from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from sqlalchemy import case, func, or_, select, update

from resurface.domain.chart import ItemDecision
from resurface.domain.codes import FitzpatrickType, Modality
from resurface.domain.errors import VersionConflict
from resurface.domain.people import Patient, Sex
from resurface.domain.plans import IN_TREATMENT
from resurface.services.ports import SeriesFacts
from resurface.storage.repositories._base import Repository, now
from resurface.storage.tables import (
    patients,
    plan_items,
    session_areas,
    treatment_plans,
    treatment_sessions,
)


def _patient(row: Any) -> Patient:
    return Patient(
        id=row.id,
        clinic_id=row.clinic_id,
        given_name=row.given_name,
        family_name=row.family_name,
        date_of_birth=row.date_of_birth,
        sex=Sex(row.sex),
        phone=row.phone,
        email=row.email,
        fitzpatrick_type=FitzpatrickType(row.fitzpatrick_type) if row.fitzpatrick_type else None,
        version=row.version,
    )


def _values(patient: Patient) -> dict[str, Any]:
    return {
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "date_of_birth": patient.date_of_birth,
        "sex": patient.sex.value,
        "phone": patient.phone,
        "email": patient.email,
        "fitzpatrick_type": patient.fitzpatrick_type.value if patient.fitzpatrick_type else None,
    }


class SqlPatients(Repository):
    def add(self, patient: Patient) -> Patient:
        values = _values(patient) | {"clinic_id": patient.clinic_id, "created_at": now()}
        return replace(patient, id=self._insert(patients, values), version=1)

    def get(self, clinic_id: int, patient_id: int) -> Patient | None:
        query = select(patients).where(
            patients.c.id == patient_id, patients.c.clinic_id == clinic_id
        )
        row = self.connection.execute(query).first()
        return _patient(row) if row else None

    def find(
        self, clinic_id: int, given_name: str, family_name: str, date_of_birth: dt.date
    ) -> Patient | None:
        query = select(patients).where(
            patients.c.clinic_id == clinic_id,
            patients.c.given_name == given_name,
            patients.c.family_name == family_name,
            patients.c.date_of_birth == date_of_birth,
        )
        row = self.connection.execute(query).first()
        return _patient(row) if row else None

    def in_clinic(self, clinic_id: int, name_contains: str = "") -> list[Patient]:
        query = select(patients).where(patients.c.clinic_id == clinic_id)
        for word in name_contains.lower().split():
            pattern = f"%{word}%"
            query = query.where(
                or_(
                    func.lower(patients.c.given_name).like(pattern),
                    func.lower(patients.c.family_name).like(pattern),
                )
            )
        query = query.order_by(patients.c.family_name, patients.c.given_name, patients.c.id)
        return [_patient(row) for row in self.connection.execute(query)]

    def update(self, patient: Patient) -> Patient:
        """Save ``patient`` if nobody saved it since ``patient.version`` was read."""
        result = self.connection.execute(
            update(patients)
            .where(
                patients.c.id == patient.id,
                patients.c.clinic_id == patient.clinic_id,
                patients.c.version == patient.version,
            )
            .values(**_values(patient), version=patients.c.version + 1)
        )
        if result.rowcount != 1:
            current = self.get(patient.clinic_id, patient.id)
            actual = current.version if current else 0
            raise VersionConflict("patient", patient.id, patient.version, actual)
        return replace(patient, version=patient.version + 1)

    def series_facts(self, clinic_id: int) -> dict[int, SeriesFacts]:
        planned = self._sessions_planned(clinic_id)
        facts: dict[int, SeriesFacts] = {}
        for patient_id, done, last_on, last_modality in self._sessions_done(clinic_id):
            facts[patient_id] = SeriesFacts(
                planned.get(patient_id, 0), done, last_on, last_modality
            )
        for patient_id, count in planned.items():
            facts.setdefault(patient_id, SeriesFacts(count, 0, None, None))
        return facts

    def _sessions_planned(self, clinic_id: int) -> dict[int, int]:
        """Sessions in each patient's plan in treatment (``domain.plans.plan_in_treatment``: the
        newest accepted or completed), counted as ``domain.plans.decided_area`` does: an
        override's chosen count, else the engine's expected count; the largest item."""
        overridden = plan_items.c.decision == ItemDecision.OVERRIDDEN
        per_item = case(
            (
                overridden,
                func.coalesce(plan_items.c.chosen_sessions, plan_items.c.sessions_expected),
            ),
            else_=plan_items.c.sessions_expected,
        )
        query = (
            select(treatment_plans.c.patient_id, treatment_plans.c.id, func.max(per_item))
            .join(plan_items, plan_items.c.plan_id == treatment_plans.c.id)
            .where(
                treatment_plans.c.clinic_id == clinic_id,
                treatment_plans.c.status.in_(IN_TREATMENT),
                treatment_plans.c.entered_in_error == "",
            )
            .group_by(treatment_plans.c.patient_id, treatment_plans.c.id)
            .order_by(treatment_plans.c.id)
        )
        return {row[0]: int(row[2]) for row in self.connection.execute(query)}

    def _sessions_done(
        self, clinic_id: int
    ) -> list[tuple[int, int, dt.date | None, Modality | None]]:
        counts = (
            select(
                treatment_sessions.c.patient_id,
                func.count(treatment_sessions.c.id),
                func.max(treatment_sessions.c.performed_on),
                func.max(treatment_sessions.c.id),
            )
            .where(
                treatment_sessions.c.clinic_id == clinic_id,
                treatment_sessions.c.entered_in_error == "",
            )
            .group_by(treatment_sessions.c.patient_id)
        )
        rows = self.connection.execute(counts).all()
        last_ids = [row[3] for row in rows]
        modality = dict(
            self.connection.execute(
                select(session_areas.c.session_id, session_areas.c.modality).where(
                    session_areas.c.session_id.in_(last_ids), session_areas.c.position == 0
                )
            ).all()
        )
        return [
            (
                row[0],
                int(row[1]),
                row[2],
                Modality(modality[row[3]]) if row[3] in modality else None,
            )
            for row in rows
        ]
