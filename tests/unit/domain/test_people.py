"""The clinic's profile is checked all at once; its time zone and public address fall back to the
server's; a user change never leaves the clinic without an active admin."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from resurface.domain.people import (
    NO_ADMIN_LEFT,
    Clinic,
    Role,
    User,
    clinic_profile_problems,
    clinic_public_url,
    clinic_zone,
    public_url_problem,
    time_zone_problem,
    user_change_problems,
)

CLINIC = Clinic(1, "Harbour Skin & Laser", "harbour", "+44 20 7946 0000", "desk@harbour.example")


def test_a_complete_profile_and_one_with_the_optional_fields_empty_are_accepted() -> None:
    full = replace(
        CLINIC,
        address="1 Quay Street\nPortsmouth PO1 2AB",
        timezone="Europe/London",
        public_url="https://harbour.example.org/resurface/",
    )
    assert clinic_profile_problems(full) == []
    assert clinic_profile_problems(replace(CLINIC, phone="", email="")) == []


def test_every_bad_field_is_named_at_once_in_the_forms_order() -> None:
    bad = replace(
        CLINIC,
        name=" ",
        phone="0" * 41,
        email="not an address",
        address="line\x00",
        timezone="Mars/Olympus",
        public_url="harbour.example.org",
    )
    problems = clinic_profile_problems(bad)
    assert [p.field for p in problems] == [
        "name",
        "phone",
        "email",
        "address",
        "timezone",
        "public_url",
    ]
    messages = {p.field: p.message for p in problems}
    assert messages["name"] == "is required"
    assert "Europe/London" in messages["timezone"]
    assert "https://" in messages["public_url"]


def test_a_one_line_field_refuses_a_line_break_the_address_keeps_them() -> None:
    problems = clinic_profile_problems(replace(CLINIC, name="Harbour\nLaser", address="a\nb"))
    assert [(p.field, p.message) for p in problems] == [("name", "must be on one line")]


@pytest.mark.parametrize(
    "name", ["Mars/Olympus", "Europe", "europe/london", "../etc/passwd", "/etc/UTC", "x" * 65]
)
def test_a_time_zone_must_be_an_iana_name(name: str) -> None:
    problem = time_zone_problem(name)
    assert problem is not None and problem.field == "timezone"


@pytest.mark.parametrize("name", ["Europe/London", "UTC", "America/Argentina/Buenos_Aires"])
def test_iana_names_are_time_zones(name: str) -> None:
    assert time_zone_problem(name) is None


@pytest.mark.parametrize(
    "url",
    [
        "harbour.example.org",
        "ftp://harbour.example.org",
        "https://",
        "https:///path",
        "https://harbour.example.org/?a=1",
        "https://harbour.example.org/#top",
        "https://harbour example.org",
        "https://harbour.example.org:port",
        "javascript:alert(1)",
    ],
)
def test_a_public_address_must_be_an_absolute_http_address(url: str) -> None:
    assert public_url_problem(url) is not None


@pytest.mark.parametrize(
    "url", ["https://harbour.example.org", "http://10.0.0.5:8000/", "https://h.example/clinic"]
)
def test_absolute_http_addresses_are_public_addresses(url: str) -> None:
    assert public_url_problem(url) is None


def test_the_clinics_own_time_zone_and_address_win_and_empty_means_the_servers() -> None:
    assert clinic_zone(CLINIC, dt.UTC) is dt.UTC
    assert clinic_zone(replace(CLINIC, timezone="Asia/Tokyo"), dt.UTC) == ZoneInfo("Asia/Tokyo")
    assert clinic_public_url(CLINIC, "http://server") == "http://server"
    own = replace(CLINIC, public_url="https://harbour.example.org")
    assert clinic_public_url(own, "http://server") == "https://harbour.example.org"


def _user(user_id: int, role: Role, *, active: bool = True) -> User:
    return User(user_id, 1, f"user{user_id}", f"User {user_id}", role, "hash", active=active)


def test_the_only_active_admin_cannot_be_demoted_or_deactivated() -> None:
    director = _user(1, Role.ADMIN)
    retired = _user(2, Role.ADMIN, active=False)
    team = [director, retired, _user(3, Role.CLINICIAN)]
    demoted = user_change_problems(director, replace(director, role=Role.CLINICIAN), team)
    assert [(p.field, p.message) for p in demoted] == [("role", NO_ADMIN_LEFT)]
    gone = user_change_problems(director, replace(director, active=False), team)
    assert [p.field for p in gone] == ["active"]


def test_with_a_second_active_admin_either_may_step_down() -> None:
    first, second = _user(1, Role.ADMIN), _user(2, Role.ADMIN)
    assert user_change_problems(first, replace(first, role=Role.STAFF), [first, second]) == []
    assert user_change_problems(first, replace(first, active=False), [first, second]) == []


def test_a_display_name_is_required_and_on_one_line() -> None:
    user = _user(3, Role.STAFF)
    assert [p.message for p in user_change_problems(user, replace(user, display_name=" "), [])] == [
        "is required"
    ]
    renamed = user_change_problems(user, replace(user, display_name="A\nB"), [user])
    assert [p.field for p in renamed] == ["display_name"]
