"""The appointment book API's shapes. Times go out as UTC instants and as the clinic's wall
clock; they come in as the clinic's day and wall-clock time."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

from resurface.domain.appointments import AppointmentKind, AppointmentStatus
from resurface.services.scheduling.book import BookingRequest, MoveRequest
from resurface.services.scheduling.plan_booking import PlanWindow, SeriesRequest
from resurface.services.scheduling.setup import SetupView
from resurface.services.scheduling.views import BookEntry, BookView
from resurface.web.api.schemas.common import Flag, InputModel, IsoDate, Whole

Minutes = Annotated[int, Field(strict=True, ge=5, le=480)]
Reason = Annotated[str, Field(max_length=200)]
Name = Annotated[str, Field(max_length=60)]
WallClock = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM")]
Id = Annotated[int, Field(strict=True, ge=1, le=2**31 - 1)]


def _time(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


class BookedAppointmentOut(BaseModel):
    id: int
    patient_id: int
    patient_name: str
    kind: str
    kind_label: str
    status: str
    day: dt.date
    """The clinic-local day."""
    starts_at: dt.datetime | None
    """UTC; null for a session still to be given a time."""
    ends_at: dt.datetime | None
    local_start: str
    local_end: str
    minutes: int
    provider_id: int | None
    provider_name: str
    room_id: int | None
    room_name: str
    device_id: int | None
    device_name: str
    plan_id: int | None
    cancel_reason: str
    outside_window_reason: str
    version: int

    @classmethod
    def of(cls, entry: BookEntry) -> BookedAppointmentOut:
        a = entry.appointment
        timed = a.starts_at is not None
        return cls(
            id=a.id, patient_id=a.patient_id, patient_name=entry.patient.full_name,
            kind=a.kind.value, kind_label=a.kind.label, status=a.status.value, day=a.due_on,
            starts_at=a.starts_at, ends_at=a.ends_at,
            local_start=f"{entry.start:%H:%M}" if timed else "",
            local_end=f"{entry.end:%H:%M}" if timed else "",
            minutes=a.minutes, provider_id=a.provider_id, provider_name=entry.provider,
            room_id=a.room_id, room_name=entry.room, device_id=a.device_id,
            device_name=entry.device, plan_id=a.plan_id, cancel_reason=a.cancel_reason,
            outside_window_reason=a.outside_window_reason, version=a.version,
        )  # fmt: skip


class BookOut(BaseModel):
    first: dt.date
    last: dt.date
    time_zone: str
    items: list[BookedAppointmentOut]
    to_time: list[BookedAppointmentOut] = Field(
        description="booked sessions on these days still to be given a time"
    )

    @classmethod
    def of(cls, view: BookView) -> BookOut:
        return cls(
            first=view.first, last=view.last, time_zone=str(view.zone),
            items=[BookedAppointmentOut.of(e) for e in view.entries],
            to_time=[BookedAppointmentOut.of(e) for e in view.to_time],
        )  # fmt: skip


class BookingIn(InputModel):
    patient_id: Id
    kind: AppointmentKind = Field(description="not checkin: check-in days come from sessions")
    day: IsoDate
    time: WallClock
    provider_id: Id
    room_id: Id | None = None
    device_id: Id | None = None
    minutes: Minutes | None = Field(None, description="default: the clinic's length for the kind")
    plan_id: Id | None = Field(None, description="a treatment session of this decided plan")
    outside_window_reason: Reason = ""

    def to_request(self) -> BookingRequest:
        return BookingRequest(
            self.patient_id, self.kind, self.day, _time(self.time), self.provider_id,
            self.room_id, self.device_id, self.minutes, self.plan_id,
            self.outside_window_reason,
        )  # fmt: skip


class MoveIn(InputModel):
    version: Whole = Field(description="the version of the appointment you moved")
    day: IsoDate | None = None
    time: WallClock | None = None
    minutes: Minutes | None = None
    provider_id: Id | None = None
    room_id: Id | None = None
    device_id: Id | None = None
    clear_device: Flag = False
    outside_window_reason: Reason = ""

    def to_request(self) -> MoveRequest:
        return MoveRequest(
            self.version, self.day, _time(self.time) if self.time else None, self.minutes,
            self.provider_id, self.room_id, self.device_id, self.clear_device,
            self.outside_window_reason,
        )  # fmt: skip


class CancelIn(InputModel):
    version: Whole
    reason: Reason


class StatusIn(InputModel):
    version: Whole
    status: AppointmentStatus = Field(description="arrived, no_show, booked, in_treatment, done")


class PlanWindowOut(BaseModel):
    plan_id: int
    earliest: dt.date | None
    latest: dt.date | None
    remaining: int
    interval_days: int
    booked_ahead: list[int]
    slots: list[dt.datetime]

    @classmethod
    def of(cls, found: PlanWindow) -> PlanWindowOut:
        window = found.window
        return cls(
            plan_id=found.plan_id, earliest=window.earliest if window else None,
            latest=window.latest if window else None, remaining=found.remaining,
            interval_days=found.interval.days, booked_ahead=[a.id for a in found.booked],
            slots=list(found.slots),
        )  # fmt: skip


class SeriesIn(InputModel):
    patient_id: Id
    first_day: IsoDate
    time: WallClock
    provider_id: Id
    room_id: Id | None = None
    device_id: Id | None = None
    outside_window_reason: Reason = ""

    def to_request(self) -> SeriesRequest:
        return SeriesRequest(
            self.patient_id, self.first_day, _time(self.time), self.provider_id, self.room_id,
            self.device_id, self.outside_window_reason,
        )  # fmt: skip


class BookedSeriesOut(BaseModel):
    ids: list[int]
    days: list[dt.date]


# --- the clinic's set-up (medical director) ---------------------------------------------------


class HoursOut(BaseModel):
    weekday: int
    opens: str
    closes: str


class NamedOut(BaseModel):
    id: int
    name: str
    active: bool


class ClosureOut(BaseModel):
    id: int
    first_day: dt.date
    last_day: dt.date
    reason: str


class ClinicianDaysOut(BaseModel):
    user_id: int
    name: str
    weekdays: list[int] | None


class SetupOut(BaseModel):
    time_zone: str
    hours: list[HoursOut]
    closures: list[ClosureOut]
    rooms: list[NamedOut]
    devices: list[NamedOut]
    clinicians: list[ClinicianDaysOut]
    lengths: dict[str, int]
    reminder_hours: int

    @classmethod
    def of(cls, view: SetupView) -> SetupOut:
        return cls(
            time_zone=view.clinic.timezone,
            hours=[HoursOut(weekday=h.weekday, opens=f"{h.opens:%H:%M}", closes=f"{h.closes:%H:%M}")
                   for _, h in sorted(view.hours.items())],
            closures=[ClosureOut(id=c.id, first_day=c.first_day, last_day=c.last_day,
                                 reason=c.reason) for c in view.closures],
            rooms=[NamedOut(id=r.id, name=r.name, active=r.active) for r in view.rooms],
            devices=[NamedOut(id=d.id, name=d.name, active=d.active) for d in view.devices],
            clinicians=[
                ClinicianDaysOut(user_id=u.id, name=u.display_name,
                                 weekdays=sorted(view.working_days[u.id])
                                 if u.id in view.working_days else None)
                for u in view.clinicians
            ],
            lengths={k.value: m for k, m in view.lengths.items()},
            reminder_hours=view.reminder_hours,
        )  # fmt: skip


class DayHoursIn(InputModel):
    weekday: Annotated[int, Field(strict=True, ge=0, le=6)]
    opens: WallClock
    closes: WallClock


class HoursIn(InputModel):
    days: list[DayHoursIn] = Field(max_length=7, description="weekdays left out are closed")


class NameIn(InputModel):
    name: Name


class NamedIn(InputModel):
    name: Name
    active: Flag = True


class ClosureIn(InputModel):
    first_day: IsoDate
    last_day: IsoDate
    reason: Reason


class WorkingDaysIn(InputModel):
    weekdays: list[Annotated[int, Field(strict=True, ge=0, le=6)]] | None = Field(
        max_length=7, description="null: any day the clinic is open"
    )


class LengthIn(InputModel):
    minutes: Minutes


class RemindersIn(InputModel):
    hours: Annotated[int, Field(strict=True, ge=0, le=168, description="0: no reminders")]
