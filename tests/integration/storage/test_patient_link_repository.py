"""The patient links on SQLite and PostgreSQL: found by token hash, listed per patient within the
clinic only, revoked once; and the results shared with the patient."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

from resurface.bootstrap import Runtime
from resurface.domain.links import PatientLink
from resurface.domain.people import Role
from resurface.domain.sharing import SharedResult
from tests.support.clinic import seed_clinic

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def test_patient_links_are_scoped_found_by_hash_and_revoked_once(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    south = seed_clinic(runtime.context.uow, "south")
    with runtime.context.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert user is not None
        first = uow.patient_links.add(
            PatientLink(
                0,
                north.clinic.id,
                north.patient.id,
                "a" * 64,
                user.id,
                NOW,
                NOW + dt.timedelta(days=200),
            )
        )
        second = uow.patient_links.add(
            PatientLink(
                0,
                north.clinic.id,
                north.patient.id,
                "b" * 64,
                user.id,
                NOW + dt.timedelta(minutes=1),
                NOW + dt.timedelta(days=200),
            )
        )
        uow.commit()
    with runtime.context.uow() as uow:
        listed = uow.patient_links.for_patient(north.clinic.id, north.patient.id)
        assert [link.id for link in listed] == [first.id, second.id]
        assert listed[0].expires_at == NOW + dt.timedelta(days=200)
        assert uow.patient_links.for_patient(south.clinic.id, north.patient.id) == []
        found = uow.patient_links.by_token_hash("b" * 64)
        assert found is not None and found.usable(NOW)
        assert uow.patient_links.revoke(south.clinic.id, second.id, NOW) is False
        assert uow.patient_links.revoke(north.clinic.id, second.id, NOW) is True
        assert uow.patient_links.revoke(north.clinic.id, second.id, NOW) is False
        uow.commit()
    with runtime.context.uow() as uow:
        revoked = uow.patient_links.by_token_hash("b" * 64)
        assert revoked is not None and revoked.revoked_at == NOW and not revoked.usable(NOW)
        assert uow.patient_links.by_token_hash("c" * 64) is None


def test_a_token_hash_is_stored_once(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert user is not None
        link = PatientLink(0, north.clinic.id, north.patient.id, "d" * 64, user.id, NOW, NOW)
        uow.patient_links.add(link)
        with pytest.raises(IntegrityError):
            uow.patient_links.add(link)


def test_shared_results_are_scoped_and_withdrawn_once(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    south = seed_clinic(runtime.context.uow, "south")
    photo = north.record_ids["photo"]
    with runtime.context.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert user is not None
        share = uow.result_shares.add(
            SharedResult(0, north.clinic.id, north.patient.id, photo, photo, user.id, NOW)
        )
        uow.commit()
    with runtime.context.uow() as uow:
        listed = uow.result_shares.for_patient(north.clinic.id, north.patient.id)
        assert [s.id for s in listed] == [share.id] and listed[0].active
        assert uow.result_shares.for_patient(south.clinic.id, north.patient.id) == []
        assert uow.result_shares.withdraw(south.clinic.id, share.id, user.id, NOW) is False
        assert uow.result_shares.withdraw(north.clinic.id, share.id, user.id, NOW) is True
        assert uow.result_shares.withdraw(north.clinic.id, share.id, user.id, NOW) is False
        uow.commit()
    with runtime.context.uow() as uow:
        (withdrawn,) = uow.result_shares.for_patient(north.clinic.id, north.patient.id)
        assert withdrawn.withdrawn_at == NOW and withdrawn.withdrawn_by == user.id
        assert not withdrawn.active
