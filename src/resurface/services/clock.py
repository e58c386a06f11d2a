"""The clinic's clock, one for every use case: records, audit events and "today" read it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from resurface.domain.people import Clinic, clinic_zone


@dataclass(frozen=True)
class Clock:
    """The clinic's clock: ``now()`` is an aware UTC instant, ``today()`` the date in the server's
    time zone (``RESURFACE_TIMEZONE``), ``today_of(clinic)`` the date in the clinic's own time zone
    when it set one. ``fixed`` pins the clock (tests, and the demo's story told on chosen days)."""

    zone: dt.tzinfo = dt.UTC
    fixed: dt.datetime | None = None

    def now(self) -> dt.datetime:
        return self.fixed if self.fixed is not None else dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        return self.now().astimezone(self.zone).date()

    def zone_of(self, clinic: Clinic) -> dt.tzinfo:
        """The clinic's time zone, else the server's."""
        return clinic_zone(clinic, self.zone)

    def today_of(self, clinic: Clinic) -> dt.date:
        return self.now().astimezone(self.zone_of(clinic)).date()

    def at(self, moment: dt.datetime) -> Clock:
        """The same clock pinned to ``moment``."""
        return Clock(self.zone, moment)
