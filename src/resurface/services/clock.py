"""The clinic's clock, one for every use case: records, audit events and "today" read it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Clock:
    """The clinic's clock: ``now()`` is an aware UTC instant, ``today()`` the date in the clinic's
    time zone. ``fixed`` pins the clock (tests, and the demo's story told on chosen days)."""

    zone: dt.tzinfo = dt.UTC
    fixed: dt.datetime | None = None

    def now(self) -> dt.datetime:
        return self.fixed if self.fixed is not None else dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        return self.now().astimezone(self.zone).date()

    def at(self, moment: dt.datetime) -> Clock:
        """The same clock pinned to ``moment``."""
        return Clock(self.zone, moment)
