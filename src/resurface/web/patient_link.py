"""What the patient's page and the patient's API share: the per-process throttles on patient
links, the headers every patient response carries, and waking the outbox after an urgent alert.

An adapter, not a use case: the throttles are kept in memory, per server process (with several
processes each one counts for itself), keyed by the client's address or the link's token hash.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections import deque
from dataclasses import dataclass

from fastapi import Request

from resurface.services.errors import Throttled
from resurface.services.recovery.links import hash_token
from resurface.web.security import client_address

PATIENT_HEADERS = {"X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer"}


class Throttle:
    """At most ``limit`` events per key in any ``window``; a sliding window kept in memory.

    In-process only: with several server processes each one counts for itself.
    """

    def __init__(self, limit: int, window: dt.timedelta) -> None:
        self.limit = limit
        self.window = window
        self._events: dict[str, deque[dt.datetime]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: dt.datetime) -> None:
        """Count one event, or raise :class:`Throttled` (not counted) when over the limit."""
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                wait = events[0] + self.window - now
                raise Throttled(max(1, int(wait.total_seconds()) + 1))
            events.append(now)
            if len(self._events) > 10_000:
                self._forget_idle(now)

    def check(self, key: str, now: dt.datetime) -> None:
        """Raise :class:`Throttled` if ``key`` is at its limit, without counting an event."""
        with self._lock:
            events = self._events.get(key)
            while events and events[0] <= now - self.window:
                events.popleft()
            if events and len(events) >= self.limit:
                wait = events[0] + self.window - now
                raise Throttled(max(1, int(wait.total_seconds()) + 1))

    def _forget_idle(self, now: dt.datetime) -> None:
        for key in [k for k, v in self._events.items() if not v or v[-1] <= now - self.window]:
            del self._events[key]


@dataclass
class RecoveryThrottles:
    """The limits on patient links: submissions per link, requests and refused tokens per client."""

    submissions: Throttle
    requests: Throttle
    refused: Throttle

    @classmethod
    def default(cls) -> RecoveryThrottles:
        # A patient checks in about once a day; a dozen an hour leaves room for corrections and
        # an offline queue being flushed, and stops a script filling the chart.
        return cls(
            submissions=Throttle(12, dt.timedelta(hours=1)),
            requests=Throttle(120, dt.timedelta(minutes=1)),
            refused=Throttle(30, dt.timedelta(minutes=10)),
        )


def throttles(request: Request) -> RecoveryThrottles:
    state = request.app.state
    found = getattr(state, "recovery_throttles", None)
    if found is None:
        found = RecoveryThrottles.default()
        state.recovery_throttles = found
    assert isinstance(found, RecoveryThrottles)
    return found


def count_request(request: Request, now: dt.datetime) -> None:
    """Every patient-link request counts against the client; a client that sent many bad tokens
    is refused for a while (guessing tokens is pointless anyway; this keeps the logs calm)."""
    limits = throttles(request)
    address = client_address(request)
    limits.refused.check(address, now)
    limits.requests.hit(address, now)


def count_refusal(request: Request, now: dt.datetime) -> None:
    # Already refusing: the answer stays the same "link does not work".
    with contextlib.suppress(Throttled):
        throttles(request).refused.hit(client_address(request), now)


def count_submission(request: Request, token: str, now: dt.datetime) -> None:
    throttles(request).submissions.hit(hash_token(token), now)


def wake_outbox(request: Request) -> None:
    outbox = getattr(request.app.state, "outbox", None)
    if outbox is not None:
        outbox.wake()
