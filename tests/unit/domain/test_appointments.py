"""The appointment book's rules: clashes of each kind, opening hours and closures, clinicians'
days, status changes, and daylight-saving weeks in London."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from resurface.domain.appointments import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    ClashKind,
    Slot,
    TransitionRefused,
    at_local,
    check_transition,
    clashes,
    day_bounds,
    free_slots,
    initials,
    week_of,
)
from resurface.domain.clinic_setup import (
    ClinicSetup,
    Closure,
    Device,
    OpeningHours,
    Room,
    check_closure,
    hours_problems,
)
from resurface.domain.errors import InvalidInput

LONDON = ZoneInfo("Europe/London")
MONDAY = dt.date(2026, 6, 1)
NINE, FIVE = dt.time(9), dt.time(17)
ANNA, BEN = 1, 2
ROOM_1, ROOM_2 = 10, 11
LASER = 20


def setup(**overrides: object) -> ClinicSetup:
    values: dict[str, object] = {
        "zone": LONDON,
        "hours": {d: OpeningHours(d, NINE, FIVE) for d in range(6)},  # closed on Sundays
        "rooms": {ROOM_1: Room(ROOM_1, 1, "Room 1"), ROOM_2: Room(ROOM_2, 1, "Room 2")},
        "devices": {LASER: Device(LASER, 1, "CO2 laser")},
        "providers": {ANNA: "Anna Grey", BEN: "Ben Stone"},
    }
    return ClinicSetup(**(values | overrides))  # type: ignore[arg-type]


def booked(
    at: dt.time,
    minutes: int = 60,
    *,
    day: dt.date = MONDAY,
    provider: int | None = ANNA,
    room: int | None = ROOM_1,
    device: int | None = None,
    status: AppointmentStatus = AppointmentStatus.BOOKED,
    id: int = 99,
) -> Appointment:
    return Appointment(
        id, 1, 5, AppointmentKind.SESSION, day, status=status,
        starts_at=at_local(day, at, LONDON), minutes=minutes,
        provider_id=provider, room_id=room, device_id=device,
    )  # fmt: skip


def slot(at: dt.time, minutes: int = 30, day: dt.date = MONDAY, **kw: int | None) -> Slot:
    values: dict[str, int | None] = {"provider_id": ANNA, "room_id": ROOM_1, "device_id": None}
    values |= kw
    return Slot(at_local(day, at, LONDON), minutes, **values)  # type: ignore[arg-type]


def kinds(found: tuple[object, ...]) -> list[ClashKind]:
    return [c.kind for c in found]  # type: ignore[attr-defined]


def test_a_free_slot_in_opening_hours_clashes_with_nothing() -> None:
    assert clashes(slot(dt.time(10)), [booked(dt.time(11))], setup()) == ()


def test_the_provider_double_booked_is_named_with_the_time_it_is_taken() -> None:
    found = clashes(slot(dt.time(10, 30), room_id=ROOM_2), [booked(dt.time(10))], setup())
    assert kinds(found) == [ClashKind.PROVIDER]
    assert found[0].message == "Anna Grey is already booked 10:00-11:00"
    assert found[0].appointment_id == 99


def test_the_room_double_booked_is_named() -> None:
    found = clashes(slot(dt.time(10), provider_id=BEN), [booked(dt.time(10))], setup())
    assert kinds(found) == [ClashKind.ROOM]
    assert "Room 1 is already booked 10:00-11:00" in found[0].message


def test_the_laser_in_use_in_another_room_is_named() -> None:
    other = booked(dt.time(10), device=LASER)
    found = clashes(slot(dt.time(10, 15), provider_id=BEN, room_id=ROOM_2, device_id=LASER),
                    [other], setup())  # fmt: skip
    assert kinds(found) == [ClashKind.DEVICE]
    assert "CO2 laser is already in use 10:00-11:00" in found[0].message


def test_every_clash_is_named_at_once() -> None:
    other = booked(dt.time(10), device=LASER)
    found = clashes(slot(dt.time(10), device_id=LASER), [other], setup())
    assert kinds(found) == [ClashKind.PROVIDER, ClashKind.ROOM, ClashKind.DEVICE]


def test_the_patient_booked_elsewhere_at_that_time_is_named_with_whom() -> None:
    other = booked(dt.time(10))  # patient 5 with Anna in room 1
    asked = Slot(at_local(MONDAY, dt.time(10, 30), LONDON), 30, BEN, ROOM_2,
                 patient_id=5, patient="Mia Cole")  # fmt: skip
    found = clashes(asked, [other], setup())
    assert kinds(found) == [ClashKind.PATIENT]
    assert found[0].message == (
        "Mia Cole already has an appointment 10:00-11:00 (treatment session with Anna Grey)"
    )
    assert found[0].appointment_id == 99
    another = Slot(asked.starts_at, 30, BEN, ROOM_2, patient_id=6, patient="Tom Reed")
    assert clashes(another, [other], setup()) == ()


def test_free_slots_leave_out_the_patients_own_appointments() -> None:
    theirs = booked(dt.time(9), minutes=60, provider=BEN, room=ROOM_2)
    found = free_slots([MONDAY], 30, ANNA, ROOM_1, None, [theirs], setup(), limit=1, patient_id=5)
    assert found == [at_local(MONDAY, dt.time(10), LONDON)]


def test_touching_appointments_do_not_clash() -> None:
    assert clashes(slot(dt.time(11)), [booked(dt.time(10))], setup()) == ()
    assert clashes(slot(dt.time(9, 30)), [booked(dt.time(10))], setup()) == ()


def test_cancelled_done_and_no_show_appointments_free_their_time() -> None:
    for status in (AppointmentStatus.CANCELLED, AppointmentStatus.DONE, AppointmentStatus.NO_SHOW):
        assert clashes(slot(dt.time(10)), [booked(dt.time(10), status=status)], setup()) == ()
    arrived = booked(dt.time(10), status=AppointmentStatus.ARRIVED)
    assert clashes(slot(dt.time(10)), [arrived], setup())


def test_an_appointment_being_moved_does_not_clash_with_itself() -> None:
    own = booked(dt.time(10), id=7)
    moved = Slot(at_local(MONDAY, dt.time(10, 30), LONDON), 60, ANNA, ROOM_1, None, 7)
    assert clashes(moved, [own], setup()) == ()


def test_before_opening_after_closing_and_on_a_closed_weekday() -> None:
    early = clashes(slot(dt.time(8, 30)), [], setup())
    assert kinds(early) == [ClashKind.CLOSED]
    assert "08:30-09:00 is outside opening hours (Monday 09:00-17:00)" in early[0].message
    assert kinds(clashes(slot(dt.time(16, 45)), [], setup())) == [ClashKind.CLOSED]
    assert clashes(slot(dt.time(16, 30)), [], setup()) == ()
    sunday = clashes(slot(dt.time(10), day=dt.date(2026, 6, 7)), [], setup())
    assert [c.message for c in sunday] == ["the clinic is closed on Sundays"]


def test_a_closure_names_its_reason() -> None:
    closed = setup(closures=(Closure(1, 1, MONDAY, MONDAY, "Bank holiday"),))
    found = clashes(slot(dt.time(10)), [], closed)
    assert [c.message for c in found] == ["the clinic is closed on 2026-06-01: Bank holiday"]
    assert clashes(slot(dt.time(10), day=MONDAY + dt.timedelta(1)), [], closed) == ()


def test_a_clinician_on_a_day_off() -> None:
    anna_tue_thu = setup(working_days={ANNA: frozenset({1, 3})})
    found = clashes(slot(dt.time(10)), [], anna_tue_thu)
    assert [c.message for c in found] == ["Anna Grey does not work on Mondays"]
    assert clashes(slot(dt.time(10), day=MONDAY + dt.timedelta(1)), [], anna_tue_thu) == ()
    assert clashes(slot(dt.time(10), provider_id=BEN), [], anna_tue_thu) == ()


# --- daylight saving: Europe/London springs forward 29 March 2026, falls back 25 October ---


def test_nine_o_clock_stays_nine_o_clock_across_the_spring_change() -> None:
    friday = at_local(dt.date(2026, 3, 27), NINE, LONDON)
    monday = at_local(dt.date(2026, 3, 30), NINE, LONDON)
    assert friday == dt.datetime(2026, 3, 27, 9, tzinfo=dt.UTC)
    assert monday == dt.datetime(2026, 3, 30, 8, tzinfo=dt.UTC)
    assert monday.astimezone(LONDON).time() == NINE


def test_the_autumn_week_keeps_wall_clock_times_and_the_long_day_has_25_hours() -> None:
    before = at_local(dt.date(2026, 10, 23), NINE, LONDON)
    after = at_local(dt.date(2026, 10, 26), NINE, LONDON)
    assert (before.hour, after.hour) == (8, 9)
    start, end = day_bounds(dt.date(2026, 10, 25), LONDON)
    assert end - start == dt.timedelta(hours=25)
    start, end = day_bounds(dt.date(2026, 3, 29), LONDON)
    assert end - start == dt.timedelta(hours=23)


def test_a_time_the_clocks_skip_is_refused_and_a_repeated_one_is_the_first() -> None:
    with pytest.raises(InvalidInput) as refused:
        at_local(dt.date(2026, 3, 29), dt.time(1, 30), LONDON)
    assert refused.value.field == "start"
    first = at_local(dt.date(2026, 10, 25), dt.time(1, 30), LONDON)
    assert first == dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)  # still summer time


def test_opening_hours_are_wall_clock_hours_in_the_week_after_the_change() -> None:
    monday = dt.date(2026, 3, 30)
    assert clashes(slot(NINE, day=monday), [], setup()) == ()
    assert kinds(clashes(slot(dt.time(8, 45), day=monday), [], setup())) == [ClashKind.CLOSED]
    # a booking made in UTC at 09:00 lands at 10:00 London time, inside the hours
    utc_nine = Slot(dt.datetime(2026, 3, 30, 9, tzinfo=dt.UTC), 30, ANNA, ROOM_1)
    assert clashes(utc_nine, [], setup()) == ()
    utc_late = Slot(dt.datetime(2026, 3, 30, 16, tzinfo=dt.UTC), 30, ANNA, ROOM_1)
    assert kinds(clashes(utc_late, [], setup())) == [ClashKind.CLOSED]  # 17:00-17:30 local


def test_an_overlap_across_the_change_is_found_in_real_time() -> None:
    saturday = dt.date(2026, 10, 24)
    other = booked(dt.time(16), day=saturday)
    assert kinds(clashes(slot(dt.time(16, 30), day=saturday), [other], setup()))[0] is (
        ClashKind.PROVIDER
    )


def test_week_of_runs_monday_to_sunday() -> None:
    days = week_of(dt.date(2026, 3, 29))
    assert days[0] == dt.date(2026, 3, 23) and days[-1] == dt.date(2026, 3, 29)


# --- statuses ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED),
        (AppointmentStatus.ARRIVED, AppointmentStatus.IN_TREATMENT),
        (AppointmentStatus.IN_TREATMENT, AppointmentStatus.DONE),
        (AppointmentStatus.BOOKED, AppointmentStatus.NO_SHOW),
        (AppointmentStatus.NO_SHOW, AppointmentStatus.ARRIVED),
        (AppointmentStatus.ARRIVED, AppointmentStatus.BOOKED),
    ],
)
def test_allowed_status_changes(current: AppointmentStatus, wanted: AppointmentStatus) -> None:
    check_transition(current, wanted, "")


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (AppointmentStatus.DONE, AppointmentStatus.BOOKED),
        (AppointmentStatus.CANCELLED, AppointmentStatus.ARRIVED),
        (AppointmentStatus.IN_TREATMENT, AppointmentStatus.NO_SHOW),
        (AppointmentStatus.BOOKED, AppointmentStatus.IN_TREATMENT),
    ],
)
def test_refused_status_changes(current: AppointmentStatus, wanted: AppointmentStatus) -> None:
    with pytest.raises(TransitionRefused):
        check_transition(current, wanted, "reason")


def test_a_cancellation_needs_its_reason() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_transition(AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED, "  ")
    assert refused.value.field == "reason"
    check_transition(AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED, "patient is unwell")


# --- free slots and set-up checks ----------------------------------------------------------


def test_free_slots_skip_booked_times_closed_days_and_stop_at_the_limit() -> None:
    taken = [booked(NINE, 60)]
    found = free_slots([MONDAY], 30, ANNA, ROOM_1, None, taken, setup(), limit=3)
    local = [s.astimezone(LONDON).time() for s in found]
    assert local == [dt.time(10), dt.time(10, 15), dt.time(10, 30)]
    sunday = dt.date(2026, 6, 7)
    assert free_slots([sunday], 30, ANNA, ROOM_1, None, [], setup()) == []
    last = free_slots([MONDAY], 60, ANNA, ROOM_1, None, [], setup(), step_minutes=60, limit=20)
    assert last[-1].astimezone(LONDON).time() == dt.time(16)


def test_set_up_checks_name_the_bad_field() -> None:
    problems = hours_problems({0: (FIVE, NINE), 1: None, 8: (NINE, FIVE)})
    assert [p.field for p in problems] == ["hours[0]", "hours[8]"]
    with pytest.raises(InvalidInput) as refused:
        check_closure(MONDAY, MONDAY - dt.timedelta(1), "")
    assert {p.field for p in refused.value.problems} == {"last_day", "reason"}


def test_initials_only_leave_the_clinic() -> None:
    assert initials("Sam", "Plan") == "S.P."


def test_free_slots_spread_over_days_when_asked() -> None:
    days = [MONDAY, MONDAY + dt.timedelta(1)]
    found = free_slots(days, 30, ANNA, ROOM_1, None, [], setup(), limit=4, per_day=2)
    assert [s.astimezone(LONDON).date() for s in found] == [days[0], days[0], days[1], days[1]]
