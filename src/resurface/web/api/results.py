"""API: a patient's measured results, re-estimated sessions and GAIS ratings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from resurface.services import results
from resurface.web.api.schemas.results import OutcomeIn, OutcomeOut, ResultsOut
from resurface.web.deps import ActorDep, CheckedSessionDep, ContextDep

router = APIRouter(tags=["results"])


@router.get("/patients/{patient_id}/results", response_model=ResultsOut)
def read_results(
    ctx: ContextDep,
    actor: ActorDep,
    patient_id: int,
    before: Annotated[int | None, Query(description="photo id; default the baseline")] = None,
    after: Annotated[int | None, Query(description="photo id; default the latest")] = None,
) -> ResultsOut:
    return ResultsOut.of(results.read_results(ctx, actor, patient_id, before, after))


@router.post("/patients/{patient_id}/outcomes", response_model=OutcomeOut, status_code=201)
def record_outcome(
    ctx: ContextDep, session: CheckedSessionDep, patient_id: int, body: OutcomeIn
) -> OutcomeOut:
    saved = results.record_outcome(
        ctx, session.actor, patient_id, body.value, body.note, body.session_id, body.rated_on
    )
    return OutcomeOut.of(saved)
