"""API: the treatment plan. Propose from the latest consultation, decide each item (1-based
``n``), co-sign. Every write names the plan ``version`` it was made on; a stale one is a 409."""

from __future__ import annotations

from resurface.domain.chart import TreatmentPlan
from resurface.domain.corrections import RecordKind
from resurface.services import plans
from resurface.web.api.chart_records import read_record
from resurface.web.api.schemas.plans import CosignIn, DecisionIn, PlanDetailOut, PlanOut
from resurface.web.api.v1 import v1_router
from resurface.web.deps import ActorDep, CheckedSessionDep, ContextDep

router = v1_router(tags=["plans"])


@router.post("/patients/{patient_id}/plans", response_model=PlanDetailOut, status_code=201)
def propose(ctx: ContextDep, session: CheckedSessionDep, patient_id: int) -> PlanDetailOut:
    return PlanDetailOut.of_plan(plans.propose_plan(ctx, session.actor, patient_id))


@router.post("/plans/{plan_id}/items/{n}/decision", response_model=PlanDetailOut)
def decide(
    ctx: ContextDep, session: CheckedSessionDep, plan_id: int, n: int, body: DecisionIn
) -> PlanDetailOut:
    decision = plans.Decision(
        version=body.version,
        decision=body.decision,
        chosen_modality=body.chosen_modality.value if body.chosen_modality else "",
        chosen_sessions=body.chosen_sessions,
        override_reason=body.override_reason,
        correction_reason=body.correction_reason,
    )
    return PlanDetailOut.of_plan(plans.decide_item(ctx, session.actor, plan_id, n - 1, decision))


@router.post("/plans/{plan_id}/cosign", response_model=PlanDetailOut)
def cosign(
    ctx: ContextDep, session: CheckedSessionDep, plan_id: int, body: CosignIn
) -> PlanDetailOut:
    return PlanDetailOut.of_plan(plans.cosign_plan(ctx, session.actor, plan_id, body.version))


@router.get("/plans/{plan_id}", response_model=PlanOut)
def plan(ctx: ContextDep, actor: ActorDep, plan_id: int) -> PlanOut:
    return PlanOut.of(read_record(ctx, actor, RecordKind.PLAN, plan_id, TreatmentPlan))
