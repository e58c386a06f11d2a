"""API: the treatment plan. Propose from the latest consultation, decide each item (1-based
``n``), co-sign. Every write names the plan ``version`` it was made on; a stale one is a 409."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter

from resurface.services import plans
from resurface.web.api.plan_schemas import CosignIn, DecisionIn, PlanDetailOut
from resurface.web.deps import CheckedSessionDep, RuntimeDep

router = APIRouter(tags=["plans"])


@router.post("/patients/{patient_id}/plans", response_model=PlanDetailOut, status_code=201)
def propose(runtime: RuntimeDep, session: CheckedSessionDep, patient_id: int) -> PlanDetailOut:
    with runtime.uow() as uow:
        plan = plans.propose_plan(uow, session.actor, runtime.rules, patient_id, runtime.today())
    return PlanDetailOut.of_plan(plan)


@router.post("/plans/{plan_id}/items/{n}/decision", response_model=PlanDetailOut)
def decide(
    runtime: RuntimeDep, session: CheckedSessionDep, plan_id: int, n: int, body: DecisionIn
) -> PlanDetailOut:
    decision = plans.Decision(
        version=body.version,
        decision=body.decision,
        chosen_modality=body.chosen_modality.value if body.chosen_modality else "",
        chosen_sessions=body.chosen_sessions,
        override_reason=body.override_reason,
    )
    with runtime.uow() as uow:
        plan = plans.decide_item(uow, session.actor, plan_id, n - 1, decision)
    return PlanDetailOut.of_plan(plan)


@router.post("/plans/{plan_id}/cosign", response_model=PlanDetailOut)
def cosign(
    runtime: RuntimeDep, session: CheckedSessionDep, plan_id: int, body: CosignIn
) -> PlanDetailOut:
    with runtime.uow() as uow:
        plan = plans.cosign_plan(uow, session.actor, plan_id, body.version, dt.datetime.now(dt.UTC))
    return PlanDetailOut.of_plan(plan)
