"""One chart record by id, for every kind of record. Another clinic's id is a plain 404."""

from __future__ import annotations

from typing import TypeVar

from fastapi import APIRouter, Response

from resurface.domain.chart import (
    Assessment,
    CheckInRecord,
    Consultation,
    Photo,
    TreatmentPlan,
    TreatmentSession,
)
from resurface.domain.people import Patient
from resurface.services import charts
from resurface.services.charts import RecordKind
from resurface.web.api.schemas import (
    AssessmentOut,
    CheckInOut,
    ConsultationOut,
    PatientOut,
    PhotoOut,
    PlanOut,
    SessionOut,
)
from resurface.web.deps import ActorDep, RuntimeDep

router = APIRouter(tags=["chart records"])
R = TypeVar("R")


def _read(
    runtime: RuntimeDep, actor: ActorDep, kind: RecordKind, record_id: int, shape: type[R]
) -> R:
    with runtime.uow() as uow:
        record = charts.read_record(uow, actor, kind, record_id)
    assert isinstance(record, shape)
    return record


@router.get("/patients/{record_id}", response_model=PatientOut)
def patient(runtime: RuntimeDep, actor: ActorDep, record_id: int) -> PatientOut:
    return PatientOut.of(_read(runtime, actor, RecordKind.PATIENT, record_id, Patient))


@router.get("/consultations/{record_id}", response_model=ConsultationOut)
def consultation(runtime: RuntimeDep, actor: ActorDep, record_id: int) -> ConsultationOut:
    record = _read(runtime, actor, RecordKind.CONSULTATION, record_id, Consultation)
    return ConsultationOut.of(record)


@router.get("/assessments/{record_id}", response_model=AssessmentOut)
def assessment(runtime: RuntimeDep, actor: ActorDep, record_id: int) -> AssessmentOut:
    record = _read(runtime, actor, RecordKind.ASSESSMENT, record_id, Assessment)
    return AssessmentOut.of(record)


@router.get("/plans/{record_id}", response_model=PlanOut)
def plan(runtime: RuntimeDep, actor: ActorDep, record_id: int) -> PlanOut:
    return PlanOut.of(_read(runtime, actor, RecordKind.PLAN, record_id, TreatmentPlan))


@router.get("/sessions/{record_id}", response_model=SessionOut)
def session(runtime: RuntimeDep, actor: ActorDep, record_id: int) -> SessionOut:
    record = _read(runtime, actor, RecordKind.SESSION, record_id, TreatmentSession)
    return SessionOut.of(record)


@router.get("/checkins/{record_id}", response_model=CheckInOut)
def checkin(runtime: RuntimeDep, actor: ActorDep, record_id: int) -> CheckInOut:
    return CheckInOut.of(_read(runtime, actor, RecordKind.CHECKIN, record_id, CheckInRecord))


@router.get("/photos/{record_id}", response_model=PhotoOut)
def photo(runtime: RuntimeDep, actor: ActorDep, record_id: int) -> PhotoOut:
    return PhotoOut.of(_read(runtime, actor, RecordKind.PHOTO, record_id, Photo))


@router.get("/photos/{record_id}/content", response_class=Response)
def photo_content(runtime: RuntimeDep, actor: ActorDep, record_id: int) -> Response:
    with runtime.uow() as uow:
        record, data = charts.read_photo_bytes(uow, actor, runtime.photos, record_id)
    return Response(data, media_type=record.media_type, headers={"Cache-Control": "private"})
