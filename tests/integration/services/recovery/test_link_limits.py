"""The limits on patient links are kept in the database: every server process counts the same
bad tokens, a restart forgets none of them, and a working link still gets through."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from resurface import bootstrap
from resurface.bootstrap import Runtime
from resurface.domain.people import Role
from resurface.services import auth, throttles
from resurface.services.errors import LinkNotUsable, Throttled
from resurface.services.recovery import link_limits, links
from resurface.services.recovery.link_limits import REFUSED_TOKENS
from tests.conftest import make_settings
from tests.support.clinic import seed_clinic

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
CLIENT = "198.51.100.20"


def _token(runtime: Runtime) -> str:
    north = seed_clinic(runtime.context.uow, "north", NOW.date())
    with runtime.context.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
    assert user is not None
    actor = auth.actor_of(user, "test")
    session_id = north.record_ids["session"]
    return links.create_link(runtime.context.at(NOW), actor, north.patient.id, session_id).token


def test_two_processes_count_the_same_bad_tokens_and_a_restart_forgets_none(
    database_url: str, tmp_path: Path
) -> None:
    first = bootstrap.build(make_settings(tmp_path, database_url))
    second = bootstrap.build(make_settings(tmp_path, database_url))
    try:
        token = _token(first)
        for n in range(REFUSED_TOKENS.most):
            server = first if n % 2 else second  # alternate, as a load balancer would
            with pytest.raises(LinkNotUsable):
                link_limits.admit(server.context.at(NOW), f"{n:043d}", CLIENT)
        with pytest.raises(Throttled):
            link_limits.admit(first.context.at(NOW), "x" * 43, CLIENT)
        with pytest.raises(Throttled):
            link_limits.admit(second.context.at(NOW), "x" * 43, CLIENT)
    finally:
        first.dispose()
        second.dispose()
    restarted = bootstrap.build(make_settings(tmp_path, database_url))
    try:
        with pytest.raises(Throttled):
            link_limits.admit(restarted.context.at(NOW), "x" * 43, CLIENT)
        link_limits.admit(restarted.context.at(NOW), token, CLIENT)  # the patient gets in
        later = NOW + throttles.KEEP + dt.timedelta(minutes=1)
        assert throttles.tidy(restarted.context.at(later)) == REFUSED_TOKENS.most + 1
        with restarted.context.uow() as uow:
            assert uow.throttles.recent(
                REFUSED_TOKENS.scope,
                throttles.key_of(restarted.context.links.secret, REFUSED_TOKENS, CLIENT),
                NOW - dt.timedelta(days=7),
            ) == (0, None)
    finally:
        restarted.dispose()
