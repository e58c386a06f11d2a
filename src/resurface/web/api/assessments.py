"""API: record an assessment (each area graded on the rule base's scales)."""

from __future__ import annotations

from resurface.domain.chart import Assessment
from resurface.domain.corrections import RecordKind
from resurface.services import assessments
from resurface.web.api.chart_records import read_record
from resurface.web.api.schemas.assessments import (
    AssessmentCorrectionIn,
    AssessmentIn,
    AssessmentOut,
)
from resurface.web.api.v1 import v1_router
from resurface.web.deps import ActorDep, CheckedSessionDep, ContextDep

router = v1_router(tags=["assessments"])


@router.post("/patients/{patient_id}/assessments", response_model=AssessmentOut, status_code=201)
def record(
    ctx: ContextDep, session: CheckedSessionDep, patient_id: int, body: AssessmentIn
) -> AssessmentOut:
    """Grade the patient's areas, e.g. ``{"area": "cheeks", "scale": "glogau", "grade": "III"}``."""
    saved = assessments.record_assessment(
        ctx,
        session.actor,
        patient_id,
        body.entries(),
        assessed_on=body.assessed_on,
        notes=body.notes,
    )
    return AssessmentOut.of(saved)


@router.get("/assessments/{assessment_id}", response_model=AssessmentOut)
def assessment(ctx: ContextDep, actor: ActorDep, assessment_id: int) -> AssessmentOut:
    record = read_record(ctx, actor, RecordKind.ASSESSMENT, assessment_id, Assessment)
    return AssessmentOut.of(record)


@router.patch("/assessments/{assessment_id}", response_model=AssessmentOut)
def amend(
    ctx: ContextDep, session: CheckedSessionDep, assessment_id: int, body: AssessmentCorrectionIn
) -> AssessmentOut:
    """Reopen and correct the assessment: send it whole, with the ``version`` you corrected and
    the ``reason``. The earlier version is kept (``GET /assessments/{id}/history``)."""
    saved = assessments.amend_assessment(
        ctx,
        session.actor,
        assessment_id,
        body.version,
        body.entries(),
        assessed_on=body.assessed_on,
        notes=body.notes,
        reason=body.reason,
    )
    return AssessmentOut.of(saved)
