"""What every repository shares: the connection of the current unit of work, and the clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Table, insert


class Repository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _insert(self, table: Table, values: dict[str, Any]) -> int:
        result = self.connection.execute(insert(table).values(**values).returning(table.c.id))
        return int(result.scalar_one())


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
