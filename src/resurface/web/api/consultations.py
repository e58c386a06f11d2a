"""API: record a consultation (screened at once) and read one back.

The response carries the engine's screening at once: each finding with its action, reason and
source, and the steps to take before treatment.
"""

from __future__ import annotations

from resurface.domain.chart import Consultation
from resurface.domain.corrections import RecordKind
from resurface.services import consultations
from resurface.web.api.chart_records import read_record
from resurface.web.api.schemas.consultations import (
    ConsultationCorrectionIn,
    ConsultationIn,
    ConsultationOut,
    ConsultationResultOut,
)
from resurface.web.api.v1 import v1_router
from resurface.web.deps import ActorDep, CheckedSessionDep, ContextDep

router = v1_router(tags=["consultations"])


@router.post(
    "/patients/{patient_id}/consultations", response_model=ConsultationResultOut, status_code=201
)
def record(
    ctx: ContextDep, session: CheckedSessionDep, patient_id: int, body: ConsultationIn
) -> ConsultationResultOut:
    """Record a consultation for a patient of the clinic and screen it."""
    view = consultations.record_consultation(ctx, session.actor, patient_id, body.intake())
    return ConsultationResultOut.of(view)


@router.get("/consultations/{consultation_id}", response_model=ConsultationOut)
def consultation(ctx: ContextDep, actor: ActorDep, consultation_id: int) -> ConsultationOut:
    record = read_record(ctx, actor, RecordKind.CONSULTATION, consultation_id, Consultation)
    return ConsultationOut.of(record)


@router.patch("/consultations/{consultation_id}", response_model=ConsultationOut)
def amend(
    ctx: ContextDep,
    session: CheckedSessionDep,
    consultation_id: int,
    body: ConsultationCorrectionIn,
) -> ConsultationOut:
    """Correct the consultation: send it whole, with the ``version`` you corrected and the
    ``reason``. It is screened again; the earlier version is kept."""
    saved = consultations.amend_consultation(
        ctx, session.actor, consultation_id, body.version, body.intake(), body.reason
    )
    return ConsultationOut.of(saved)
