"""API: patients. The list (search, stage filter, pages), registering one (with the first
consultation when the role may write the chart), one patient, and the chart."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from resurface.domain.corrections import RecordKind
from resurface.domain.journey import Stage
from resurface.domain.people import Patient
from resurface.services import break_glass, charts, consultations, patients
from resurface.services.access import Permission
from resurface.web.api.chart_records import read_record
from resurface.web.api.schemas.common import Page
from resurface.web.api.schemas.consultations import ConsultationResultOut
from resurface.web.api.schemas.patients import (
    BreakGlassIn,
    BreakGlassOut,
    ChartOut,
    PatientContactOut,
    PatientCorrectionIn,
    PatientDetailsOut,
    PatientIn,
    PatientOut,
    PatientSummaryOut,
    RegisteredOut,
    TimelineEntryOut,
)
from resurface.web.api.v1 import v1_router
from resurface.web.deps import ActorDep, CheckedSessionDep, ContextDep, IdempotencyKey

router = v1_router(prefix="/patients", tags=["patients"])


@router.get("", response_model=Page[PatientSummaryOut] | Page[PatientContactOut])
def list_patients(
    ctx: ContextDep,
    actor: ActorDep,
    q: Annotated[str, Query(max_length=100, description="part of the name")] = "",
    stage: Stage | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 25,
    cursor: Annotated[
        str,
        Query(
            max_length=patients.CURSOR_MAX,
            description="the `cursor` of a page of the same list (same `q`, `stage` and "
            "`per_page`) near `page`: the page is found from where that one began",
        ),
    ] = "",
) -> Page[PatientSummaryOut] | Page[PatientContactOut]:
    """Clinical roles get each patient's stage and sessions; the front desk gets names, birth
    dates and contact details only. With the `cursor` of a page near the one asked for, a page
    deep in the list costs what the first one does."""
    query = patients.PatientQuery(q, stage, page, per_page, cursor)
    found = patients.list_patients(ctx, actor, query)
    if not actor.may(Permission.VIEW_CHART):
        return Page[PatientContactOut].of(found, [PatientContactOut.of(s) for s in found.items])
    return Page[PatientSummaryOut].of(found, [PatientSummaryOut.of(s) for s in found.items])


@router.get("/{patient_id}/chart", response_model=ChartOut)
def chart(ctx: ContextDep, actor: ActorDep, patient_id: int) -> ChartOut:
    view = charts.read_chart(ctx, actor, patient_id)
    return ChartOut(
        patient=PatientOut.of(view.patient),
        stage=view.stage.value,
        timeline=[TimelineEntryOut.of(entry) for entry in view.timeline],
        emergency_access_until=view.emergency.expires_at if view.emergency else None,
    )


@router.post("/{patient_id}/break-glass", response_model=BreakGlassOut, status_code=201)
def open_break_glass(
    ctx: ContextDep, session: CheckedSessionDep, patient_id: int, body: BreakGlassIn
) -> BreakGlassOut:
    """Emergency access for the front desk: GET /patients/{id}/chart answers them, read-only,
    until ``expires_at`` (the clinic's time limit). Every read is audited with the reason and
    the medical directors are e-mailed now. Clinicians and admins see charts already (403)."""
    access = break_glass.open_break_glass(ctx, session.actor, patient_id, body.reason)
    return BreakGlassOut(
        id=access.id,
        patient_id=access.patient_id,
        reason=access.reason,
        opened_at=access.opened_at,
        expires_at=access.expires_at,
    )


@router.post("", response_model=RegisteredOut, status_code=201)
def register(
    ctx: ContextDep,
    session: CheckedSessionDep,
    body: PatientIn,
    request_key: IdempotencyKey = "",
) -> RegisteredOut:
    """Register a patient. With ``consultation``, also record and screen the first consultation
    (needs a role that may write the chart; front-desk staff may register only). A resend with
    the same ``Idempotency-Key`` is answered with the patient the first request registered."""
    intake = body.consultation.intake() if body.consultation else None
    patient, view = consultations.register_with_consultation(
        ctx, session.actor, body.patient(), intake, request_key=request_key
    )
    return RegisteredOut(
        patient=PatientOut.of(patient),
        consultation=ConsultationResultOut.of(view) if view else None,
    )


@router.get("/{patient_id}", response_model=PatientOut)
def patient(ctx: ContextDep, actor: ActorDep, patient_id: int) -> PatientOut:
    return PatientOut.of(read_record(ctx, actor, RecordKind.PATIENT, patient_id, Patient))


@router.get("/{patient_id}/details", response_model=PatientDetailsOut)
def details(ctx: ContextDep, actor: ActorDep, patient_id: int) -> PatientDetailsOut:
    """Contact details and demographics with their corrections (the front desk may read)."""
    return PatientDetailsOut.of(patients.patient_details(ctx, actor, patient_id))


@router.patch("/{patient_id}", response_model=PatientDetailsOut)
def amend(
    ctx: ContextDep, session: CheckedSessionDep, patient_id: int, body: PatientCorrectionIn
) -> PatientDetailsOut:
    """Correct the patient's details (the fields given), with the ``version`` you corrected and
    the ``reason``. The earlier version is kept."""
    actor = session.actor
    current = patients.patient_details(ctx, actor, patient_id).patient
    corrected = body.applied_to(current)
    patients.amend_details(ctx, actor, patient_id, body.version, corrected, body.reason)
    return PatientDetailsOut.of(patients.patient_details(ctx, actor, patient_id))
