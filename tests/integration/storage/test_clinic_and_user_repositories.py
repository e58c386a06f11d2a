"""The clinic's profile and its users' changes round-trip the same on SQLite and PostgreSQL; a
stale clinic edit is refused; a user is changed only in their own clinic."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from resurface.bootstrap import Runtime
from resurface.domain.errors import VersionConflict
from resurface.domain.people import Clinic, Role
from resurface.services.ports import WebSession
from tests.support.clinic import seed_clinic


def test_a_clinics_profile_round_trips_and_a_new_clinic_uses_the_servers_settings(
    runtime: Runtime,
) -> None:
    seeded = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        fresh = uow.clinics.get(seeded.clinic.id)
    assert fresh is not None
    assert (fresh.address, fresh.timezone, fresh.public_url, fresh.version) == ("", "", "", 1)
    profile = replace(
        fresh,
        name="North Laser — Ōtautahi",
        address="1 Quay Street\nChristchurch 8011",
        timezone="Pacific/Auckland",
        public_url="https://north.example.nz/resurface",
        slug="not-changed-by-an-edit",
    )
    with runtime.context.uow() as uow:
        saved = uow.clinics.update(profile)
        uow.commit()
    assert saved.version == 2
    with runtime.context.uow() as uow:
        stored = uow.clinics.get(seeded.clinic.id)
    assert stored == replace(profile, slug="north", version=2)


def test_a_stale_clinic_edit_is_refused_and_the_newer_one_kept(runtime: Runtime) -> None:
    seeded = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        uow.clinics.update(replace(seeded.clinic, phone="+64 3 000 0001"))
        uow.commit()
    with runtime.context.uow() as uow, pytest.raises(VersionConflict) as stale:
        uow.clinics.update(replace(seeded.clinic, phone="+64 3 000 0002"))
    assert (stale.value.expected, stale.value.actual) == (1, 2)
    with runtime.context.uow() as uow:
        kept = uow.clinics.get(seeded.clinic.id)
    assert kept is not None and kept.phone == "+64 3 000 0001"


def test_a_clinic_added_with_a_profile_keeps_it(runtime: Runtime) -> None:
    clinic = Clinic(0, "South", "south", address="2 Road", timezone="UTC", public_url="http://s")
    with runtime.context.uow() as uow:
        added = uow.clinics.add(clinic)
        uow.commit()
    with runtime.context.uow() as uow:
        assert uow.clinics.get(added.id) == replace(clinic, id=added.id, version=1)


def test_a_user_is_changed_only_in_their_own_clinic_and_their_sessions_end(
    runtime: Runtime,
) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    south = seed_clinic(runtime.context.uow, "south")
    now = dt.datetime.now(dt.UTC)
    later = now + dt.timedelta(hours=1)
    with runtime.context.uow() as uow:
        staff = uow.users.by_username(north.usernames[Role.STAFF])
        assert staff is not None
        for n in (1, 2):
            uow.web_sessions.add(
                WebSession(f"{n}" * 64, staff.id, staff.clinic_id, "c", now, later)
            )
        other = uow.users.by_username(south.usernames[Role.STAFF])
        assert other is not None
        uow.web_sessions.add(WebSession("3" * 64, other.id, other.clinic_id, "c", now, later))
        changed = replace(staff, display_name="Sam", role=Role.CLINICIAN, active=False)
        uow.users.update(changed)
        # The same change addressed to the other clinic's user from north changes nothing.
        uow.users.update(replace(changed, id=other.id))
        assert uow.web_sessions.delete_for_user(staff.id) == 2
        uow.commit()
    with runtime.context.uow() as uow:
        assert uow.users.get(north.clinic.id, staff.id) == replace(
            changed, password_hash=staff.password_hash
        )
        assert uow.users.get(south.clinic.id, other.id) == other
        assert uow.web_sessions.get("1" * 64) is None and uow.web_sessions.get("2" * 64) is None
        assert uow.web_sessions.get("3" * 64) is not None
