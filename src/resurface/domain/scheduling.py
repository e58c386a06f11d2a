"""What to schedule after a treatment session: the recovery check-ins and the next session.

Check-in days come from the clinic's rule base (``recovery.yaml`` ``checkin_days``, one list per
modality family). The next session follows the plan: an item that still has sessions to go is
next treated no sooner than the minimum of its interval, as in the proposed schedule
(``planning.build_schedule``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from resurface.domain.chart import PlanItem, TreatmentPlan, TreatmentSession
from resurface.domain.codes import Area, Modality
from resurface.domain.rulebase import ModalityFamily, RecoveryRules


@dataclass(frozen=True)
class ItemProgress:
    """How far one plan item has come: sessions that treated its area under this plan."""

    position: int
    item: PlanItem
    done: int

    @property
    def remaining(self) -> int:
        return max(self.item.sessions_planned - self.done, 0)


@dataclass(frozen=True)
class FollowUp:
    """What recording a session schedules."""

    checkins: tuple[dt.date, ...]
    next_session: dt.date | None
    progress: tuple[ItemProgress, ...]

    @property
    def sessions_remaining(self) -> int:
        """Sessions left in the series: areas are treated together, so the largest remainder."""
        return max((p.remaining for p in self.progress), default=0)


def checkin_days(rules: RecoveryRules, modalities: Iterable[Modality]) -> tuple[int, ...]:
    """Every check-in day of the families treated, in order (the gentler lists are subsets in
    practice, but a clinic may set them otherwise, so the days are merged)."""
    days: set[int] = set()
    for modality in modalities:
        days.update(rules.checkin_days.get(ModalityFamily.of(modality), ()))
    return tuple(sorted(days))


def item_progress(
    plan: TreatmentPlan, sessions: Sequence[TreatmentSession]
) -> tuple[ItemProgress, ...]:
    """For each item of the plan, the sessions under the plan that treated the item's area."""
    mine = [s for s in sessions if s.plan_id == plan.id]
    return tuple(
        ItemProgress(
            position,
            item,
            sum(1 for s in mine if any(a.area is item.area for a in s.areas)),
        )
        for position, item in enumerate(plan.items)
    )


def follow_up(
    rules: RecoveryRules,
    plan: TreatmentPlan,
    sessions: Sequence[TreatmentSession],
    session: TreatmentSession,
    not_before: dt.date | None = None,
) -> FollowUp:
    """Check-ins and the next session after ``session`` (already included in ``sessions``).

    Check-in days before ``not_before`` (e.g. today, for a session recorded late) are left out:
    nobody can check in on a day that has passed. The next session is due after the longest
    minimum interval among the items treated today that still have sessions to go; when only
    untreated items remain, after the longest minimum interval of today's items (the skin heals
    before the next modality starts).
    """
    performed = session.performed_on
    days = checkin_days(rules, (a.modality for a in session.areas))
    dates = tuple(performed + dt.timedelta(days=d) for d in days)
    if not_before is not None:
        dates = tuple(d for d in dates if d >= not_before)
    progress = item_progress(plan, sessions)
    treated: set[Area] = {a.area for a in session.areas}
    pending = [p for p in progress if p.remaining > 0]
    if not pending:
        return FollowUp(dates, None, progress)
    treated_pending = [p for p in pending if p.item.area in treated]
    basis = treated_pending or [p for p in progress if p.item.area in treated] or pending
    weeks = max(math.ceil(p.item.interval_weeks.min) for p in basis)
    return FollowUp(dates, performed + dt.timedelta(weeks=weeks), progress)


@dataclass(frozen=True)
class SessionWindow:
    """When the next session of a plan may be booked: from ``earliest`` to ``latest`` inclusive
    (the plan's interval after the last session), and how many sessions are still to come."""

    earliest: dt.date
    latest: dt.date
    remaining: int

    def holds(self, day: dt.date) -> bool:
        return self.earliest <= day <= self.latest


def next_session_window(
    plan: TreatmentPlan, sessions: Sequence[TreatmentSession]
) -> SessionWindow | None:
    """The window of the plan's next session after its latest recorded one, or None when the
    plan has no session yet or none to go. The same items as ``follow_up`` set the interval:
    its minimum opens the window (as ``follow_up`` books), its maximum closes it."""
    mine = sorted((s for s in sessions if s.plan_id == plan.id), key=lambda s: s.performed_on)
    if not mine:
        return None
    last = mine[-1]
    progress = item_progress(plan, mine)
    pending = [p for p in progress if p.remaining > 0]
    if not pending:
        return None
    treated: set[Area] = {a.area for a in last.areas}
    treated_pending = [p for p in pending if p.item.area in treated]
    basis = treated_pending or [p for p in progress if p.item.area in treated] or pending
    low = max(math.ceil(p.item.interval_weeks.min) for p in basis)
    high = max(low, max(math.ceil(p.item.interval_weeks.max) for p in basis))
    remaining = max(p.remaining for p in pending)
    performed = last.performed_on
    return SessionWindow(
        performed + dt.timedelta(weeks=low), performed + dt.timedelta(weeks=high), remaining
    )


def remaining_sessions(plan: TreatmentPlan, sessions: Sequence[TreatmentSession]) -> int:
    """Sessions still to come under the plan (areas are treated together: the largest rest)."""
    return max((p.remaining for p in item_progress(plan, sessions)), default=0)


def series_interval(plan: TreatmentPlan, sessions: Sequence[TreatmentSession]) -> dt.timedelta:
    """How far apart a series of the plan's remaining sessions is booked: the longest minimum
    interval of the items still to go, as the proposed schedule spaces them."""
    pending = [p for p in item_progress(plan, sessions) if p.remaining > 0]
    weeks = max((math.ceil(p.item.interval_weeks.min) for p in pending), default=1)
    return dt.timedelta(weeks=max(weeks, 1))


def series_days(first: dt.date, count: int, interval: dt.timedelta) -> tuple[dt.date, ...]:
    """The days of a series of ``count`` sessions from ``first``, ``interval`` apart."""
    return tuple(first + interval * i for i in range(count))
