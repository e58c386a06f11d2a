"""The context's clock: one "now" for records and audit events, "today" in the clinic's zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from resurface.services import audit
from resurface.services.clock import Clock
from tests.support.contexts import fake_context

AUCKLAND = ZoneInfo("Pacific/Auckland")


def test_today_is_the_clinics_date_not_utcs() -> None:
    late_evening_utc = dt.datetime(2026, 6, 10, 20, 0, tzinfo=dt.UTC)  # 08:00 on 11 June there
    clock = Clock(AUCKLAND, late_evening_utc)
    assert clock.today() == dt.date(2026, 6, 11)
    assert Clock(dt.UTC, late_evening_utc).today() == dt.date(2026, 6, 10)


def test_a_pinned_context_stamps_its_audit_events_with_its_own_clock() -> None:
    ctx, db = fake_context(now=None)
    moment = dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.UTC)
    with ctx.at(moment).uow() as uow:
        audit.record(uow, None, "demo_loaded", "clinic", "*")
        uow.commit()
    assert [event.entry.at for event in db.state.audit] == [moment]


def test_pinning_leaves_the_original_context_on_the_real_clock() -> None:
    ctx, _ = fake_context(now=None)
    pinned = ctx.at(dt.datetime(2025, 1, 2, tzinfo=dt.UTC))
    assert pinned.clock.today() == dt.date(2025, 1, 2)
    assert ctx.clock.fixed is None
