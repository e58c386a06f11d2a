"""What stops a session from being recorded: beyond the plan, too soon, an urgent alert, a
screening that deferred treatment."""

from __future__ import annotations

import datetime as dt

from resurface.domain.alerts import AlertStatus, ClinicAlert
from resurface.domain.chart import (
    AreaSettings,
    Consultation,
    ItemDecision,
    PlanItem,
    PlanStatus,
    ScreeningFinding,
    Span,
    TreatmentPlan,
    TreatmentSession,
)
from resurface.domain.codes import (
    AlertCode,
    Area,
    Concern,
    Contraindication,
    FitzpatrickType,
    Modality,
    ScreeningAction,
    Severity,
    Urgency,
)
from resurface.domain.intake import MedicalHistory
from resurface.domain.plans import decide
from resurface.domain.session_guards import Guard, session_guards

TODAY = dt.date(2026, 12, 5)
CO2 = Modality.FRACTIONAL_ABLATIVE_CO2


def _plan(sessions: int = 2) -> TreatmentPlan:
    item = PlanItem(
        Area.PERIORAL, Concern.WRINKLES, Severity.MODERATE, CO2, sessions, sessions, sessions,
        Span(4, 8), Span(5, 7), decision=ItemDecision.ACCEPTED,
    )  # fmt: skip
    return TreatmentPlan(7, 1, 1, 1, TODAY, PlanStatus.ACCEPTED, items=(item,))


def _session(days_ago: int) -> TreatmentSession:
    settings = (AreaSettings(Area.PERIORAL, CO2, 10600),)
    return TreatmentSession(0, 1, 1, 1, TODAY - dt.timedelta(days=days_ago), "CO2", settings, 7)


def _alert(status: AlertStatus, urgency: Urgency = Urgency.URGENT) -> ClinicAlert:
    return ClinicAlert(
        1, 1, 1, 1, AlertCode.POSSIBLE_INFECTION, urgency, 3,
        "possible infection: yellow crust with pain", "", dt.datetime(2026, 12, 4, tzinfo=dt.UTC),
        status=status,
    )  # fmt: skip


def test_the_first_session_of_a_plan_meets_no_guard() -> None:
    assert session_guards(decide(_plan()), [], TODAY, [], None) == ()


def test_a_session_beyond_the_plans_count_and_too_soon_is_stopped_twice() -> None:
    found = session_guards(decide(_plan(sessions=1)), [_session(3)], TODAY, [], None)
    assert [g.guard for g in found] == [Guard.BEYOND_PLAN, Guard.TOO_SOON]
    assert "this would be session 2" in found[0].message
    assert "3 days earlier" in found[1].message and "at least 4 weeks" in found[1].message
    assert not any(g.must_acknowledge for g in found)


def test_after_the_interval_the_next_planned_session_meets_no_guard() -> None:
    assert session_guards(decide(_plan()), [_session(28)], TODAY, [], None) == ()


def test_an_unacknowledged_urgent_alert_must_be_acknowledged_first() -> None:
    plan = decide(_plan())
    open_alert = session_guards(plan, [], TODAY, [_alert(AlertStatus.OPEN)], None)
    assert [(g.guard, g.must_acknowledge) for g in open_alert] == [(Guard.URGENT_ALERT, True)]
    seen = session_guards(plan, [], TODAY, [_alert(AlertStatus.ACKNOWLEDGED)], None)
    assert [(g.guard, g.must_acknowledge) for g in seen] == [(Guard.URGENT_ALERT, False)]
    assert session_guards(plan, [], TODAY, [_alert(AlertStatus.CLOSED)], None) == ()
    assert session_guards(plan, [], TODAY, [_alert(AlertStatus.OPEN, Urgency.SOON)], None) == ()


def test_a_screening_that_deferred_treatment_is_a_guard() -> None:
    deferred = ScreeningFinding(
        Contraindication.ISOTRETINOIN_RECENT, ScreeningAction.DEFER, (CO2,),
        "isotretinoin in the last 6 months", "Spring 2017",
    )  # fmt: skip
    consultation = Consultation(
        1, 1, 1, 1, TODAY, (), MedicalHistory(), FitzpatrickType.II, False, (deferred,)
    )
    found = session_guards(decide(_plan()), [], TODAY, [], consultation)
    assert [g.guard for g in found] == [Guard.TREATMENT_DEFERRED]
    assert "isotretinoin" in found[0].message
