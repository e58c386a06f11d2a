"""Each user sees where they are signed in, and signs out of one session or all the others."""

from __future__ import annotations

import datetime as dt

import pytest

from resurface.services import account_sessions, auth
from resurface.services.context import Context
from resurface.services.errors import NotFound, NotSignedIn
from tests.support.contexts import PASSWORD, SeededClinic, seed_clinic
from tests.support.fakes import FakeDatabase

T0 = dt.datetime(2026, 12, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def harbour(db: FakeDatabase) -> SeededClinic:
    return seed_clinic(db, "harbour")


def _sign_in(ctx: Context, source: str, minutes: int = 0) -> str:
    at = ctx.at(T0 + dt.timedelta(minutes=minutes))
    return auth.sign_in(at, "harbour.clinician", PASSWORD, source, "Firefox on a tablet").token


def test_my_sessions_lists_this_one_first_and_never_a_token(
    ctx: Context, harbour: SeededClinic
) -> None:
    desk = _sign_in(ctx, "10.0.0.1")
    phone = _sign_in(ctx, "10.0.0.2", minutes=5)
    auth.sign_in(ctx.at(T0), "harbour.staff", PASSWORD, "10.0.0.3")  # someone else's
    mine = account_sessions.my_sessions(ctx.at(T0), harbour.clinician, desk)
    assert [(s.source, s.current) for s in mine] == [("10.0.0.1", True), ("10.0.0.2", False)]
    assert mine[0].user_agent == "Firefox on a tablet"
    for token in (desk, phone):
        assert all(token not in repr(s) and auth.token_hash(token) not in repr(s) for s in mine)


def test_signing_out_everywhere_else_keeps_this_session(
    ctx: Context, harbour: SeededClinic
) -> None:
    desk, phone, laptop = (_sign_in(ctx, f"10.0.0.{n}") for n in (1, 2, 3))
    assert account_sessions.end_other_sessions(ctx.at(T0), harbour.clinician, desk) == 2
    for token in (phone, laptop):
        with pytest.raises(NotSignedIn):
            auth.session_actor(ctx.at(T0), token, "x")
    assert auth.session_actor(ctx.at(T0), desk, "x").actor.user_id == harbour.clinician.user_id


def test_signing_out_one_session(ctx: Context, harbour: SeededClinic) -> None:
    desk, phone = _sign_in(ctx, "10.0.0.1"), _sign_in(ctx, "10.0.0.2")
    (other,) = [
        s
        for s in account_sessions.my_sessions(ctx.at(T0), harbour.clinician, desk)
        if not s.current
    ]
    account_sessions.end_session(ctx.at(T0), harbour.clinician, other.ref)
    with pytest.raises(NotSignedIn):
        auth.session_actor(ctx.at(T0), phone, "x")
    with pytest.raises(NotFound):  # already ended
        account_sessions.end_session(ctx.at(T0), harbour.clinician, other.ref)


def test_nobody_ends_another_users_session(
    ctx: Context, db: FakeDatabase, harbour: SeededClinic
) -> None:
    south = seed_clinic(db, "south")
    desk = _sign_in(ctx, "10.0.0.1")
    (mine,) = account_sessions.my_sessions(ctx.at(T0), harbour.clinician, desk)
    for someone in (harbour.admin, harbour.front_desk, south.admin):
        with pytest.raises(NotFound):
            account_sessions.end_session(ctx.at(T0), someone, mine.ref)
    assert auth.session_actor(ctx.at(T0), desk, "x")


def test_idle_and_expired_sessions_are_not_listed(ctx: Context, harbour: SeededClinic) -> None:
    _sign_in(ctx, "10.0.0.1")
    now = _sign_in(ctx, "10.0.0.2", minutes=40)
    listed = account_sessions.my_sessions(
        ctx.at(T0 + dt.timedelta(minutes=40)), harbour.clinician, now
    )
    assert [s.source for s in listed] == ["10.0.0.2"]
