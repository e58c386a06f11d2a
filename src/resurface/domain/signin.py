"""Signing in: how long a run of failed attempts makes the next one wait, when a session has run
out, and how a session is named to its user without its token.

A failed attempt is counted twice: against the user name as typed and against the client's
address. Neither count ever locks anyone out for good: after ``free_failures`` the next attempt
waits ``first_wait``, each further failure doubles the wait up to ``longest_wait``, and a count
nobody has added to for ``forget_after`` starts again. The user name is counted as typed, whether
or not such a user exists, so an attacker cannot tell real names from made-up ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from enum import StrEnum

from resurface.domain.errors import FieldProblem


@dataclass(frozen=True)
class Backoff:
    """How a run of failures makes the next attempt wait."""

    free_failures: int = 5
    first_wait: dt.timedelta = dt.timedelta(seconds=30)
    longest_wait: dt.timedelta = dt.timedelta(minutes=15)
    forget_after: dt.timedelta = dt.timedelta(hours=1)


@dataclass(frozen=True)
class FailureCount:
    """Failed sign-ins counted against one ``key`` (an account's name or a client's address)."""

    key: str
    failures: int
    last_failure_at: dt.datetime
    refused_until: dt.datetime | None = None


def wait_after(backoff: Backoff, failures: int) -> dt.timedelta:
    """How long the next attempt waits after ``failures`` failures in a row."""
    beyond = failures - backoff.free_failures
    if beyond < 0:
        return dt.timedelta(0)
    doublings = min(beyond, 30)  # 2**30 times any first wait is past any longest wait
    return min(backoff.first_wait * (1 << doublings), backoff.longest_wait)


def after_failure(
    backoff: Backoff, count: FailureCount | None, key: str, now: dt.datetime
) -> FailureCount:
    """The count once one more failure is added at ``now``."""
    fresh = count is None or now - count.last_failure_at >= backoff.forget_after
    failures = 1 if fresh or count is None else count.failures + 1
    wait = wait_after(backoff, failures)
    return FailureCount(key, failures, now, now + wait if wait else None)


def seconds_to_wait(count: FailureCount | None, now: dt.datetime) -> int:
    """Whole seconds before the next attempt is heard; 0: now."""
    if count is None or count.refused_until is None or count.refused_until <= now:
        return 0
    return max(1, int((count.refused_until - now).total_seconds() + 0.999))


def account_key(username: str) -> str:
    """The name a failure counts against: as typed, ignoring case and surrounding spaces."""
    return "account:" + username.strip().casefold()[:150]


def client_key(source: str) -> str:
    return "client:" + source[:150]


# --- sessions -----------------------------------------------------------------------------------

IDLE_MINUTES_DEFAULT = 30
IDLE_MINUTES_LEAST = 5
IDLE_MINUTES_MOST = 480
"""A clinic may sign idle users out after 5 minutes to 8 hours (the absolute session limit)."""


class SessionStage(StrEnum):
    SIGNED_IN = "signed_in"
    SECOND_FACTOR = "second_factor"
    """The password was right and the code from the authenticator app is still awaited: the
    session reaches nothing but the page that asks for it."""


class SessionState(StrEnum):
    LIVE = "live"
    EXPIRED = "expired"
    """Past the absolute limit (``RESURFACE_SESSION_HOURS``) since sign-in."""
    IDLE = "idle"
    """No request for the clinic's idle time."""


def session_state(
    expires_at: dt.datetime, last_seen_at: dt.datetime, idle: dt.timedelta, now: dt.datetime
) -> SessionState:
    if expires_at <= now:
        return SessionState.EXPIRED
    if now - last_seen_at >= idle:
        return SessionState.IDLE
    return SessionState.LIVE


def session_ref(token_hash: str) -> str:
    """How a session is named on the "my sessions" page and API: derived from the stored hash
    of its token, one way, so neither the token nor the hash a database lookup uses is shown."""
    return hashlib.sha256(f"session-ref:{token_hash}".encode()).hexdigest()[:20]


def idle_minutes_problem(minutes: int, field: str = "idle_minutes") -> FieldProblem | None:
    if not IDLE_MINUTES_LEAST <= minutes <= IDLE_MINUTES_MOST:
        return FieldProblem(
            field,
            f"must be between {IDLE_MINUTES_LEAST} and {IDLE_MINUTES_MOST} minutes",
        )
    return None
