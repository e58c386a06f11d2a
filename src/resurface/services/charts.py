"""Reading a patient's chart: the whole timeline, or one record of it. Every read is audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from resurface.domain.chart import (
    Assessment,
    Chart,
    CheckInRecord,
    Consultation,
    Photo,
    TreatmentPlan,
    TreatmentSession,
)
from resurface.domain.journey import Stage
from resurface.domain.people import Patient
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.errors import NotFound
from resurface.services.patients import HealingDays, find_patient, stage_for
from resurface.services.ports import PhotoStore, UnitOfWork
from resurface.services.timeline import TimelineEntry, timeline_of


class RecordKind(StrEnum):
    PATIENT = "patient"
    CONSULTATION = "consultation"
    ASSESSMENT = "assessment"
    PLAN = "plan"
    SESSION = "session"
    CHECKIN = "checkin"
    PHOTO = "photo"


ChartRecord = (
    Patient | Consultation | Assessment | TreatmentPlan | TreatmentSession | CheckInRecord | Photo
)


@dataclass(frozen=True)
class ChartView:
    patient: Patient
    stage: Stage
    chart: Chart
    timeline: tuple[TimelineEntry, ...]


def read_chart(
    uow: UnitOfWork, actor: Actor, patient_id: int, today: dt.date, healing_days: HealingDays
) -> ChartView:
    require(actor, Permission.VIEW_CHART)
    patient = _audited_patient(uow, actor, patient_id, "chart_read")
    chart = uow.charts.chart(actor.clinic_id, patient.id)
    stage = stage_for(
        uow.patients.series_facts(actor.clinic_id).get(patient.id), today, healing_days
    )
    uow.commit()
    return ChartView(patient, stage, chart, timeline_of(chart))


def read_record(uow: UnitOfWork, actor: Actor, kind: RecordKind, record_id: int) -> ChartRecord:
    """One record of a chart by id. Another clinic's record is NotFound, as if it did not exist."""
    require(actor, Permission.VIEW_CHART)
    record = _lookup(uow, actor.clinic_id, kind, record_id)
    if record is None:
        audit.record(uow, actor, "read_not_found", kind.value, record_id)
        uow.commit()
        raise NotFound(kind.value, record_id)
    patient_id = record.id if isinstance(record, Patient) else record.patient_id
    audit.record(uow, actor, "read", kind.value, record_id, patient_id=patient_id)
    uow.commit()
    return record


def read_photo_bytes(
    uow: UnitOfWork, actor: Actor, photos: PhotoStore, photo_id: int
) -> tuple[Photo, bytes]:
    record = read_record(uow, actor, RecordKind.PHOTO, photo_id)
    assert isinstance(record, Photo)
    return record, photos.get(record.storage_key)


def _audited_patient(uow: UnitOfWork, actor: Actor, patient_id: int, action: str) -> Patient:
    try:
        patient = find_patient(uow, actor, patient_id)
    except NotFound:
        audit.record(uow, actor, "read_not_found", "patient", patient_id)
        uow.commit()
        raise
    audit.record(uow, actor, action, "patient", patient.id, patient_id=patient.id)
    return patient


def _lookup(
    uow: UnitOfWork, clinic_id: int, kind: RecordKind, record_id: int
) -> ChartRecord | None:
    charts = uow.charts
    finders = {
        RecordKind.PATIENT: uow.patients.get,
        RecordKind.CONSULTATION: charts.consultation,
        RecordKind.ASSESSMENT: charts.assessment,
        RecordKind.PLAN: charts.plan,
        RecordKind.SESSION: charts.session,
        RecordKind.CHECKIN: charts.checkin,
        RecordKind.PHOTO: charts.photo,
    }
    found: ChartRecord | None = finders[kind](clinic_id, record_id)
    return found
