"""What every repository shares: the connection of the current unit of work, and the clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict
from enum import Enum
from typing import Any

from sqlalchemy import Column, Connection, Select, Table, bindparam, insert, select


class Repository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _insert(self, table: Table, values: dict[str, Any]) -> int:
        result = self.connection.execute(insert(table).values(**values).returning(table.c.id))
        return int(result.scalar_one())


def of_clinic(table: Table, *order_by: Column[Any]) -> Select[Any]:
    """``table``'s rows of the clinic given as ``clinic_id`` when run: built once, at import,
    by the repositories whose reads every page makes (building a statement costs more CPU
    than running it)."""
    return select(table).where(table.c.clinic_id == bindparam("clinic_id")).order_by(*order_by)


def with_total(first: Select[Any], count: Select[Any]) -> Select[Any]:
    """``first`` (a page of rows) with ``count`` (how many there are in all) on each row as
    ``total``: one round trip, not two. The count is a subquery that does not depend on the row,
    so the database runs it once (on its index, as alone). Read with :func:`rows_and_total`."""
    # correlate(None): the count stands alone even where it reads the page's own table
    return first.add_columns(count.correlate(None).scalar_subquery().label("total"))


def rows_and_total(rows: Sequence[Any]) -> tuple[Sequence[Any], int]:
    """The rows of a :func:`with_total` query and the total; no row means none in all (the
    page's rows are among those counted)."""
    return rows, int(rows[0].total) if rows else 0


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def values_of(record: object, *drop: str) -> dict[str, Any]:
    """A record's fields as column values: enums by value, ``id`` and ``drop`` left out."""
    values = asdict(record)  # type: ignore[call-overload]
    for name in ("id", *drop):
        values.pop(name, None)
    return {k: (v.value if isinstance(v, Enum) else v) for k, v in values.items()}
