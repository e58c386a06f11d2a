from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, insert, select

from resurface.services.ports import WebSession
from resurface.storage.repositories._base import Repository
from resurface.storage.tables import web_sessions


def _session(row: Any) -> WebSession:
    return WebSession(
        token_hash=row.token_hash,
        user_id=row.user_id,
        clinic_id=row.clinic_id,
        csrf_token=row.csrf_token,
        created_at=row.created_at,
        expires_at=row.expires_at,
        source=row.source,
    )


class SqlWebSessions(Repository):
    def add(self, session: WebSession) -> None:
        self.connection.execute(
            insert(web_sessions).values(
                token_hash=session.token_hash,
                user_id=session.user_id,
                clinic_id=session.clinic_id,
                csrf_token=session.csrf_token,
                created_at=session.created_at,
                expires_at=session.expires_at,
                source=session.source,
            )
        )

    def get(self, token_hash: str) -> WebSession | None:
        query = select(web_sessions).where(web_sessions.c.token_hash == token_hash)
        row = self.connection.execute(query).first()
        return _session(row) if row else None

    def delete(self, token_hash: str) -> None:
        self.connection.execute(delete(web_sessions).where(web_sessions.c.token_hash == token_hash))

    def delete_for_user(self, user_id: int, *, keep: str = "") -> int:
        """End every session of the user but the one whose hash is ``keep``; how many ended."""
        result = self.connection.execute(
            delete(web_sessions).where(
                web_sessions.c.user_id == user_id, web_sessions.c.token_hash != keep
            )
        )
        return result.rowcount

    def delete_expired(self, now: dt.datetime) -> int:
        result = self.connection.execute(
            delete(web_sessions).where(web_sessions.c.expires_at <= now)
        )
        return result.rowcount
