"""The home API's shapes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from resurface.domain.appointments import Appointment
from resurface.services.home import HomeView
from resurface.web.api.schemas.alerts import AlertOut


class AppointmentOut(BaseModel):
    id: int
    patient_id: int
    patient_name: str
    kind: str
    due_on: dt.date

    @classmethod
    def of(cls, a: Appointment, patient_name: str) -> AppointmentOut:
        return cls(
            id=a.id, patient_id=a.patient_id, patient_name=patient_name, kind=a.kind.value,
            due_on=a.due_on,
        )  # fmt: skip


class SessionTodayOut(BaseModel):
    patient_id: int
    patient_name: str
    appointment_id: int | None
    recorded_session_id: int | None
    modalities: list[str] | None = Field(description="null for front-desk staff")


class HomeOut(BaseModel):
    today: dt.date
    clinical: bool
    sessions_today: list[SessionTodayOut]
    alerts: list[AlertOut] | None = Field(description="null for front-desk staff")
    checkins_due: list[AppointmentOut]
    sessions_due: list[AppointmentOut]
    alerts_total: int | None = Field(
        description="how many open alerts there are (the list holds the first 10; all of them: "
        "/api/v1/alerts); null for front-desk staff"
    )
    checkins_due_total: int = Field(
        description="the list holds the first 10; all of them: /api/v1/due/checkins"
    )
    sessions_due_total: int = Field(
        description="the list holds the first 10; all of them: /api/v1/due/sessions"
    )

    @classmethod
    def of(cls, view: HomeView) -> HomeOut:
        return cls(
            today=view.today,
            clinical=view.clinical,
            sessions_today=[
                SessionTodayOut(
                    patient_id=s.patient.id,
                    patient_name=s.patient.full_name,
                    appointment_id=s.appointment.id if s.appointment else None,
                    recorded_session_id=s.recorded.id if s.recorded else None,
                    modalities=(
                        sorted({a.modality.value for a in s.recorded.areas})
                        if s.recorded and view.clinical
                        else None
                    ),
                )
                for s in view.sessions_today
            ],
            alerts=[AlertOut.of(a.alert, a.patient.full_name) for a in view.alerts]
            if view.clinical
            else None,
            checkins_due=[
                AppointmentOut.of(d.appointment, d.patient.full_name) for d in view.checkins_due
            ],
            sessions_due=[
                AppointmentOut.of(d.appointment, d.patient.full_name) for d in view.sessions_due
            ],
            alerts_total=view.alerts_total if view.clinical else None,
            checkins_due_total=view.checkins_due_total,
            sessions_due_total=view.sessions_due_total,
        )
