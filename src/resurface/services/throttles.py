"""Limits on how often one client or one link may do something in a sliding window.

The events are counted in the database (``UnitOfWork.throttles``), so every server process sees
the same counts and a restart forgets nothing. A key is stored as an HMAC keyed with the server's
secret: the table holds no client addresses and no link tokens (an unkeyed hash of an IPv4
address is reversed by trying all four billion).

Counting is not one atomic step: two processes may both pass a limit's last free place at the
same moment, so a limit can be passed by about as many events as run at once. A limit here is a
brake on floods, not an exact quota.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from resurface.services.errors import Throttled
from resurface.services.ports import UnitOfWork

if TYPE_CHECKING:
    from resurface.services.context import Context

KEEP = dt.timedelta(days=1)
"""How long a counted event is kept; no limit may have a longer window."""


@dataclass(frozen=True)
class Limit:
    """At most ``most`` events per key in any ``window``."""

    scope: str
    most: int
    window: dt.timedelta

    def __post_init__(self) -> None:
        if not (
            dt.timedelta(0) < self.window <= KEEP and self.most >= 1 and 0 < len(self.scope) <= 40
        ):
            raise ValueError(f"not a usable limit: {self}")


def wait_seconds(
    limit: Limit, count: int, oldest: dt.datetime | None, now: dt.datetime
) -> int | None:
    """Seconds until ``limit`` admits another event, given ``count`` events in the window (the
    oldest at ``oldest``); ``None`` when it admits one now."""
    if count < limit.most or oldest is None:
        return None
    wait = (oldest + limit.window - now).total_seconds()
    return max(1, math.ceil(wait))


def key_of(secret: str, limit: Limit, value: str) -> str:
    message = f"resurface-throttle|{limit.scope}|{value}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def hit_in(uow: UnitOfWork, secret: str, limit: Limit, value: str, now: dt.datetime) -> None:
    """Count one event for ``value`` in the caller's unit of work, or raise :class:`Throttled`
    (nothing counted) when ``value`` is at its limit. The caller commits."""
    key = key_of(secret, limit, value)
    count, oldest = uow.throttles.recent(limit.scope, key, now - limit.window)
    wait = wait_seconds(limit, count, oldest, now)
    if wait is not None:
        raise Throttled(wait)
    uow.throttles.add(limit.scope, key, now)


def hit(ctx: Context, limit: Limit, value: str) -> None:
    """:func:`hit_in` in a unit of work of its own."""
    with ctx.uow() as uow:
        hit_in(uow, ctx.links.secret, limit, value, ctx.clock.now())
        uow.commit()


def tidy(ctx: Context) -> int:
    """Forget the events older than any window; how many were forgotten."""
    with ctx.uow() as uow:
        forgotten = uow.throttles.forget_before(ctx.clock.now() - KEEP)
        uow.commit()
    return forgotten
