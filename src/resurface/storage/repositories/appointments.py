"""Appointments: check-ins and sessions due, scoped by clinic."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from sqlalchemy import select, update

from resurface.domain.appointments import Appointment, AppointmentKind, AppointmentStatus
from resurface.storage.repositories._base import Repository, now, values_of
from resurface.storage.tables import (
    appointments,
)


class SqlAppointments(Repository):
    def add(self, record: Appointment) -> Appointment:
        values = values_of(record) | {"created_at": now()}
        return replace(record, id=self._insert(appointments, values))

    def for_patient(self, clinic_id: int, patient_id: int) -> list[Appointment]:
        query = (
            select(appointments)
            .where(appointments.c.clinic_id == clinic_id, appointments.c.patient_id == patient_id)
            .order_by(appointments.c.due_on, appointments.c.id)
        )
        return [_appointment(row) for row in self.connection.execute(query)]

    def due(self, clinic_id: int, until: dt.date) -> list[Appointment]:
        query = (
            select(appointments)
            .where(
                appointments.c.clinic_id == clinic_id,
                appointments.c.status == AppointmentStatus.BOOKED.value,
                appointments.c.due_on <= until,
            )
            .order_by(appointments.c.due_on, appointments.c.id)
        )
        return [_appointment(row) for row in self.connection.execute(query)]

    def set_status(self, clinic_id: int, appointment_id: int, status: AppointmentStatus) -> None:
        self.connection.execute(
            update(appointments)
            .where(appointments.c.id == appointment_id, appointments.c.clinic_id == clinic_id)
            .values(status=status.value)
        )


def _appointment(row: Any) -> Appointment:
    return Appointment(
        id=row.id,
        clinic_id=row.clinic_id,
        patient_id=row.patient_id,
        kind=AppointmentKind(row.kind),
        due_on=row.due_on,
        after_session_id=row.after_session_id,
        plan_id=row.plan_id,
        status=AppointmentStatus(row.status),
    )
