"""The limits' counts in Redis (``RESURFACE_REDIS_URL``) instead of the database: refused link
tokens, link uses and failed sign-ins, shared by every server process on every machine that uses
the same Redis, and kept across restarts as far as that Redis keeps its data.

These are the same ports as :mod:`.throttles` and :mod:`.sign_in` (``Throttles``,
``SignInFailures``). Unlike the database, Redis does not share the unit of work's transaction:
a count is kept the moment it is made, whether or not the request that made it commits. The
use cases commit a count before they refuse, so nothing is counted differently.

Keys are spaced under ``resurface:`` and expire by themselves: a counted event after the longest
window (:data:`KEEP`), a failure count a day after its last failure or its wait, whichever is
later, so a Redis used only for these never grows without bound.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis

from resurface.domain.signin import FailureCount
from resurface.services.errors import Unavailable
from resurface.services.throttles import KEEP

PREFIX = "resurface:"
FAILURES_KEEP = dt.timedelta(days=1)


def client(url: str) -> redis.Redis:
    """A client for ``url`` (``redis://``, ``rediss://`` or ``unix://``); it connects on first
    use and keeps a pool of connections shared by the process's threads."""
    return redis.Redis.from_url(url, decode_responses=True, socket_timeout=5)


@contextmanager
def _answering() -> Iterator[None]:
    """Redis's failures as the use cases' :class:`Unavailable` (a 503, not a server error)."""
    try:
        yield
    except redis.RedisError as error:
        raise Unavailable(
            "the Redis that keeps the sign-in and link limits (RESURFACE_REDIS_URL) does not "
            "answer; try again in a moment"
        ) from error


def _stamp(at: dt.datetime) -> float:
    return at.timestamp()


def _moment(stamp: float | str) -> dt.datetime:
    return dt.datetime.fromtimestamp(float(stamp), dt.UTC)


class RedisThrottles:
    """Counted events as a sorted set per scope and key, scored by the time of each event."""

    def __init__(self, connection: redis.Redis) -> None:
        self.redis = connection

    @staticmethod
    def _name(scope: str, key: str) -> str:
        return f"{PREFIX}throttle:{scope}:{key}"

    def recent(self, scope: str, key: str, since: dt.datetime) -> tuple[int, dt.datetime | None]:
        with _answering():
            name, after = self._name(scope, key), f"({_stamp(since)}"
            pipe = self.redis.pipeline(transaction=True)
            pipe.zcount(name, after, "+inf")
            pipe.zrangebyscore(name, after, "+inf", start=0, num=1, withscores=True)
            count, oldest = pipe.execute()
            return int(count), _moment(oldest[0][1]) if oldest else None

    def add(self, scope: str, key: str, at: dt.datetime) -> None:
        with _answering():
            name = self._name(scope, key)
            member = f"{_stamp(at)}:{secrets.token_hex(6)}"  # two events at one instant are two
            pipe = self.redis.pipeline(transaction=True)
            pipe.zadd(name, {member: _stamp(at)})
            pipe.expire(name, int(KEEP.total_seconds()) + 60)
            pipe.execute()

    def forget_before(self, at: dt.datetime) -> int:
        with _answering():
            forgotten = 0
            for name in self.redis.scan_iter(match=f"{PREFIX}throttle:*", count=500):
                forgotten += int(self.redis.zremrangebyscore(name, "-inf", f"({_stamp(at)}"))
            return forgotten


class RedisSignInFailures:
    """Failed sign-ins per key as a Redis hash."""

    def __init__(self, connection: redis.Redis) -> None:
        self.redis = connection

    @staticmethod
    def _name(key: str) -> str:
        return f"{PREFIX}sign-in:{key}"

    def get(self, key: str) -> FailureCount | None:
        with _answering():
            fields: dict[str, Any] = self.redis.hgetall(self._name(key))  # type: ignore[assignment]
            if not fields:
                return None
            refused = fields.get("refused_until") or None
            return FailureCount(
                key=key,
                failures=int(fields["failures"]),
                last_failure_at=_moment(fields["last_failure_at"]),
                refused_until=_moment(refused) if refused else None,
            )

    def save(self, count: FailureCount) -> None:
        with _answering():
            name = self._name(count.key)
            until = count.refused_until or count.last_failure_at
            keep = max(until, count.last_failure_at) + FAILURES_KEEP - count.last_failure_at
            refused = _stamp(count.refused_until) if count.refused_until else ""
            pipe = self.redis.pipeline(transaction=True)
            pipe.delete(name)
            pipe.hset(name, "failures", count.failures)
            pipe.hset(name, "last_failure_at", _stamp(count.last_failure_at))
            pipe.hset(name, "refused_until", refused)
            pipe.expire(name, int(keep.total_seconds()))
            pipe.execute()

    def clear(self, key: str) -> None:
        with _answering():
            self.redis.delete(self._name(key))
