from __future__ import annotations

import datetime as dt
from collections import namedtuple
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from resurface.domain.signin import SessionStage
from resurface.services.ports import SessionHolder, WebSession
from resurface.storage.repositories._base import Repository
from resurface.storage.repositories.clinics import clinic_of_row
from resurface.storage.repositories.users import user_of_row
from resurface.storage.tables import clinics, second_factors, users, web_sessions


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


def _labelled(prefix: str, columns: Any) -> list[Any]:
    return [column.label(prefix + column.name) for column in columns]


_HOLDER = (
    select(
        *_labelled("s_", web_sessions.c),
        *_labelled("u_", users.c),
        *_labelled("c_", clinics.c),
        second_factors.c.user_id.label("factor_of"),
    )
    .join(
        users,
        (users.c.id == web_sessions.c.user_id) & (users.c.clinic_id == web_sessions.c.clinic_id),
    )
    .join(clinics, clinics.c.id == web_sessions.c.clinic_id)
    .outerjoin(second_factors, second_factors.c.user_id == users.c.id)
    .where(web_sessions.c.token_hash == bindparam("token_hash"))
)
"""Built once: every signed-in request runs it (building a statement costs more than running
this one)."""


def _parts(*tables: Any) -> list[tuple[Any, slice]]:
    """For each table of :data:`_HOLDER`, in the order it selects them: a named tuple of the
    table's columns (read by name, as the ``*_of_row`` functions do) and where they sit in the
    row. Built once: slicing the row is cheaper than looking up each labelled column."""
    parts, start = [], 0
    for table in tables:
        names = [column.name for column in table.c]
        parts.append((namedtuple(f"{table.name}_row", names), slice(start, start + len(names))))
        start += len(names)
    return parts


(_SESSION, _AT_SESSION), (_USER, _AT_USER), (_CLINIC, _AT_CLINIC) = _parts(
    web_sessions, users, clinics
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

    def with_holder(self, token_hash: str) -> SessionHolder | None:
        row = self.connection.execute(_HOLDER, {"token_hash": token_hash}).first()
        if row is None:
            return None
        return SessionHolder(
            _session(_SESSION._make(row[_AT_SESSION])),
            user_of_row(_USER._make(row[_AT_USER])),
            clinic_of_row(_CLINIC._make(row[_AT_CLINIC])),
            has_second_factor=row.factor_of is not None,
        )

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
