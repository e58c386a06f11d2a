from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, insert, select, update

from resurface.domain.signin import SessionStage
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
        last_seen_at=row.last_seen_at,
        user_agent=row.user_agent,
        stage=SessionStage(row.stage),
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
                last_seen_at=session.last_seen,
                user_agent=session.user_agent,
                stage=session.stage.value,
            )
        )

    def get(self, token_hash: str) -> WebSession | None:
        query = select(web_sessions).where(web_sessions.c.token_hash == token_hash)
        row = self.connection.execute(query).first()
        return _session(row) if row else None

    def of_user(self, user_id: int) -> list[WebSession]:
        query = (
            select(web_sessions)
            .where(web_sessions.c.user_id == user_id)
            .order_by(web_sessions.c.created_at.desc(), web_sessions.c.token_hash)
        )
        return [_session(row) for row in self.connection.execute(query)]

    def seen(self, token_hash: str, at: dt.datetime) -> None:
        self.connection.execute(
            update(web_sessions)
            .where(web_sessions.c.token_hash == token_hash)
            .values(last_seen_at=at)
        )

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
