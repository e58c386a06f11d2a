"""Changing one's own password (the other sessions end), the medical director's reset (a
temporary password that must be changed; every session ends), and user names that reveal nothing
about other clinics."""

from __future__ import annotations

import datetime as dt

import pytest

from resurface.domain.errors import InvalidInput
from resurface.domain.people import Role
from resurface.services import accounts, auth, users
from resurface.services.context import Context
from resurface.services.errors import (
    AuthenticationFailed,
    NotFound,
    NotSignedIn,
    PermissionDenied,
)
from resurface.services.users import USERNAME_UNAVAILABLE
from tests.support.contexts import PASSWORD, SeededClinic, seed_clinic
from tests.support.fakes import FakeDatabase

NEW = "tangerine viaduct oboe"


@pytest.fixture
def harbour(db: FakeDatabase) -> SeededClinic:
    return seed_clinic(db, "harbour")


@pytest.fixture
def northgate(db: FakeDatabase, harbour: SeededClinic) -> SeededClinic:
    return seed_clinic(db, "northgate")


def _actions(ctx: Context, *wanted: str) -> list[tuple[str, str]]:
    with ctx.uow() as uow:
        return [
            (e.entry.action, e.entry.detail)
            for e in uow.audit.in_order()
            if e.entry.action in wanted
        ]


def test_changing_ones_password_ends_the_other_sessions_and_keeps_this_one(
    ctx: Context, harbour: SeededClinic
) -> None:
    here = auth.sign_in(ctx, "harbour.clinician", PASSWORD, "desk")
    elsewhere = auth.sign_in(ctx, "harbour.clinician", PASSWORD, "home")
    ended = accounts.change_own_password(ctx, here.actor, here.token, PASSWORD, NEW, NEW)
    assert ended == 1
    assert auth.session_actor(ctx, here.token, "desk").actor.user_id == here.actor.user_id
    with pytest.raises(NotSignedIn):
        auth.session_actor(ctx, elsewhere.token, "home")
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(ctx, "harbour.clinician", PASSWORD, "desk")
    assert auth.sign_in(ctx, "harbour.clinician", NEW, "desk").actor.role is Role.CLINICIAN
    assert _actions(ctx, "password_changed") == [
        ("password_changed", "harbour.clinician: 1 other web session(s) ended")
    ]


def test_every_problem_with_a_change_is_named_at_once_and_a_wrong_current_is_audited(
    ctx: Context, harbour: SeededClinic
) -> None:
    here = auth.sign_in(ctx, "harbour.staff", PASSWORD, "desk")
    with pytest.raises(InvalidInput) as refused:
        accounts.change_own_password(
            ctx, here.actor, here.token, "not it", "harbour.staff123", "something else"
        )
    assert [p.field for p in refused.value.problems] == [
        "current_password",
        "new_password",
        "new_password_again",
    ]
    assert refused.value.problems[0].message == accounts.WRONG_CURRENT
    assert _actions(ctx, "password_change_refused") == [
        ("password_change_refused", "harbour.staff: wrong current password")
    ]
    with pytest.raises(InvalidInput) as same:
        accounts.change_own_password(ctx, here.actor, here.token, PASSWORD, PASSWORD)
    assert [(p.field, p.message) for p in same.value.problems] == [
        ("new_password", accounts.SAME_AS_BEFORE)
    ]
    assert auth.sign_in(ctx, "harbour.staff", PASSWORD, "desk")  # nothing changed


def test_a_reset_gives_a_temporary_password_that_must_be_changed_and_ends_every_session(
    ctx: Context, harbour: SeededClinic
) -> None:
    theirs = auth.sign_in(ctx, "harbour.clinician", PASSWORD, "ward")
    reset = accounts.reset_password(ctx, harbour.admin, harbour.clinician.user_id)
    assert reset.sessions_ended == 1
    with pytest.raises(NotSignedIn):
        auth.session_actor(ctx, theirs.token, "ward")
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(ctx, "harbour.clinician", PASSWORD, "ward")
    signed_in = auth.sign_in(ctx, "harbour.clinician", reset.temporary_password, "ward")
    assert signed_in.actor.must_change_password
    assert users.colleague(ctx, harbour.admin, harbour.clinician.user_id).must_change_password
    accounts.change_own_password(
        ctx, signed_in.actor, signed_in.token, reset.temporary_password, NEW, NEW
    )
    actor = auth.session_actor(ctx, signed_in.token, "ward").actor
    assert not actor.must_change_password
    (event,) = _actions(ctx, "password_reset")
    assert event[1] == "harbour.clinician: temporary password issued; 1 web session(s) ended"
    assert reset.temporary_password not in str(_actions(ctx, "password_reset", "password_changed"))


def test_only_the_director_resets_and_only_others_of_their_own_clinic(
    ctx: Context, harbour: SeededClinic, northgate: SeededClinic
) -> None:
    for who in (harbour.clinician, harbour.front_desk):
        with pytest.raises(PermissionDenied):
            accounts.reset_password(ctx, who, harbour.admin.user_id)
    with pytest.raises(NotFound):
        accounts.reset_password(ctx, harbour.admin, northgate.clinician.user_id)
    with pytest.raises(InvalidInput) as yourself:
        accounts.reset_password(ctx, harbour.admin, harbour.admin.user_id)
    assert yourself.value.field == "user_id"
    assert auth.sign_in(ctx, "northgate.clinician", PASSWORD, "x")  # untouched


def test_the_operator_resets_any_user_by_name(ctx: Context, harbour: SeededClinic) -> None:
    reset = accounts.reset_password_by_operator(ctx, "harbour.admin")
    assert auth.sign_in(
        ctx, "harbour.admin", reset.temporary_password, "x"
    ).actor.must_change_password
    with pytest.raises(NotFound):
        accounts.reset_password_by_operator(ctx, "nobody.here")


def test_a_new_password_must_meet_the_policy_everywhere_a_user_is_added(
    ctx: Context, harbour: SeededClinic
) -> None:
    with pytest.raises(InvalidInput) as weak:
        users.add_colleague(ctx, harbour.admin, "harbour.new", "Nia New", Role.ADMIN, "aaaaaaaaaa")
    assert [(p.field, p.message) for p in weak.value.problems] == [
        ("password", "must be at least 12 characters")
    ]
    with pytest.raises(InvalidInput) as guessable:
        users.add_user(
            ctx, None, "harbour", "harbour.new", "Nia New", Role.STAFF, "harbour.new2026"
        )
    assert guessable.value.problems[0].message.startswith("is too easy to guess")
    added = users.add_colleague(ctx, harbour.admin, "harbour.new", "Nia New", Role.STAFF, NEW)
    assert added.username == "harbour.new"


def test_a_name_in_another_clinic_is_refused_exactly_like_one_in_this_clinic(
    ctx: Context, harbour: SeededClinic, northgate: SeededClinic
) -> None:
    answers = []
    for name in ("harbour.clinician", "northgate.clinician"):
        with pytest.raises(InvalidInput) as refused:
            users.add_colleague(ctx, harbour.admin, name, "Someone", Role.STAFF, NEW)
        answers.append([(p.field, p.message) for p in refused.value.problems])
    assert answers[0] == answers[1] == [("username", USERNAME_UNAVAILABLE)]
    assert "northgate" not in USERNAME_UNAVAILABLE


def test_a_temporary_password_stops_working_after_its_time_and_says_so(
    ctx: Context, harbour: SeededClinic
) -> None:
    start = ctx.at(dt.datetime(2026, 12, 4, 17, 0, tzinfo=dt.UTC))
    reset = accounts.reset_password(start, harbour.admin, harbour.clinician.user_id)
    assert reset.valid_until == dt.datetime(2026, 12, 7, 17, 0, tzinfo=dt.UTC)  # 72 hours
    just_in_time = ctx.at(reset.valid_until - dt.timedelta(seconds=1))
    assert auth.sign_in(just_in_time, "harbour.clinician", reset.temporary_password, "ward")
    too_late = ctx.at(reset.valid_until)
    with pytest.raises(AuthenticationFailed, match="temporary password has expired"):
        auth.sign_in(too_late, "harbour.clinician", reset.temporary_password, "ward")
    with pytest.raises(AuthenticationFailed, match="wrong user name or password"):
        auth.sign_in(too_late, "harbour.clinician", "not the temporary one", "ward")
    assert ("sign_in_refused", "temporary password expired; ward") in _actions(
        ctx, "sign_in_refused"
    )
    # A new reset gives a new temporary password with a new time; once changed, no expiry.
    again = accounts.reset_password(too_late, harbour.admin, harbour.clinician.user_id)
    later = too_late.at(again.valid_until - dt.timedelta(minutes=1))
    signed_in = auth.sign_in(later, "harbour.clinician", again.temporary_password, "ward")
    accounts.change_own_password(
        later, signed_in.actor, signed_in.token, again.temporary_password, NEW, NEW
    )
    much_later = later.at(again.valid_until + dt.timedelta(days=30))
    assert auth.sign_in(much_later, "harbour.clinician", NEW, "ward")
