"""The medical director renames users, changes their role, deactivates and reactivates them;
a deactivated user is signed out and cannot sign in; the clinic keeps an active admin."""

from __future__ import annotations

import pytest

from resurface.domain.errors import InvalidInput
from resurface.domain.people import NO_ADMIN_LEFT, Role
from resurface.services import auth, users
from resurface.services.context import Context
from resurface.services.errors import AuthenticationFailed, NotFound, NotSignedIn, PermissionDenied
from resurface.services.users import UserChange
from tests.support.contexts import PASSWORD, SeededClinic, add_user, seed_clinic
from tests.support.fakes import FakeDatabase


@pytest.fixture
def harbour(db: FakeDatabase) -> SeededClinic:
    return seed_clinic(db, "harbour")


def _details(ctx: Context) -> list[str]:
    with ctx.uow() as uow:
        return [e.entry.detail for e in uow.audit.in_order() if e.entry.action == "user_changed"]


def test_the_director_renames_a_user_and_changes_their_role(
    ctx: Context, harbour: SeededClinic
) -> None:
    uid = harbour.front_desk.user_id
    change = UserChange(display_name=" Sam Desk ", role=Role.CLINICIAN)
    changed = users.change_user(ctx, harbour.admin, uid, change)
    assert (changed.display_name, changed.role) == ("Sam Desk", Role.CLINICIAN)
    assert users.colleague(ctx, harbour.admin, uid).role is Role.CLINICIAN
    (detail,) = _details(ctx)
    assert detail == (
        "harbour.staff: display name 'Staff harbour.staff' -> 'Sam Desk'; role staff -> clinician"
    )


def test_a_deactivated_user_is_signed_out_cannot_sign_in_and_can_be_reactivated(
    ctx: Context, harbour: SeededClinic
) -> None:
    signed_in = auth.sign_in(ctx, "harbour.clinician", PASSWORD, "test")
    users.change_user(ctx, harbour.admin, harbour.clinician.user_id, UserChange(active=False))
    with pytest.raises(NotSignedIn):
        auth.session_actor(ctx, signed_in.token, "test")
    with ctx.uow() as uow:
        assert uow.web_sessions.get(auth.token_hash(signed_in.token)) is None
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(ctx, "harbour.clinician", PASSWORD, "test")
    users.change_user(ctx, harbour.admin, harbour.clinician.user_id, UserChange(active=True))
    assert auth.sign_in(ctx, "harbour.clinician", PASSWORD, "test").actor.role is Role.CLINICIAN
    assert _details(ctx) == [
        "harbour.clinician: deactivated; 1 web session(s) ended",
        "harbour.clinician: reactivated",
    ]


def test_the_only_active_admin_cannot_demote_or_deactivate_themselves(
    ctx: Context, harbour: SeededClinic
) -> None:
    me = harbour.admin.user_id
    for change, field in (
        (UserChange(role=Role.STAFF), "role"),
        (UserChange(active=False), "active"),
    ):
        with pytest.raises(InvalidInput) as refused:
            users.change_user(ctx, harbour.admin, me, change)
        assert (refused.value.field, refused.value.message) == (field, NO_ADMIN_LEFT)
    assert users.colleague(ctx, harbour.admin, me).role is Role.ADMIN
    assert _details(ctx) == []


def test_with_a_second_admin_the_director_may_step_down(
    ctx: Context, db: FakeDatabase, harbour: SeededClinic
) -> None:
    add_user(db, harbour.clinic.id, "harbour.deputy", Role.ADMIN)
    changed = users.change_user(
        ctx, harbour.admin, harbour.admin.user_id, UserChange(role=Role.CLINICIAN)
    )
    assert changed.role is Role.CLINICIAN


def test_every_refused_field_is_named_at_once(ctx: Context, harbour: SeededClinic) -> None:
    change = UserChange(display_name="", role=Role.STAFF)
    with pytest.raises(InvalidInput) as refused:
        users.change_user(ctx, harbour.admin, harbour.admin.user_id, change)
    assert [p.field for p in refused.value.problems] == ["display_name", "role"]


def test_a_user_of_another_clinic_is_not_found(
    ctx: Context, db: FakeDatabase, harbour: SeededClinic
) -> None:
    north = seed_clinic(db, "north")
    with pytest.raises(NotFound):
        users.change_user(ctx, harbour.admin, north.clinician.user_id, UserChange(active=False))
    with pytest.raises(NotFound):
        users.colleague(ctx, harbour.admin, north.clinician.user_id)
    assert users.colleague(ctx, north.admin, north.clinician.user_id).active


def test_only_the_director_may_change_users(ctx: Context, harbour: SeededClinic) -> None:
    for actor in (harbour.clinician, harbour.front_desk):
        with pytest.raises(PermissionDenied):
            users.change_user(ctx, actor, actor.user_id, UserChange(role=Role.ADMIN))
        with pytest.raises(PermissionDenied):
            users.colleague(ctx, actor, actor.user_id)
