"""The sessions API's shapes."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

from pydantic import BaseModel, Field

from resurface.domain.appointments import Appointment
from resurface.domain.chart import (
    TreatmentSession,
)
from resurface.domain.session_guards import SessionGuard
from resurface.domain.settings_limits import SettingsLimits
from resurface.services.sessions import (
    AreaEntry,
    DraftArea,
    RecordedSession,
    SessionDraft,
    SessionEntry,
)
from resurface.web.api.schemas.common import InputModel, IsoDate, Number, Text, Whole


class AreaSettingsOut(BaseModel):
    area: str
    modality: str
    wavelength_nm: int
    passes: int
    energy_mj: float | None
    fluence_j_cm2: float | None
    pulse_duration_ms: float | None
    spot_size_mm: float | None
    density_pct: float | None
    immediate_response: str
    beyond_limits_reason: str


class SessionOut(BaseModel):
    id: int
    patient_id: int
    clinician_id: int
    plan_id: int | None
    performed_on: dt.date
    device: str
    areas: list[AreaSettingsOut]
    notes: str
    version: int
    entered_in_error: str = Field(
        description="why the record was marked entered in error; empty while it stands"
    )
    guards_passed: list[str] = Field(
        description="what stood in the way when it was recorded (beyond the plan, too soon ...)"
    )
    proceed_reason: str = Field(description="the clinician's reason to go on past them")

    @classmethod
    def of(cls, record: TreatmentSession) -> SessionOut:
        return cls(
            id=record.id,
            patient_id=record.patient_id,
            clinician_id=record.clinician_id,
            plan_id=record.plan_id,
            performed_on=record.performed_on,
            device=record.device,
            areas=[AreaSettingsOut(**asdict(area)) for area in record.areas],
            notes=record.notes,
            version=record.version,
            entered_in_error=record.entered_in_error,
            guards_passed=list(record.guards_passed),
            proceed_reason=record.proceed_reason,
        )


class LimitsOut(BaseModel):
    """The highest settings for the area and patient; above them a reason is needed."""

    energy_max: float
    energy_unit: str
    energy_field: str
    density_max_pct: float | None
    passes_max: int | None
    density_factor: float
    energy_factor: float
    sources: list[str]

    @classmethod
    def of(cls, limits: SettingsLimits, energy_field: str) -> LimitsOut:
        return cls(
            energy_max=limits.energy_max,
            energy_unit=limits.energy_unit,
            energy_field=energy_field,
            density_max_pct=limits.density_max_pct,
            passes_max=limits.passes_max,
            density_factor=limits.density_factor,
            energy_factor=limits.energy_factor,
            sources=list(limits.sources),
        )


class DraftAreaOut(BaseModel):
    settings: AreaSettingsOut
    carried_from_session_id: int | None
    limits: LimitsOut

    @classmethod
    def of(cls, area: DraftArea) -> DraftAreaOut:
        s = area.settings
        return cls(
            settings=AreaSettingsOut(
                area=s.area.value,
                modality=s.modality.value,
                wavelength_nm=s.wavelength_nm,
                passes=s.passes,
                energy_mj=s.energy_mj,
                fluence_j_cm2=s.fluence_j_cm2,
                pulse_duration_ms=s.pulse_duration_ms,
                spot_size_mm=s.spot_size_mm,
                density_pct=s.density_pct,
                immediate_response=s.immediate_response,
                beyond_limits_reason=s.beyond_limits_reason,
            ),
            carried_from_session_id=area.carried_from.id if area.carried_from else None,
            limits=LimitsOut.of(area.limits, area.energy_field),
        )


class GuardOut(BaseModel):
    guard: str
    message: str
    must_acknowledge: bool = Field(
        description="an urgent alert to acknowledge first; a reason is not enough"
    )

    @classmethod
    def of(cls, guard: SessionGuard) -> GuardOut:
        return cls(
            guard=guard.guard.value, message=guard.message, must_acknowledge=guard.must_acknowledge
        )


class SessionDraftOut(BaseModel):
    """Where the next session starts: the accepted plan's areas, the last settings used there
    (empty numbers on the first session) and each area's limits."""

    patient_id: int
    plan_id: int
    plan_version: int
    session_number: int
    sessions_planned: int
    device: str
    areas: list[DraftAreaOut]
    guards: list[GuardOut]

    @classmethod
    def of(cls, draft: SessionDraft) -> SessionDraftOut:
        return cls(
            patient_id=draft.patient.id,
            plan_id=draft.plan.id,
            plan_version=draft.plan.version,
            session_number=draft.session_number,
            sessions_planned=draft.sessions_planned,
            device=draft.device,
            areas=[DraftAreaOut.of(a) for a in draft.areas],
            guards=[GuardOut.of(g) for g in draft.guards],
        )


class AreaIn(InputModel):
    area: str
    modality: str
    wavelength_nm: Whole | None = None
    energy_mj: Number | None = None
    fluence_j_cm2: Number | None = None
    pulse_duration_ms: Number | None = None
    spot_size_mm: Number | None = None
    density_pct: Number | None = None
    passes: Whole | None = None
    immediate_response: Text = ""
    beyond_limits_reason: Text = ""


class SessionIn(InputModel):
    """A session as performed. A setting beyond its limit needs ``beyond_limits_reason``."""

    performed_on: IsoDate
    device: Annotated[str, Field(max_length=200)]
    areas: list[AreaIn]
    notes: Text = ""
    proceed_reason: Text = Field(
        default="",
        description="why the session goes ahead past the draft's guards (beyond the plan, too "
        "soon, an acknowledged urgent alert, deferred treatment); required when there are any",
    )

    performed_by: Whole | None = Field(
        default=None, description="user id of the clinician who performed it; default: you"
    )

    def to_entry(self) -> SessionEntry:
        return SessionEntry(
            performed_on=self.performed_on,
            device=self.device,
            areas=tuple(AreaEntry(**a.model_dump()) for a in self.areas),
            notes=self.notes,
            proceed_reason=self.proceed_reason,
            performed_by=self.performed_by,
        )


class ScheduledOut(BaseModel):
    id: int
    kind: str
    due_on: dt.date
    status: str
    after_session_id: int | None
    plan_id: int | None

    @classmethod
    def of(cls, appointment: Appointment) -> ScheduledOut:
        return cls(
            id=appointment.id,
            kind=appointment.kind.value,
            due_on=appointment.due_on,
            status=appointment.status.value,
            after_session_id=appointment.after_session_id,
            plan_id=appointment.plan_id,
        )


class RecordedSessionOut(BaseModel):
    session: SessionOut
    checkins: list[ScheduledOut]
    next_session: ScheduledOut | None
    sessions_remaining: int

    @classmethod
    def of(cls, recorded: RecordedSession) -> RecordedSessionOut:
        return cls(
            session=SessionOut.of(recorded.session),
            checkins=[ScheduledOut.of(a) for a in recorded.checkins],
            next_session=ScheduledOut.of(recorded.next_session) if recorded.next_session else None,
            sessions_remaining=recorded.sessions_remaining,
        )


class SessionCorrectionIn(InputModel):
    """The corrected session, whole (date, device, every area's settings, notes, performer),
    with the version and the reason. Settings beyond limits need their reason as when recorded."""

    performed_on: IsoDate
    device: Annotated[str, Field(max_length=200)]
    areas: list[AreaIn]
    notes: Text = ""
    performed_by: Whole | None = None
    version: Whole
    reason: Text

    def to_entry(self) -> SessionEntry:
        return SessionEntry(
            performed_on=self.performed_on,
            device=self.device,
            areas=tuple(AreaEntry(**a.model_dump()) for a in self.areas),
            notes=self.notes,
            performed_by=self.performed_by,
        )
