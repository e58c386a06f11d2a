"""The appointment book, scoped by clinic: day entries (check-ins, sessions to be timed) and
timed appointments; the clash check's one query."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    update,
)

from resurface.domain.appointments import (
    ACTIVE,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
)
from resurface.domain.errors import VersionConflict
from resurface.domain.people import Role
from resurface.services.ports import NamedVisit
from resurface.storage.repositories._base import (
    Repository,
    now,
    rows_and_total,
    values_of,
    with_total,
)
from resurface.storage.tables import (
    appointments,
    devices,
    rooms,
    users,
)

_ACTIVE = sorted(s.value for s in ACTIVE)
_KINDS = {k.value: k for k in AppointmentKind}
_STATUSES = {s.value: s for s in AppointmentStatus}
_READ = [c for c in appointments.c if c.name not in ("created_at", "ends_at")]
"""What a record is read from (``ends_at`` is derived, ``created_at`` not in the record)."""


def _oldest_checkins() -> Select[Any]:
    """The check-ins due are walked in order on ``ix_appointments_clinic_kind_due`` and each is
    kept if none of its patient's is older (a probe on the patient's appointments), so the walk
    stops after ``skip`` + ``most`` patients; with the patients with one due, counted on the
    same index. Built once, with parameters."""
    due = _booked(
        bindparam("clinic_id"), AppointmentKind.CHECKIN, appointments.c.due_on <= bindparam("today")
    )
    earlier = appointments.alias("earlier")
    older = exists().where(
        earlier.c.patient_id == appointments.c.patient_id,
        earlier.c.kind == AppointmentKind.CHECKIN.value,
        earlier.c.status == AppointmentStatus.BOOKED.value,
        or_(
            earlier.c.due_on < appointments.c.due_on,
            and_(earlier.c.due_on == appointments.c.due_on, earlier.c.id < appointments.c.id),
        ),
    )
    oldest = (
        select(*_READ)
        .where(*due, ~older)
        .order_by(appointments.c.due_on, appointments.c.id)
        .offset(bindparam("skip"))
        .limit(bindparam("most"))
    )
    return with_total(oldest, select(func.count(appointments.c.patient_id.distinct())).where(*due))


class SqlAppointments(Repository):
    def add(self, record: Appointment) -> Appointment:
        values = values_of(record, "version") | {
            "created_at": now(),
            "ends_at": record.ends_at,
            "version": 1,
        }
        return replace(record, id=self._insert(appointments, values), version=1)

    def get(self, clinic_id: int, appointment_id: int) -> Appointment | None:
        row = self.connection.execute(
            select(*_READ).where(
                appointments.c.id == appointment_id, appointments.c.clinic_id == clinic_id
            )
        ).first()
        return _appointment(row) if row is not None else None

    def for_patient(self, clinic_id: int, patient_id: int) -> list[Appointment]:
        wanted = {"clinic_id": clinic_id, "patient_id": patient_id}
        return [_appointment(row) for row in self.connection.execute(_OF_PATIENT, wanted)]

    def coming_for_patient(
        self, clinic_id: int, patient_id: int, now: dt.datetime, today: dt.date
    ) -> list[NamedVisit]:
        wanted = {"clinic_id": clinic_id, "patient_id": patient_id, "now": now, "today": today}
        return [_named(row) for row in self.connection.execute(_COMING_OF_PATIENT, wanted)]

    def timed_between(
        self, clinic_id: int, start: dt.datetime, end: dt.datetime
    ) -> list[NamedVisit]:
        wanted = {"clinic_id": clinic_id, "start": start, "end": end}
        return [_named(row) for row in self.connection.execute(_TIMED_BETWEEN, wanted)]

    def due(self, clinic_id: int, until: dt.date) -> list[Appointment]:
        query = (
            select(*_READ)
            .where(
                appointments.c.clinic_id == clinic_id,
                appointments.c.status == AppointmentStatus.BOOKED.value,
                appointments.c.due_on <= until,
            )
            .order_by(appointments.c.due_on, appointments.c.id)
        )
        return [_appointment(row) for row in self.connection.execute(query)]

    def checkins_due(
        self, clinic_id: int, today: dt.date, most: int, *, skip: int = 0
    ) -> tuple[list[Appointment], int]:
        """Each patient's oldest booked check-in due by ``today``, the ``most`` oldest first
        after ``skip``, and how many patients have one (``_OLDEST_CHECKINS``)."""
        wanted = {"clinic_id": clinic_id, "today": today, "most": most, "skip": skip}
        rows, total = rows_and_total(self.connection.execute(_OLDEST_CHECKINS, wanted).all())
        return [_appointment(row) for row in rows], total

    def sessions_due(
        self, clinic_id: int, until: dt.date, most: int, *, besides: dt.date, skip: int = 0
    ) -> tuple[list[Appointment], int]:
        wanted = {"clinic_id": clinic_id, "until": until, "besides": besides}
        wanted |= {"most": most, "skip": skip}
        rows, total = rows_and_total(self.connection.execute(_SESSIONS_DUE, wanted).all())
        return [_appointment(row) for row in rows], total

    def sessions_booked_on(self, clinic_id: int, day: dt.date) -> list[Appointment]:
        wanted = {"clinic_id": clinic_id, "day": day}
        return [_appointment(row) for row in self.connection.execute(_SESSIONS_ON, wanted)]

    def between(
        self,
        clinic_id: int,
        start: dt.datetime,
        end: dt.datetime,
        *,
        provider_id: int | None = None,
        room_id: int | None = None,
        patient_id: int | None = None,
    ) -> list[Appointment]:
        """Timed appointments of any status that overlap ``[start, end)``, by start."""
        query = _overlapping(clinic_id, start, end)
        if provider_id is not None:
            query = query.where(appointments.c.provider_id == provider_id)
        if room_id is not None:
            query = query.where(appointments.c.room_id == room_id)
        if patient_id is not None:
            query = query.where(appointments.c.patient_id == patient_id)
        query = query.order_by(appointments.c.starts_at, appointments.c.id)
        return [_appointment(row) for row in self.connection.execute(query)]

    def book_of(
        self,
        clinic_id: int,
        start: dt.datetime,
        end: dt.datetime,
        first: dt.date,
        last: dt.date,
        *,
        provider_id: int | None = None,
        room_id: int | None = None,
        patient_id: int | None = None,
    ) -> tuple[list[Appointment], list[Appointment]]:
        """The timed appointments overlapping ``[start, end)`` (by start) and the booked visits
        without a time on ``first``..``last`` (by day), in one query: every round trip counts
        on a page read this often."""
        query = _book_query(provider_id is not None, room_id is not None, patient_id is not None)
        wanted = {
            "clinic_id": clinic_id,
            "start": start,
            "end": end,
            "first": first,
            "last": last,
            "provider_id": provider_id,
            "room_id": room_id,
            "patient_id": patient_id,
        }
        found = [_appointment(row) for row in self.connection.execute(query, wanted)]
        at = [a for a in found if a.starts_at is not None]
        day = [a for a in found if a.starts_at is None]
        at.sort(key=lambda a: (a.starts_at, a.id))
        day.sort(key=lambda a: (a.due_on, a.id))
        return at, day

    def clashing(
        self,
        clinic_id: int,
        start: dt.datetime,
        end: dt.datetime,
        provider_id: int | None,
        room_id: int | None,
        device_id: int | None,
        exclude_id: int = 0,
        *,
        patient_id: int | None = None,
    ) -> list[Appointment]:
        """Active appointments overlapping ``[start, end)`` that hold the same provider, room or
        device, or see the same patient: one query on ``ix_appointments_clinic_starts``."""
        holders = [
            column == value
            for column, value in (
                (appointments.c.provider_id, provider_id),
                (appointments.c.room_id, room_id),
                (appointments.c.device_id, device_id),
                (appointments.c.patient_id, patient_id),
            )
            if value is not None
        ]
        if not holders:
            return []
        query = (
            _overlapping(clinic_id, start, end)
            .where(
                appointments.c.status.in_(_ACTIVE),
                appointments.c.id != exclude_id,
                or_(*holders),
            )
            .order_by(appointments.c.starts_at, appointments.c.id)
        )
        return [_appointment(row) for row in self.connection.execute(query)]

    def save(self, record: Appointment) -> Appointment:
        """Write ``record`` over the stored version it was read at; a stale one is refused."""
        values = values_of(record, "version", "clinic_id", "patient_id") | {
            "ends_at": record.ends_at,
            "version": record.version + 1,
        }
        result = self.connection.execute(
            update(appointments)
            .where(
                appointments.c.id == record.id,
                appointments.c.clinic_id == record.clinic_id,
                appointments.c.version == record.version,
            )
            .values(**values)
        )
        if result.rowcount != 1:
            current = self.get(record.clinic_id, record.id)
            raise VersionConflict(
                "appointment", record.id, record.version, current.version if current else 0
            )
        return replace(record, version=record.version + 1)

    def mark_reminded(self, clinic_id: int, appointment_id: int, at: dt.datetime) -> None:
        """The reminder is queued: not a change of the booking, so the version stays."""
        self.connection.execute(
            update(appointments)
            .where(appointments.c.id == appointment_id, appointments.c.clinic_id == clinic_id)
            .values(reminded_at=at)
        )

    def patient_answer(
        self,
        clinic_id: int,
        appointment_id: int,
        *,
        confirmed_at: dt.datetime | None,
        change_requested_at: dt.datetime | None,
        change_note: str,
    ) -> None:
        """The patient's answer to a reminder: not a change of the booking, so the version
        stays (a front desk's move in flight is not refused for it)."""
        self.connection.execute(
            update(appointments)
            .where(appointments.c.id == appointment_id, appointments.c.clinic_id == clinic_id)
            .values(confirmed_at=confirmed_at, change_requested_at=change_requested_at,
                    change_note=change_note)
        )  # fmt: skip

    def set_status(self, clinic_id: int, appointment_id: int, status: AppointmentStatus) -> None:
        self.connection.execute(
            update(appointments)
            .where(appointments.c.id == appointment_id, appointments.c.clinic_id == clinic_id)
            .values(status=status.value, version=appointments.c.version + 1)
        )


def _booked(
    clinic_id: int | BindParameter[Any], kind: AppointmentKind, *when: ColumnElement[bool]
) -> list[ColumnElement[bool]]:
    """Booked appointments of one kind (``ix_appointments_clinic_kind_due``)."""
    return [
        appointments.c.clinic_id == clinic_id,
        appointments.c.kind == kind.value,
        appointments.c.status == AppointmentStatus.BOOKED.value,
        *when,
    ]


_OLDEST_CHECKINS = _oldest_checkins()


def _sessions_due() -> Select[Any]:
    """The booked sessions due by ``until`` but not on ``besides``, ``most`` of them after the
    first ``skip``, with how many there are. Built once, with parameters, as the home page's
    other reads."""
    due = _booked(
        bindparam("clinic_id"),
        AppointmentKind.SESSION,
        appointments.c.due_on <= bindparam("until"),
        appointments.c.due_on != bindparam("besides"),
    )
    first = (
        select(*_READ)
        .where(*due)
        .order_by(appointments.c.due_on, appointments.c.id)
        .offset(bindparam("skip"))
        .limit(bindparam("most"))
    )
    return with_total(first, select(func.count()).select_from(appointments).where(*due))


_SESSIONS_DUE = _sessions_due()


@functools.cache
def _book_query(by_provider: bool, by_room: bool, by_patient: bool) -> Select[Any]:
    """The book's one query, with parameters, for each choice of filters: built once each."""
    c = appointments.c
    timed = and_(c.starts_at < bindparam("end"), c.ends_at > bindparam("start"))
    if by_provider:
        timed = and_(timed, c.provider_id == bindparam("provider_id"))
    if by_room:
        timed = and_(timed, c.room_id == bindparam("room_id"))
    untimed = and_(
        c.starts_at.is_(None),
        c.status == AppointmentStatus.BOOKED.value,
        c.due_on >= bindparam("first"),
        c.due_on <= bindparam("last"),
        c.kind != AppointmentKind.CHECKIN.value,
    )
    query = select(*_READ).where(c.clinic_id == bindparam("clinic_id"), or_(timed, untimed))
    if by_patient:
        query = query.where(c.patient_id == bindparam("patient_id"))
    return query


_SESSIONS_ON = (
    select(*_READ)
    .where(
        *_booked(
            bindparam("clinic_id"),
            AppointmentKind.SESSION,
            appointments.c.due_on == bindparam("day"),
        )
    )
    .order_by(appointments.c.id)
)
_OF_PATIENT = (
    select(*_READ)
    .where(
        appointments.c.clinic_id == bindparam("clinic_id"),
        appointments.c.patient_id == bindparam("patient_id"),
    )
    .order_by(appointments.c.due_on, appointments.c.starts_at, appointments.c.id)
)

_PROVIDERS = sorted(r.value for r in (Role.CLINICIAN, Role.ADMIN))


def _with_names(query: Select[Any]) -> Select[Any]:
    """``query`` of appointments with the names of their clinician (one who sees patients:
    ``scheduling.setup.providers``), room and device, each of the clinic's own (by primary key:
    at most one row each)."""
    c = appointments.c
    return query.add_columns(
        users.c.display_name.label("provider_name"),
        rooms.c.name.label("room_name"),
        devices.c.name.label("device_name"),
    ).select_from(
        appointments.outerjoin(
            users,
            and_(
                users.c.id == c.provider_id,
                users.c.clinic_id == c.clinic_id,
                users.c.active.is_(True),
                users.c.role.in_(_PROVIDERS),
            ),
        )
        .outerjoin(rooms, and_(rooms.c.id == c.room_id, rooms.c.clinic_id == c.clinic_id))
        .outerjoin(devices, and_(devices.c.id == c.device_id, devices.c.clinic_id == c.clinic_id))
    )


def _named(row: Any) -> NamedVisit:
    return NamedVisit(
        _appointment(row), row.provider_name or "", row.room_name or "", row.device_name or ""
    )


_COMING_OF_PATIENT = _with_names(_OF_PATIENT).where(
    appointments.c.status.in_(_ACTIVE),
    appointments.c.kind != AppointmentKind.CHECKIN.value,
    or_(
        appointments.c.ends_at > bindparam("now"),
        and_(appointments.c.ends_at.is_(None), appointments.c.due_on >= bindparam("today")),
    ),
)
"""A patient's visits still to come (as :meth:`Appointments.coming_for_patient` says), with
their names."""
_TIMED_BETWEEN = (
    _with_names(select(*_READ))
    .where(
        appointments.c.clinic_id == bindparam("clinic_id"),
        appointments.c.starts_at < bindparam("end"),
        appointments.c.ends_at > bindparam("start"),
    )
    .order_by(appointments.c.starts_at, appointments.c.id)
)


def _overlapping(clinic_id: int, start: dt.datetime, end: dt.datetime) -> Select[Any]:
    return select(*_READ).where(
        appointments.c.clinic_id == clinic_id,
        appointments.c.starts_at < end,
        appointments.c.ends_at > start,
    )


def _appointment(row: Any) -> Appointment:
    # positional, in the dataclass's order: the week of a busy clinic maps 600 of these
    return Appointment(
        row.id, row.clinic_id, row.patient_id, _KINDS[row.kind], row.due_on,
        row.after_session_id, row.plan_id, _STATUSES[row.status], row.starts_at, row.minutes,
        row.provider_id, row.room_id, row.device_id, row.cancel_reason,
        row.outside_window_reason, row.reminded_at, row.confirmed_at, row.change_requested_at,
        row.change_note, row.version,
    )  # fmt: skip
