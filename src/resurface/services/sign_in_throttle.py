"""Failed sign-ins make the next attempt wait, per account name and per client address
(``domain.signin``), with the counts in the database: every server process shares them and a
restart keeps them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from resurface.domain.signin import (
    Backoff,
    account_key,
    after_failure,
    client_key,
    seconds_to_wait,
)
from resurface.services import audit
from resurface.services.errors import Throttled
from resurface.services.ports import UnitOfWork


@dataclass(frozen=True)
class Throttle:
    """The back-off for an account name, and a more forgiving one for a client address (a
    clinic's staff may share one address behind its router)."""

    account: Backoff = field(default_factory=Backoff)
    client: Backoff = field(default_factory=lambda: Backoff(free_failures=20))


class SignInThrottled(Throttled):
    """Said alike for every name, known or not, and whichever count made it wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.args = (f"too many failed sign-ins; wait {retry_after} seconds and try again",)


def refuse_if_waiting(
    uow: UnitOfWork, username: str, source: str, now: dt.datetime, step: str = "password"
) -> None:
    """SignInThrottled (audited and committed) while either count makes attempts wait."""
    waits = [
        seconds_to_wait(uow.sign_in_failures.get(key), now)
        for key in (account_key(username), client_key(source))
    ]
    wait = max(waits)
    if wait:
        detail = f"{step}: throttled for {wait} s; {source}"
        audit.record(uow, None, "sign_in_refused", "user", username[:40], detail=detail, at=now)
        uow.commit()
        raise SignInThrottled(wait)


def count_failure(
    uow: UnitOfWork, throttle: Throttle, username: str, source: str, why: str, now: dt.datetime
) -> None:
    """Count one failure against the name and the address, audit it and commit."""
    for backoff, key in (
        (throttle.account, account_key(username)),
        (throttle.client, client_key(source)),
    ):
        uow.sign_in_failures.save(after_failure(backoff, uow.sign_in_failures.get(key), key, now))
    detail = f"{why}; {source}"
    audit.record(uow, None, "sign_in_refused", "user", username[:40], detail=detail, at=now)
    uow.commit()


def forget_failures(uow: UnitOfWork, username: str) -> None:
    """After a full sign-in, the account's count starts again (the address's does not: one valid
    account must not wipe out what a guesser at that address has run up)."""
    uow.sign_in_failures.clear(account_key(username))
