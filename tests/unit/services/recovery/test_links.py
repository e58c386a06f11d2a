"""Recovery links: issued by clinicians only, stored as a hash, refused alike when unusable."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from resurface.domain.appointments import Appointment, AppointmentKind
from resurface.domain.people import Role
from resurface.services import auth
from resurface.services.access import Actor
from resurface.services.context import Context
from resurface.services.errors import NotFound, PermissionDenied
from resurface.services.recovery import links
from resurface.services.recovery.links import LinkNotUsable, LinkSigner
from tests.support.clinic import SeededClinic, seed_clinic

NOW = dt.datetime(2025, 6, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def north(ctx: Context) -> SeededClinic:
    return seed_clinic(ctx.uow, "north")


def _actor(ctx: Context, clinic: SeededClinic, role: Role) -> Actor:
    with ctx.uow() as uow:
        user = uow.users.by_username(clinic.usernames[role])
    assert user is not None
    return auth.actor_of(user, "test")


def test_a_link_opens_its_session_until_it_expires_or_is_revoked(
    ctx: Context, north: SeededClinic
) -> None:
    keys = LinkSigner(ctx.links.secret, "https://clinic.example/", 42)
    actor = _actor(ctx, north, Role.CLINICIAN)
    pid, sid = north.patient.id, north.record_ids["session"]
    with ctx.uow() as uow:
        issued = links.create_link(replace(ctx.at(NOW), links=keys), actor, pid, sid)
    assert issued.url == f"https://clinic.example/r/{issued.token}"
    assert issued.link.token_hash != issued.token  # only the hash is stored
    with ctx.uow() as uow:
        access = links.access_in(uow, keys.secret, issued.token, NOW)
        assert (access.session.id, access.patient.id) == (sid, pid)
        page = links.link_page(replace(ctx.at(NOW), links=keys), actor, pid, sid)
        assert page.active is not None and page.active.token == issued.token
        with pytest.raises(LinkNotUsable):
            links.access_in(uow, keys.secret, issued.token, NOW + dt.timedelta(days=42))
        with pytest.raises(LinkNotUsable):
            links.access_in(uow, "another-secret-" * 3, issued.token, NOW)
    with ctx.uow() as uow:
        links.revoke_link(replace(ctx.at(NOW), links=keys), actor, issued.link.id, pid, sid)
    with ctx.uow() as uow:
        with pytest.raises(LinkNotUsable) as refused:
            links.access_in(uow, keys.secret, issued.token, NOW)
        assert str(refused.value) == links.LINK_NOT_USABLE
        assert links.link_page(replace(ctx.at(NOW), links=keys), actor, pid, sid).active is None
        actions = [e.entry.action for e in uow.audit.for_patient(north.clinic.id, pid)]
    assert "create" in actions and "revoke" in actions


def test_staff_may_not_issue_links_and_other_clinics_cannot_see_them(
    ctx: Context, north: SeededClinic
) -> None:
    south = seed_clinic(ctx.uow, "south")
    keys = LinkSigner(ctx.links.secret, "https://clinic.example", 42)
    pid, sid = north.patient.id, north.record_ids["session"]
    with ctx.uow():
        with pytest.raises(PermissionDenied):
            links.create_link(
                replace(ctx.at(NOW), links=keys),
                _actor(ctx, north, Role.STAFF),
                pid,
                sid,
            )
        with pytest.raises(NotFound):
            links.create_link(
                replace(ctx.at(NOW), links=keys),
                _actor(ctx, south, Role.CLINICIAN),
                pid,
                sid,
            )
        with pytest.raises(NotFound):  # the session is not this patient's
            links.create_link(
                replace(ctx.at(NOW), links=keys),
                _actor(ctx, north, Role.CLINICIAN),
                pid,
                south.record_ids["session"],
            )


def test_a_link_lives_until_a_week_after_the_last_checkin_its_session_booked(
    ctx: Context, north: SeededClinic
) -> None:
    keys = LinkSigner(ctx.links.secret, "https://clinic.example/", 42)
    actor = _actor(ctx, north, Role.CLINICIAN)
    pid, sid = north.patient.id, north.record_ids["session"]
    with ctx.uow() as uow:
        for day in (1, 7, 30, 90):
            due = NOW.date() + dt.timedelta(days=day)
            uow.appointments.add(
                Appointment(0, north.clinic.id, pid, AppointmentKind.CHECKIN, due, sid)
            )
        uow.commit()
    issued = links.create_link(replace(ctx.at(NOW), links=keys), actor, pid, sid)
    day_90 = NOW + dt.timedelta(days=90)
    assert issued.link.expires_at >= day_90 + dt.timedelta(days=7)
    with ctx.uow() as uow:
        late = links.access_in(uow, keys.secret, issued.token, day_90 + dt.timedelta(days=3))
    assert late.session.id == sid


def test_a_clinic_with_its_own_public_address_hands_out_links_on_it(
    ctx: Context, north: SeededClinic
) -> None:
    keys = LinkSigner(ctx.links.secret, "https://server.example", 42)
    with ctx.uow() as uow:
        uow.clinics.update(replace(north.clinic, public_url="https://north.example.org/rs/"))
        uow.commit()
    actor = _actor(ctx, north, Role.CLINICIAN)
    pid, sid = north.patient.id, north.record_ids["session"]
    at_now = replace(ctx.at(NOW), links=keys)
    issued = links.create_link(at_now, actor, pid, sid)
    assert issued.url == f"https://north.example.org/rs/r/{issued.token}"
    page = links.link_page(at_now, actor, pid, sid)
    assert page.active is not None and page.active.url == issued.url
    south = seed_clinic(ctx.uow, "south")  # no address of its own: the server's
    south_link = links.create_link(
        at_now, _actor(ctx, south, Role.CLINICIAN), south.patient.id, south.record_ids["session"]
    )
    assert south_link.url.startswith("https://server.example/r/")
