"""API: a patient's recovery against the expected course (the clinician's recovery chart)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from resurface.domain.codes import Area
from resurface.services.recovery import clinician_view
from resurface.web.api.schemas.recovery import RecoveryChartOut
from resurface.web.api.v1 import v1_router
from resurface.web.deps import ActorDep, ContextDep

router = v1_router(tags=["recovery"])


@router.get("/patients/{patient_id}/recovery", response_model=RecoveryChartOut)
def recovery(
    ctx: ContextDep,
    actor: ActorDep,
    patient_id: int,
    session_id: Annotated[int | None, Query(description="default: the latest session")] = None,
    area: Annotated[Area | None, Query(description="default: the most demanding area")] = None,
) -> RecoveryChartOut:
    view = clinician_view.read_recovery(ctx, actor, patient_id, session_id, area)
    return RecoveryChartOut.of(view)
