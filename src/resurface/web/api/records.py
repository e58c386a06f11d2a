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
from resurface.web.deps import ActorDep, ContextDep

router = APIRouter(tags=["chart records"])
R = TypeVar("R")


def _read(ctx: ContextDep, actor: ActorDep, kind: RecordKind, record_id: int, shape: type[R]) -> R:
    record = charts.read_chart_record(ctx, actor, kind, record_id)
    assert isinstance(record, shape)
    return record


@router.get("/patients/{record_id}", response_model=PatientOut)
def patient(ctx: ContextDep, actor: ActorDep, record_id: int) -> PatientOut:
    return PatientOut.of(_read(ctx, actor, RecordKind.PATIENT, record_id, Patient))


@router.get("/consultations/{record_id}", response_model=ConsultationOut)
def consultation(ctx: ContextDep, actor: ActorDep, record_id: int) -> ConsultationOut:
    record = _read(ctx, actor, RecordKind.CONSULTATION, record_id, Consultation)
    return ConsultationOut.of(record)


@router.get("/assessments/{record_id}", response_model=AssessmentOut)
def assessment(ctx: ContextDep, actor: ActorDep, record_id: int) -> AssessmentOut:
    record = _read(ctx, actor, RecordKind.ASSESSMENT, record_id, Assessment)
    return AssessmentOut.of(record)


@router.get("/plans/{record_id}", response_model=PlanOut)
def plan(ctx: ContextDep, actor: ActorDep, record_id: int) -> PlanOut:
    return PlanOut.of(_read(ctx, actor, RecordKind.PLAN, record_id, TreatmentPlan))


@router.get("/sessions/{record_id}", response_model=SessionOut)
def session(ctx: ContextDep, actor: ActorDep, record_id: int) -> SessionOut:
    record = _read(ctx, actor, RecordKind.SESSION, record_id, TreatmentSession)
    return SessionOut.of(record)


@router.get("/checkins/{record_id}", response_model=CheckInOut)
def checkin(ctx: ContextDep, actor: ActorDep, record_id: int) -> CheckInOut:
    return CheckInOut.of(_read(ctx, actor, RecordKind.CHECKIN, record_id, CheckInRecord))


@router.get("/photos/{record_id}", response_model=PhotoOut)
def photo(ctx: ContextDep, actor: ActorDep, record_id: int) -> PhotoOut:
    return PhotoOut.of(_read(ctx, actor, RecordKind.PHOTO, record_id, Photo))


@router.get("/photos/{record_id}/content", response_class=Response)
def photo_content(ctx: ContextDep, actor: ActorDep, record_id: int) -> Response:
    record, data = charts.read_photo_bytes(ctx, actor, record_id)
    return Response(data, media_type=record.media_type, headers={"Cache-Control": "private"})
