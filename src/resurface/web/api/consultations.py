"""API: register a patient (optionally with the first consultation) and record consultations.

The response carries the engine's screening at once: each finding with its action, reason and
source, and the steps to take before treatment.
"""

from __future__ import annotations

from fastapi import APIRouter

from resurface.services import consultations
from resurface.services.consultations import ConsultationView
from resurface.web.api.consultation_schemas import (
    ConsultationIn,
    ConsultationResultOut,
    PatientIn,
    PreTreatmentOut,
    RegisteredOut,
)
from resurface.web.api.schemas import ConsultationOut, PatientOut
from resurface.web.deps import CheckedSessionDep, ContextDep, IdempotencyKey

router = APIRouter(tags=["consultations"])


@router.post("/patients", response_model=RegisteredOut, status_code=201)
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
        patient=PatientOut.of(patient), consultation=_result(view) if view else None
    )


@router.post(
    "/patients/{patient_id}/consultations", response_model=ConsultationResultOut, status_code=201
)
def record(
    ctx: ContextDep, session: CheckedSessionDep, patient_id: int, body: ConsultationIn
) -> ConsultationResultOut:
    """Record a consultation for a patient of the clinic and screen it."""
    view = consultations.record_consultation(ctx, session.actor, patient_id, body.intake())
    return _result(view)


def _result(view: ConsultationView) -> ConsultationResultOut:
    return ConsultationResultOut(
        consultation=ConsultationOut.of(view.consultation),
        pre_treatment=[PreTreatmentOut.of(step) for step in view.pre_treatment],
        consent_pdf_url=f"/consultations/{view.consultation.id}/consent.pdf",
    )
