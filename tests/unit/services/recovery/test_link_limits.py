"""Limits on patient links stop a client guessing tokens, never a patient whose link works."""

from __future__ import annotations

import datetime as dt

import pytest

from resurface.domain.people import Role
from resurface.services import auth
from resurface.services.context import Context
from resurface.services.errors import LinkNotUsable, Throttled
from resurface.services.recovery import link_limits, links
from resurface.services.recovery.link_limits import CHECKINS, LINK_USES, REFUSED_TOKENS
from tests.support.clinic import SeededClinic, seed_clinic

NOW = dt.datetime(2025, 6, 1, 10, 0, tzinfo=dt.UTC)
NAT = "198.51.100.20"  # a carrier's NAT: many patients, one address


@pytest.fixture
def token(ctx: Context) -> str:
    north: SeededClinic = seed_clinic(ctx.uow, "north", NOW.date())
    with ctx.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
    assert user is not None
    actor = auth.actor_of(user, "test")
    return links.create_link(
        ctx.at(NOW), actor, north.patient.id, north.record_ids["session"]
    ).token


def _guess(n: int) -> str:
    return f"{n:043d}"


def test_bad_tokens_are_counted_per_client_then_answered_too_many(ctx: Context, token: str) -> None:
    now = ctx.at(NOW)
    for n in range(REFUSED_TOKENS.most):
        with pytest.raises(LinkNotUsable):
            link_limits.admit(now, _guess(n), NAT)
    with pytest.raises(Throttled) as refused:
        link_limits.admit(now, _guess(999), NAT)
    assert 0 < refused.value.retry_after <= REFUSED_TOKENS.window.total_seconds()
    with pytest.raises(LinkNotUsable):  # another client is not held back
        link_limits.admit(now, _guess(999), "192.0.2.1")
    later = ctx.at(NOW + REFUSED_TOKENS.window + dt.timedelta(seconds=1))
    with pytest.raises(LinkNotUsable):  # the wait is over
        link_limits.admit(later, _guess(999), NAT)


def test_a_working_link_is_admitted_from_an_address_that_sent_many_bad_tokens(
    ctx: Context, token: str
) -> None:
    now = ctx.at(NOW)
    for n in range(REFUSED_TOKENS.most + 5):
        with pytest.raises((LinkNotUsable, Throttled)):
            link_limits.admit(now, _guess(n), NAT)
    link_limits.admit(now, token, NAT)  # the patient behind the same NAT gets in
    link_limits.count_checkin(now, token)


def test_a_working_link_has_its_own_limits(ctx: Context, token: str) -> None:
    now = ctx.at(NOW)
    for _ in range(LINK_USES.most):
        link_limits.admit(now, token, NAT)
    with pytest.raises(Throttled):
        link_limits.admit(now, token, NAT)
    for _ in range(CHECKINS.most):
        link_limits.count_checkin(now, token)
    with pytest.raises(Throttled):
        link_limits.count_checkin(now, token)
