"""What recording a session schedules: check-ins on the rule base's days, the next session after
the plan's interval while sessions remain."""

from __future__ import annotations

import datetime as dt

from resurface.domain.chart import (
    AreaSettings,
    ItemDecision,
    PlanItem,
    PlanStatus,
    Span,
    TreatmentPlan,
    TreatmentSession,
)
from resurface.domain.codes import Area, Concern, Modality, Severity
from resurface.domain.rulebase import ModalityFamily, Provenance, RecoveryRules
from resurface.domain.scheduling import checkin_days, follow_up

RULES = RecoveryRules(
    course_days=90,
    profiles={},
    skin_type_healing_factor={},
    skin_type_provenance=Provenance(),
    checkin_days={
        ModalityFamily.FULLY_ABLATIVE: (1, 2, 7),
        ModalityFamily.FRACTIONAL_ABLATIVE: (1, 3, 7),
        ModalityFamily.NONABLATIVE: (2, 14),
    },
)
DAY = dt.date(2026, 3, 2)
CO2 = Modality.FRACTIONAL_ABLATIVE_CO2
NAF = Modality.NONABLATIVE_FRACTIONAL_1550


def item(area: Area, modality: Modality, sessions: int, interval_min: float) -> PlanItem:
    return PlanItem(
        area, Concern.WRINKLES, Severity.MODERATE, modality, 1, sessions, sessions + 1,
        Span(interval_min, interval_min + 4), Span(2, 5), decision=ItemDecision.ACCEPTED,
    )  # fmt: skip


def plan(*items: PlanItem) -> TreatmentPlan:
    return TreatmentPlan(7, 1, 1, 1, DAY, PlanStatus.ACCEPTED, items)


def session(sid: int, on: dt.date, *areas: tuple[Area, Modality]) -> TreatmentSession:
    return TreatmentSession(
        sid, 1, 1, 1, on, "dev", tuple(AreaSettings(a, m, 10600) for a, m in areas), plan_id=7
    )


def test_checkin_days_merge_the_families_treated() -> None:
    assert checkin_days(RULES, [CO2]) == (1, 3, 7)
    assert checkin_days(RULES, [CO2, NAF, CO2]) == (1, 2, 3, 7, 14)
    assert checkin_days(RULES, []) == ()


def test_next_session_after_the_longest_minimum_interval_of_what_remains() -> None:
    the_plan = plan(item(Area.PERIORAL, CO2, 3, 4), item(Area.NECK, CO2, 2, 6))
    first = session(1, DAY, (Area.PERIORAL, CO2), (Area.NECK, CO2))
    result = follow_up(RULES, the_plan, [first], first)
    assert result.checkins == (DAY + dt.timedelta(1), DAY + dt.timedelta(3), DAY + dt.timedelta(7))
    assert result.next_session == DAY + dt.timedelta(weeks=6)
    assert result.sessions_remaining == 2


def test_no_next_session_once_every_item_is_done() -> None:
    the_plan = plan(item(Area.PERIORAL, CO2, 2, 4))
    first = session(1, DAY, (Area.PERIORAL, CO2))
    second = session(2, DAY + dt.timedelta(weeks=5), (Area.PERIORAL, CO2))
    result = follow_up(RULES, the_plan, [first, second], second)
    assert result.next_session is None and result.sessions_remaining == 0


def test_an_override_of_the_session_count_is_followed() -> None:
    overridden = PlanItem(
        Area.PERIORAL, Concern.WRINKLES, Severity.MODERATE, CO2, 1, 1, 2, Span(4, 8), Span(2, 5),
        decision=ItemDecision.OVERRIDDEN, chosen_sessions=3, override_reason="deep lines",
    )  # fmt: skip
    first = session(1, DAY, (Area.PERIORAL, CO2))
    result = follow_up(RULES, plan(overridden), [first], first)
    assert result.sessions_remaining == 2 and result.next_session == DAY + dt.timedelta(weeks=4)


def test_checkin_days_already_past_are_left_out() -> None:
    the_plan = plan(item(Area.PERIORAL, CO2, 1, 4))
    late = session(1, DAY, (Area.PERIORAL, CO2))
    result = follow_up(RULES, the_plan, [late], late, not_before=DAY + dt.timedelta(days=2))
    assert result.checkins == (DAY + dt.timedelta(3), DAY + dt.timedelta(7))


def test_sessions_of_another_plan_do_not_count() -> None:
    the_plan = plan(item(Area.PERIORAL, CO2, 2, 4))
    other = TreatmentSession(9, 1, 1, 1, DAY, "dev", (AreaSettings(Area.PERIORAL, CO2, 10600),))
    first = session(1, DAY + dt.timedelta(days=1), (Area.PERIORAL, CO2))
    assert follow_up(RULES, the_plan, [other, first], first).sessions_remaining == 1


# --- the appointment book: the next session's window and a series ---------------------------


def test_the_next_session_window_runs_from_the_minimum_to_the_maximum_interval() -> None:
    from resurface.domain.scheduling import next_session_window, remaining_sessions

    plan = _book_plan(sessions=3, weeks=(4, 8))
    first = _book_session(plan, dt.date(2026, 3, 2))
    window = next_session_window(plan, [first])
    assert window is not None
    assert (window.earliest, window.latest, window.remaining) == (
        dt.date(2026, 3, 30), dt.date(2026, 4, 27), 2,
    )  # fmt: skip
    assert window.holds(dt.date(2026, 4, 10)) and not window.holds(dt.date(2026, 3, 29))
    assert remaining_sessions(plan, [first]) == 2
    assert next_session_window(plan, []) is None
    done = [_book_session(plan, dt.date(2026, 3, 2) + dt.timedelta(weeks=4 * i)) for i in range(3)]
    assert next_session_window(plan, done) is None


def test_a_series_is_spaced_by_the_plans_minimum_interval() -> None:
    from resurface.domain.scheduling import series_days, series_interval

    plan = _book_plan(sessions=3, weeks=(4.5, 8))
    assert series_interval(plan, []) == dt.timedelta(weeks=5)
    days = series_days(dt.date(2026, 3, 2), 3, dt.timedelta(weeks=5))
    assert days == (dt.date(2026, 3, 2), dt.date(2026, 4, 6), dt.date(2026, 5, 11))


def _book_plan(sessions: int, weeks: tuple[float, float]) -> TreatmentPlan:
    one = PlanItem(
        Area.PERIORAL, Concern.WRINKLES, Severity.MODERATE, CO2, 1, sessions, sessions + 1,
        Span(*weeks), Span(2, 5), decision=ItemDecision.ACCEPTED,
    )  # fmt: skip
    return plan(one)


def _book_session(the_plan: TreatmentPlan, on: dt.date) -> TreatmentSession:
    return session(on.toordinal(), on, (Area.PERIORAL, CO2))
