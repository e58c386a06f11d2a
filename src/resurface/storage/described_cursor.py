"""psycopg's cursor with a plainer ``description`` (the engine's, on PostgreSQL)."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.pq import ExecStatus

_ROWS = frozenset(
    status
    for status in (
        ExecStatus.TUPLES_OK,
        ExecStatus.SINGLE_TUPLE,
        getattr(ExecStatus, "TUPLES_CHUNK", ExecStatus.TUPLES_OK),
    )
)


class DescribedCursor(psycopg.Cursor[Any]):
    """``description`` is a tuple per column (its name, its type code and five ``None``, as the
    DB-API allows), where psycopg builds a ``Column`` object per column, looking its type up, at
    every statement. SQLAlchemy asks for it after every statement, reads only the names and type
    codes, and most often only whether there is one (a statement it has run before has its
    columns described already): psycopg's took a tenth of a chart read's CPU."""

    @property
    def description(self) -> list[tuple[Any, ...]] | None:  # type: ignore[override]
        result = self.pgresult
        if result is None or not (result.nfields or result.status in _ROWS):
            return None
        encoding = self.connection.info.encoding
        return [
            (_name(result.fname(i), i, encoding), result.ftype(i), None, None, None, None, None)
            for i in range(result.nfields)
        ]


def _name(given: bytes | None, index: int, encoding: str) -> str:
    return given.decode(encoding) if given else f"column_{index + 1}"
