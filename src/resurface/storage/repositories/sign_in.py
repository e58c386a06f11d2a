"""Failed sign-in counts and second factors: the state signing in keeps between requests, in the
database so that every server process shares it and a restart keeps it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from resurface.domain.signin import FailureCount
from resurface.services.ports import SecondFactor
from resurface.storage.repositories._base import Repository
from resurface.storage.tables import second_factors, sign_in_failures


def _count(row: Any) -> FailureCount:
    return FailureCount(
        key=row.key,
        failures=row.failures,
        last_failure_at=row.last_failure_at,
        refused_until=row.refused_until,
    )


class SqlSignInFailures(Repository):
    def get(self, key: str) -> FailureCount | None:
        query = select(sign_in_failures).where(sign_in_failures.c.key == key)
        row = self.connection.execute(query).first()
        return _count(row) if row else None

    def save(self, count: FailureCount) -> None:
        """An upsert, so two processes counting the same key's first failure do not collide."""
        values = {
            "key": count.key,
            "failures": count.failures,
            "last_failure_at": count.last_failure_at,
            "refused_until": count.refused_until,
        }
        changed = {k: v for k, v in values.items() if k != "key"}
        dialect = self.connection.dialect.name
        if dialect == "postgresql":
            pg = postgresql.insert(sign_in_failures).values(**values)
            self.connection.execute(pg.on_conflict_do_update(index_elements=["key"], set_=changed))
        elif dialect == "sqlite":
            lite = sqlite.insert(sign_in_failures).values(**values)
            self.connection.execute(
                lite.on_conflict_do_update(index_elements=["key"], set_=changed)
            )
        else:  # pragma: no cover - Resurface runs on SQLite and PostgreSQL
            self.clear(count.key)
            self.connection.execute(insert(sign_in_failures).values(**values))

    def clear(self, key: str) -> None:
        self.connection.execute(delete(sign_in_failures).where(sign_in_failures.c.key == key))


def _factor(row: Any) -> SecondFactor:
    return SecondFactor(
        user_id=row.user_id,
        clinic_id=row.clinic_id,
        sealed_secret=row.sealed_secret,
        enrolled_at=row.enrolled_at,
        last_step=row.last_step,
    )


class SqlSecondFactors(Repository):
    def get(self, user_id: int) -> SecondFactor | None:
        query = select(second_factors).where(second_factors.c.user_id == user_id)
        row = self.connection.execute(query).first()
        return _factor(row) if row else None

    def add(self, record: SecondFactor) -> None:
        self.connection.execute(
            insert(second_factors).values(
                user_id=record.user_id,
                clinic_id=record.clinic_id,
                sealed_secret=record.sealed_secret,
                enrolled_at=record.enrolled_at,
                last_step=record.last_step,
            )
        )

    def use_step(self, user_id: int, step: int) -> bool:
        # One conditional update: of two requests with the same code, one wins.
        result = self.connection.execute(
            update(second_factors)
            .where(second_factors.c.user_id == user_id, second_factors.c.last_step < step)
            .values(last_step=step)
        )
        return result.rowcount == 1

    def delete(self, user_id: int) -> bool:
        result = self.connection.execute(
            delete(second_factors).where(second_factors.c.user_id == user_id)
        )
        return result.rowcount == 1

    def users_in(self, clinic_id: int) -> frozenset[int]:
        query = select(second_factors.c.user_id).where(second_factors.c.clinic_id == clinic_id)
        return frozenset(self.connection.execute(query).scalars())
