"""The decided plan: overrides drive the modality, the session count and the schedule; one
answer to "which plan is current"."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from resurface.domain.chart import ItemDecision, PlanItem, PlanStatus, Span, TreatmentPlan
from resurface.domain.codes import Area, Concern, Modality, Severity
from resurface.domain.plans import current_plan, decide, plan_being_decided, plan_in_treatment

START = dt.date(2026, 3, 2)


def _item(area: Area = Area.CHEEKS, **changes: object) -> PlanItem:
    item = PlanItem(
        area=area,
        concern=next(iter(Concern)),
        severity=next(iter(Severity)),
        proposed_modality=Modality.NONABLATIVE_FRACTIONAL_1550,
        sessions_min=4,
        sessions_expected=5,
        sessions_max=6,
        interval_weeks=Span(4, 6),
        downtime_days=Span(1, 3),
    )
    return replace(item, **changes)  # type: ignore[arg-type]


def _plan(plan_id: int, status: PlanStatus, *items: PlanItem) -> TreatmentPlan:
    return TreatmentPlan(plan_id, 1, 1, 1, START, status, items or (_item(),))


def test_an_accepted_item_keeps_the_engine_proposal() -> None:
    decided = decide(_plan(1, PlanStatus.ACCEPTED, _item(decision=ItemDecision.ACCEPTED)), START)
    assert decided.sessions_planned == 5
    assert [s.modality for s in decided.schedule] == [Modality.NONABLATIVE_FRACTIONAL_1550] * 5
    assert decided.schedule[1].on == START + dt.timedelta(weeks=4)


def test_an_override_changes_modality_sessions_and_the_schedule_follows() -> None:
    item = _item(
        decision=ItemDecision.OVERRIDDEN,
        chosen_modality=Modality.FRACTIONAL_ABLATIVE_CO2,
        chosen_sessions=2,
    )
    decided = decide(_plan(1, PlanStatus.ACCEPTED, item), START)
    (area,) = decided.areas
    assert area.overridden and area.modality is Modality.FRACTIONAL_ABLATIVE_CO2
    assert (area.sessions.min, area.sessions.expected, area.sessions.max) == (2, 2, 2)
    assert decided.sessions_planned == 2
    assert [(s.session, s.modality) for s in decided.schedule] == [
        (1, Modality.FRACTIONAL_ABLATIVE_CO2),
        (2, Modality.FRACTIONAL_ABLATIVE_CO2),
    ]
    assert decided.modality_for(Area.CHEEKS) is Modality.FRACTIONAL_ABLATIVE_CO2


def test_areas_with_one_modality_share_sessions() -> None:
    plan = _plan(
        1,
        PlanStatus.ACCEPTED,
        _item(Area.CHEEKS),
        _item(Area.FOREHEAD, sessions_expected=3),
    )
    schedule = decide(plan).schedule
    assert len(schedule) == 5
    assert schedule[0].areas == (Area.CHEEKS, Area.FOREHEAD)
    assert schedule[4].areas == (Area.CHEEKS,)


def test_the_plan_in_treatment_wins_over_a_newer_draft() -> None:
    accepted = _plan(1, PlanStatus.ACCEPTED)
    draft = _plan(2, PlanStatus.PROPOSED)
    assert current_plan([accepted, draft]) is accepted
    assert plan_in_treatment([accepted, draft]) is accepted


def test_without_a_plan_in_treatment_the_newest_live_plan_is_current() -> None:
    old = _plan(1, PlanStatus.PROPOSED)
    cancelled = _plan(3, PlanStatus.CANCELLED)
    newer = _plan(2, PlanStatus.PROPOSED)
    assert current_plan([old, cancelled, newer]) is newer
    assert plan_in_treatment([old, cancelled, newer]) is None


def test_the_newest_of_accepted_and_completed_plans_is_in_treatment() -> None:
    completed = _plan(1, PlanStatus.COMPLETED)
    accepted = _plan(2, PlanStatus.ACCEPTED)
    assert plan_in_treatment([accepted, completed]) is accepted
    assert current_plan([_plan(3, PlanStatus.CANCELLED)]) is None


def test_a_new_proposal_is_being_decided_beside_the_plan_in_treatment() -> None:
    accepted = _plan(1, PlanStatus.ACCEPTED)
    draft = _plan(2, PlanStatus.PROPOSED)
    assert plan_being_decided([accepted, draft]) is draft
    assert plan_being_decided([accepted]) is None
    assert plan_being_decided([draft, _plan(3, PlanStatus.CANCELLED)]) is None
