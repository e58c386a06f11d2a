"""API: a patient's measured results, re-estimated sessions and GAIS ratings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from resurface.services import results
from resurface.web.api.followup_schemas import OutcomeIn, OutcomeOut, ResultsOut
from resurface.web.deps import ActorDep, CheckedSessionDep, RuntimeDep

router = APIRouter(tags=["results"])


@router.get("/patients/{patient_id}/results", response_model=ResultsOut)
def read_results(
    runtime: RuntimeDep,
    actor: ActorDep,
    patient_id: int,
    before: Annotated[int | None, Query(description="photo id; default the baseline")] = None,
    after: Annotated[int | None, Query(description="photo id; default the latest")] = None,
) -> ResultsOut:
    with runtime.uow() as uow:
        view = results.read_results(
            uow, actor, runtime.photos, runtime.rules, patient_id, before, after
        )
    return ResultsOut.of(view)


@router.post("/patients/{patient_id}/outcomes", response_model=OutcomeOut, status_code=201)
def record_outcome(
    runtime: RuntimeDep, session: CheckedSessionDep, patient_id: int, body: OutcomeIn
) -> OutcomeOut:
    with runtime.uow() as uow:
        saved = results.record_outcome(
            uow,
            session.actor,
            runtime.rules,
            patient_id,
            body.value,
            body.rated_on or runtime.today(),
            body.note,
            body.session_id,
        )
    return OutcomeOut.of(saved)
