"""The engine's psycopg connections (PostgreSQL): a cursor with a plainer ``description``, and
a transaction begun just before a unit of work that read outside one writes."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any, overload

import psycopg
from psycopg.pq import ExecStatus
from psycopg.pq.abc import PGresult
from sqlalchemy import Connection

from resurface.storage.database import READS_OUTSIDE

_ROWS = frozenset(
    {
        ExecStatus.TUPLES_OK,
        ExecStatus.SINGLE_TUPLE,
        getattr(ExecStatus, "TUPLES_CHUNK", ExecStatus.TUPLES_OK),
    }
)

Described = tuple[str, int, None, None, None, None, None]
"""A column as the DB-API describes it: its name, its type code and five ``None``."""


class DescribedCursor(psycopg.Cursor[Any]):
    """``description`` names the result's columns only when asked for them, where psycopg builds
    a ``Column`` object per column, looking its type up, at every statement. SQLAlchemy asks for
    the description after every statement, and for a statement it has run before, whose columns
    it knows, only looks whether there is one: psycopg's took a tenth of a chart read's CPU."""

    @property
    def description(self) -> Sequence[Described] | None:  # type: ignore[override]
        result = self.pgresult
        if result is None or not (result.nfields or result.status in _ROWS):
            return None
        return Columns(result, self.connection)


class Columns(Sequence[Described]):
    """The columns of ``result``, named when first looked at."""

    __slots__ = ("_connection", "_described", "_result")

    def __init__(self, result: PGresult, connection: psycopg.Connection[Any]) -> None:
        self._result = result
        self._connection = connection
        self._described: list[Described] | None = None

    def __len__(self) -> int:
        return self._result.nfields

    @overload
    def __getitem__(self, index: int) -> Described: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Described]: ...
    def __getitem__(self, index: int | slice) -> Described | Sequence[Described]:
        if self._described is None:
            self._described = self._describe()
        return self._described[index]

    def _describe(self) -> list[Described]:
        result, encoding = self._result, self._connection.info.encoding
        return [
            (_name(result.fname(i), i, encoding), result.ftype(i), None, None, None, None, None)
            for i in range(result.nfields)
        ]


def _name(given: bytes | None, index: int, encoding: str) -> str:
    return given.decode(encoding) if given else f"column_{index + 1}"


_LOCKS = re.compile(r"\bFOR (UPDATE|NO KEY UPDATE|SHARE|KEY SHARE)\b")


@functools.lru_cache(maxsize=1024)
def _locks_rows(statement: str) -> bool:
    """Whether a SELECT locks rows. Kept per statement: the engine sends the same compiled
    statements (the same string objects, their hash kept) again and again, and the search
    through the chart read's 3,900 characters cost about 0.06 ms each time."""
    return _LOCKS.search(statement) is not None


def begin_before_writing(
    connection: Connection, cursor: psycopg.Cursor[Any], statement: str, *_args: object
) -> None:
    """The engine's ``before_cursor_execute``: a unit of work reading outside a transaction
    (``database.reads_outside_transactions``) begins one before any statement but a plain
    SELECT (the careful side: anything else may write), a SELECT that locks rows, or one read
    through a server-side cursor (``DECLARE``, which only lives in a transaction)."""
    driver = cursor.connection
    if not (driver.autocommit and connection.info.get(READS_OUTSIDE)):
        return
    if (
        not statement.startswith("SELECT")
        or isinstance(cursor, psycopg.ServerCursor)
        or _locks_rows(statement)
    ):
        driver.autocommit = False  # psycopg sends BEGIN before the statement
