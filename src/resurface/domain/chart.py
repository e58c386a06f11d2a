"""A patient's chart: the records written along the journey, from consultation to check-ins.

Records are frozen dataclasses. Those two people may edit at once carry a ``version``; a save
names the version it edited and is refused when the stored one moved on (optimistic concurrency).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from resurface.domain.checkin import CheckIn
from resurface.domain.codes import (
    Area,
    Concern,
    Contraindication,
    FitzpatrickType,
    Modality,
    ScreeningAction,
    Severity,
)
from resurface.domain.intake import Goal, MedicalHistory


@dataclass(frozen=True)
class ScreeningFinding:
    """One contraindication or precaution found at consultation, as the engine stated it."""

    code: Contraindication
    action: ScreeningAction
    modalities: tuple[Modality, ...]
    reason: str
    source: str


@dataclass(frozen=True)
class Consultation:
    id: int
    clinic_id: int
    patient_id: int
    clinician_id: int
    held_on: dt.date
    goals: tuple[Goal, ...]
    history: MedicalHistory
    fitzpatrick_type: FitzpatrickType
    eligible: bool
    findings: tuple[ScreeningFinding, ...] = ()
    fitzpatrick_answers: tuple[int, ...] | None = None
    notes: str = ""
    version: int = 1
    entered_in_error: str = ""
    """Why the record was marked entered in error; empty while it stands."""


@dataclass(frozen=True)
class Grade:
    """One scale result for one area, e.g. Glogau III on the full face."""

    area: Area
    scale: str
    value: int
    label: str


@dataclass(frozen=True)
class Assessment:
    id: int
    clinic_id: int
    patient_id: int
    clinician_id: int
    assessed_on: dt.date
    grades: tuple[Grade, ...]
    notes: str = ""
    version: int = 1
    entered_in_error: str = ""


@dataclass(frozen=True)
class Span:
    """An inclusive range such as 2–3 sessions or 4–8 weeks."""

    min: float
    max: float


class PlanStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ItemDecision(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    OVERRIDDEN = "overridden"


@dataclass(frozen=True)
class PlanItem:
    """The engine's proposal for one goal and the clinician's decision on it; both are kept."""

    area: Area
    concern: Concern
    severity: Severity
    proposed_modality: Modality
    sessions_min: int
    sessions_expected: int
    sessions_max: int
    interval_weeks: Span
    downtime_days: Span
    decision: ItemDecision = ItemDecision.PENDING
    chosen_modality: Modality | None = None
    chosen_sessions: int | None = None
    override_reason: str = ""
    decided_by: int | None = None

    @property
    def modality(self) -> Modality:
        return self.chosen_modality or self.proposed_modality

    @property
    def sessions_planned(self) -> int:
        return self.chosen_sessions or self.sessions_expected


@dataclass(frozen=True)
class TreatmentPlan:
    id: int
    clinic_id: int
    patient_id: int
    clinician_id: int
    created_on: dt.date
    status: PlanStatus
    items: tuple[PlanItem, ...]
    rationale: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    cosigned_by: int | None = None
    cosigned_at: dt.datetime | None = None
    proposal: Mapping[str, Any] = field(default_factory=dict)
    """The engine's whole proposal as shown to the clinician (JSON), kept beside the decision."""
    version: int = 1
    entered_in_error: str = ""

    @property
    def sessions_planned(self) -> int:
        """Sessions in the series: compatible areas are treated together, so the largest item."""
        return max((item.sessions_planned for item in self.items), default=0)


@dataclass(frozen=True)
class AreaSettings:
    """The laser settings used on one area in one session."""

    area: Area
    modality: Modality
    wavelength_nm: int
    passes: int = 1
    energy_mj: float | None = None
    fluence_j_cm2: float | None = None
    pulse_duration_ms: float | None = None
    spot_size_mm: float | None = None
    density_pct: float | None = None
    immediate_response: str = ""
    beyond_limits_reason: str = ""


@dataclass(frozen=True)
class TreatmentSession:
    id: int
    clinic_id: int
    patient_id: int
    clinician_id: int
    performed_on: dt.date
    device: str
    areas: tuple[AreaSettings, ...]
    plan_id: int | None = None
    notes: str = ""
    version: int = 1
    guards_passed: tuple[str, ...] = ()
    """What stood in the way when it was recorded (beyond the plan, too soon ...), in words."""
    proceed_reason: str = ""
    """The clinician's reason for going on past ``guards_passed``."""
    entered_in_error: str = ""


@dataclass(frozen=True)
class CheckInRecord:
    """A check-in as kept in the chart: the patient's answers plus where they belong."""

    id: int
    clinic_id: int
    patient_id: int
    session_id: int
    checkin: CheckIn
    submitted_at: dt.datetime
    version: int = 1
    entered_in_error: str = ""


class PhotoPurpose(StrEnum):
    """Why a photo was taken: to record the skin before treatment, or to measure the change
    since (at a review, before a later session, or sent by the patient with a check-in)."""

    BASELINE = "baseline"
    FOLLOW_UP = "follow_up"

    @property
    def label(self) -> str:
        return "follow-up" if self is PhotoPurpose.FOLLOW_UP else "baseline"


@dataclass(frozen=True)
class Photo:
    """A stored photo. ``sha256`` is of the original upload; the stored copy has no EXIF."""

    id: int
    clinic_id: int
    patient_id: int
    region: str
    captured_at: dt.datetime
    sha256: str
    storage_key: str
    media_type: str
    width: int
    height: int
    assessment_id: int | None = None
    session_id: int | None = None
    checkin_id: int | None = None
    accepted_by: int | None = None
    """The clinician who accepted a photo the patient sent as a clinical photo."""
    accepted_at: dt.datetime | None = None
    version: int = 1
    entered_in_error: str = ""
    purpose: PhotoPurpose = PhotoPurpose.BASELINE

    @property
    def sent_by_patient(self) -> bool:
        return self.checkin_id is not None

    @property
    def is_clinical(self) -> bool:
        """Taken by the clinic, or sent by the patient and deliberately accepted: only these are
        compared on Results and used to re-estimate the sessions."""
        return not self.sent_by_patient or self.accepted_by is not None


ChartRecord = Consultation | Assessment | TreatmentPlan | TreatmentSession | CheckInRecord | Photo


@dataclass(frozen=True)
class Chart:
    """Everything recorded for one patient, oldest first within each kind.

    The kinds hold the records that stand; ``entered_in_error`` holds those marked as entered by
    mistake, kept to be shown struck through and used for nothing else."""

    consultations: tuple[Consultation, ...] = ()
    assessments: tuple[Assessment, ...] = ()
    plans: tuple[TreatmentPlan, ...] = ()
    sessions: tuple[TreatmentSession, ...] = ()
    checkins: tuple[CheckInRecord, ...] = ()
    photos: tuple[Photo, ...] = ()
    entered_in_error: tuple[ChartRecord, ...] = ()


_R = TypeVar("_R", Consultation, Assessment, TreatmentPlan, TreatmentSession, CheckInRecord, Photo)


def _stands(records: tuple[_R, ...]) -> tuple[_R, ...]:
    return tuple(r for r in records if not r.entered_in_error)


def standing(chart: Chart) -> Chart:
    """The chart with every record marked entered in error moved to ``entered_in_error``: what
    the clinic decides on (plans, results, re-estimation, alerts) never sees them."""

    kinds: tuple[tuple[ChartRecord, ...], ...] = (
        chart.consultations,
        chart.assessments,
        chart.plans,
        chart.sessions,
        chart.checkins,
        chart.photos,
    )
    struck = tuple(r for records in kinds for r in records if r.entered_in_error)
    return Chart(
        consultations=_stands(chart.consultations),
        assessments=_stands(chart.assessments),
        plans=_stands(chart.plans),
        sessions=_stands(chart.sessions),
        checkins=_stands(chart.checkins),
        photos=_stands(chart.photos),
        entered_in_error=chart.entered_in_error + struck,
    )
