"""The decided plan: what the clinic will actually do, once the clinician has decided each item.

The engine proposes (``planning.propose_treatment``) and the clinician accepts or overrides each
item (``chart.PlanItem``). Everything downstream — the chart's summary, the plan page's schedule,
the session form's "session 1 of 2", the re-estimate of results and the patient list's stage —
reads the decided values from here, never the engine's original proposal, so an override shows
the same everywhere.

Which plan is the patient's current one is also decided once, here: the newest accepted or
completed plan is the one *in treatment*; without one, the newest plan not cancelled is the one
*being decided*. "Newest" is the highest id (plans are numbered as they are saved; two plans may
share a ``created_on`` day).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from resurface.domain.chart import ItemDecision, PlanItem, PlanStatus, Span, TreatmentPlan
from resurface.domain.codes import Area, Concern, Modality
from resurface.domain.planning import build_schedule

IN_TREATMENT = (PlanStatus.ACCEPTED, PlanStatus.COMPLETED)


@dataclass(frozen=True)
class SessionCount:
    min: int
    expected: int
    max: int


@dataclass(frozen=True)
class DecidedArea:
    """One item as decided: the clinician's modality and session count when overridden."""

    area: Area
    concern: Concern
    modality: Modality
    sessions: SessionCount
    interval_weeks: Span
    overridden: bool


@dataclass(frozen=True)
class DecidedSession:
    """One visit of the decided schedule: the areas treated with one modality that day."""

    session: int
    week: int
    modality: Modality
    areas: tuple[Area, ...]
    on: dt.date | None = None


@dataclass(frozen=True)
class DecidedPlan:
    plan: TreatmentPlan
    areas: tuple[DecidedArea, ...]
    schedule: tuple[DecidedSession, ...]

    @property
    def sessions_planned(self) -> int:
        """Sessions in the series: compatible areas are treated together, so the largest item."""
        return max((a.sessions.expected for a in self.areas), default=0)

    def modality_for(self, area: Area) -> Modality | None:
        return next((a.modality for a in self.areas if a.area is area), None)


def decided_area(item: PlanItem) -> DecidedArea:
    """An override replaces the modality and, when given, the session count: the clinician chose
    one number, so it is the minimum, the expectation and the maximum alike."""
    overridden = item.decision is ItemDecision.OVERRIDDEN
    if overridden and item.chosen_sessions:
        n = item.chosen_sessions
        sessions = SessionCount(n, n, n)
    else:
        sessions = SessionCount(item.sessions_min, item.sessions_expected, item.sessions_max)
    return DecidedArea(
        item.area, item.concern, item.modality, sessions, item.interval_weeks, overridden
    )


def decide(plan: TreatmentPlan, start: dt.date | None = None) -> DecidedPlan:
    """The plan as decided, with its schedule counted from ``start`` when given."""
    areas = tuple(decided_area(item) for item in plan.items)
    return DecidedPlan(plan, areas, schedule(areas, start))


def schedule(
    areas: Iterable[DecidedArea], start: dt.date | None = None
) -> tuple[DecidedSession, ...]:
    """The schedule of ``planning.build_schedule`` on the decided values, dated from ``start``."""
    return tuple(
        DecidedSession(
            s.session,
            s.week,
            s.modality,
            s.areas,
            start + dt.timedelta(weeks=s.week) if start is not None else None,
        )
        for s in build_schedule(tuple(areas))
    )


def plan_in_treatment(plans: Iterable[TreatmentPlan]) -> TreatmentPlan | None:
    """The newest accepted or completed plan: the one sessions are recorded against."""
    live = [p for p in plans if p.status in IN_TREATMENT]
    return max(live, key=lambda p: p.id) if live else None


def current_plan(plans: Iterable[TreatmentPlan]) -> TreatmentPlan | None:
    """The patient's current plan: the one in treatment, else the newest not cancelled (the one
    being decided)."""
    plans = tuple(plans)
    in_treatment = plan_in_treatment(plans)
    if in_treatment is not None:
        return in_treatment
    live = [p for p in plans if p.status is not PlanStatus.CANCELLED]
    return max(live, key=lambda p: p.id) if live else None


def plan_being_decided(plans: Iterable[TreatmentPlan]) -> TreatmentPlan | None:
    """A proposal newer than the plan in treatment, still awaiting the clinician's decisions
    (the plan page shows it in place of the current plan until it is accepted)."""
    plans = tuple(plans)
    in_treatment = plan_in_treatment(plans)
    newest = max((p.id for p in plans), default=0)
    proposed = [p for p in plans if p.status is PlanStatus.PROPOSED and p.id == newest]
    if not proposed or (in_treatment is not None and in_treatment.id > proposed[0].id):
        return None
    return proposed[0]
