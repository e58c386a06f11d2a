"""Throttle counters: one row per counted event."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, insert, select

from resurface.storage.repositories._base import Repository
from resurface.storage.tables import throttle_events


class SqlThrottles(Repository):
    def recent(self, scope: str, key: str, since: dt.datetime) -> tuple[int, dt.datetime | None]:
        table = throttle_events
        row = self.connection.execute(
            select(func.count(), func.min(table.c.at)).where(
                table.c.scope == scope, table.c.key == key, table.c.at > since
            )
        ).one()
        return int(row[0]), row[1]

    def add(self, scope: str, key: str, at: dt.datetime) -> None:
        self.connection.execute(insert(throttle_events).values(scope=scope, key=key, at=at))

    def forget_before(self, at: dt.datetime) -> int:
        result = self.connection.execute(delete(throttle_events).where(throttle_events.c.at < at))
        return int(result.rowcount)
