"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

INT4_MAX = 2**31 - 1
"""The largest id a record can have: ids are 4-byte integers on PostgreSQL."""


class RecordId(TypeDecorator[int]):
    """A record's id, or a reference to one. An id outside the 4-byte range cannot name a
    record, so it is looked up as 0, an id no record has: the query finds nothing, as for any
    unknown id, on both databases (PostgreSQL would refuse it and SQLite overflow past 2^63)."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: Dialect) -> int | None:
        if value is None or -INT4_MAX <= value <= INT4_MAX:
            return value
        return 0


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out (SQLite alone would hand back naive times)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC time is needed")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
