"""The medical director edits the clinic's profile: all errors at once, a stale edit refused,
every change audited old -> new; nobody else may."""

from __future__ import annotations

import pytest

from resurface.domain.errors import InvalidInput, VersionConflict
from resurface.services import clinic_settings
from resurface.services.clinic_settings import ProfileEdit
from resurface.services.context import Context
from resurface.services.errors import PermissionDenied
from tests.support.contexts import SeededClinic, seed_clinic
from tests.support.fakes import FakeDatabase


@pytest.fixture
def harbour(db: FakeDatabase) -> SeededClinic:
    return seed_clinic(db, "harbour")


def _events(ctx: Context, action: str = "update") -> list[str]:
    with ctx.uow() as uow:
        return [
            e.entry.detail
            for e in uow.audit.in_order()
            if e.entry.record_type == "clinic" and e.entry.action == action
        ]


def test_the_director_saves_the_profile_and_the_audit_names_each_change(
    ctx: Context, harbour: SeededClinic
) -> None:
    edit = ProfileEdit(
        version=1,
        name=" Harbour Skin & Laser ",
        address="1 Quay Street\r\nPortsmouth",
        timezone="Europe/London",
        public_url="https://harbour.example.org",
    )
    saved = clinic_settings.update_profile(ctx, harbour.admin, edit)
    assert saved.name == "Harbour Skin & Laser" and saved.version == 2
    assert saved.address == "1 Quay Street\nPortsmouth"
    assert saved.phone == harbour.clinic.phone  # left out: unchanged
    read = clinic_settings.clinic_settings(ctx, harbour.admin)
    assert (read.timezone, read.public_url, read.version) == (
        "Europe/London",
        "https://harbour.example.org",
        2,
    )
    (detail,) = _events(ctx)
    assert "name 'Clinic harbour' -> 'Harbour Skin & Laser'" in detail
    assert "timezone '' -> 'Europe/London'" in detail
    assert "phone" not in detail


def test_every_bad_field_is_refused_at_once_and_nothing_is_saved(
    ctx: Context, harbour: SeededClinic
) -> None:
    edit = ProfileEdit(version=1, name="", email="nope", timezone="Nowhere", public_url="x")
    with pytest.raises(InvalidInput) as refused:
        clinic_settings.update_profile(ctx, harbour.admin, edit)
    assert [p.field for p in refused.value.problems] == ["name", "email", "timezone", "public_url"]
    assert clinic_settings.clinic_settings(ctx, harbour.admin).version == 1
    assert _events(ctx) == []


def test_an_edit_of_a_version_saved_over_since_is_refused(
    ctx: Context, harbour: SeededClinic
) -> None:
    clinic_settings.update_profile(ctx, harbour.admin, ProfileEdit(version=1, phone="1"))
    with pytest.raises(VersionConflict) as stale:
        clinic_settings.update_profile(ctx, harbour.admin, ProfileEdit(version=1, phone="2"))
    assert (stale.value.expected, stale.value.actual) == (1, 2)
    assert clinic_settings.clinic_settings(ctx, harbour.admin).phone == "1"


def test_the_co_signature_setting_is_an_edit_too(ctx: Context, harbour: SeededClinic) -> None:
    assert clinic_settings.set_require_cosign(ctx, harbour.admin, True).version == 2
    with pytest.raises(VersionConflict):
        clinic_settings.update_profile(ctx, harbour.admin, ProfileEdit(version=1, phone="1"))


def test_an_edit_that_changes_nothing_saves_and_audits_nothing(
    ctx: Context, harbour: SeededClinic
) -> None:
    same = ProfileEdit(version=1, name=harbour.clinic.name, phone=harbour.clinic.phone)
    assert clinic_settings.update_profile(ctx, harbour.admin, same).version == 1
    assert _events(ctx) == []


def test_clinicians_and_front_desk_may_not_edit_the_profile(
    ctx: Context, harbour: SeededClinic
) -> None:
    for actor in (harbour.clinician, harbour.front_desk):
        with pytest.raises(PermissionDenied):
            clinic_settings.update_profile(ctx, actor, ProfileEdit(version=1, name="Mine"))
    assert clinic_settings.clinic_settings(ctx, harbour.admin).name == "Clinic harbour"


def test_another_clinics_director_edits_only_their_own_clinic(
    ctx: Context, db: FakeDatabase, harbour: SeededClinic
) -> None:
    north = seed_clinic(db, "north")
    clinic_settings.update_profile(ctx, north.admin, ProfileEdit(version=1, name="North"))
    assert clinic_settings.clinic_settings(ctx, harbour.admin).name == "Clinic harbour"
