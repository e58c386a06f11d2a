"""Request keys: the first request under a key keeps it; a resend finds the record it made."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from resurface.storage.repositories._base import Repository
from resurface.storage.tables import request_keys


class SqlRequestKeys(Repository):
    def claim(self, scope: str, key: str, at: dt.datetime) -> int | None:
        values = {"scope": scope, "key": key, "created_at": at}
        # INSERT … ON CONFLICT DO NOTHING waits for a transaction in flight that holds the same
        # key (PostgreSQL: its row lock; SQLite: the write lock), then sees its committed row.
        dialect = postgresql if self.connection.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(request_keys).values(**values).on_conflict_do_nothing()
        inserted = self.connection.execute(statement.returning(request_keys.c.key)).first()
        if inserted is not None:
            return None
        # A request that committed under this key without making its record (it was refused
        # after an audited read) leaves the key unsettled: this request takes it over.
        unsettled = self.connection.execute(
            update(request_keys)
            .where(
                request_keys.c.scope == scope,
                request_keys.c.key == key,
                request_keys.c.record_id.is_(None),
            )
            .values(created_at=at)
        )
        if unsettled.rowcount == 1:
            return None
        row = self.connection.execute(
            select(request_keys.c.record_id).where(
                request_keys.c.scope == scope, request_keys.c.key == key
            )
        ).one()
        return int(row.record_id)

    def settle(self, scope: str, key: str, record_id: int) -> None:
        self.connection.execute(
            update(request_keys)
            .where(request_keys.c.scope == scope, request_keys.c.key == key)
            .values(record_id=record_id)
        )
