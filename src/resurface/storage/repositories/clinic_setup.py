"""The clinic's set-up for its appointment book: rooms, devices, opening hours, closures,
clinicians' working days and the lengths of appointments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import delete, insert, select, update

from resurface.domain.clinic_setup import (
    CalendarFeed,
    Closure,
    Device,
    FeedSubject,
    OpeningHours,
    Room,
)
from resurface.storage.repositories._base import Repository, now, of_clinic
from resurface.storage.tables import (
    appointment_lengths,
    book_settings,
    calendar_feeds,
    closures,
    devices,
    opening_hours,
    rooms,
    working_days,
)

_ROOMS = of_clinic(rooms, rooms.c.name)
_DEVICES = of_clinic(devices, devices.c.name)
_HOURS = of_clinic(opening_hours)
_CLOSURES = of_clinic(closures, closures.c.first_day, closures.c.id)
_WORKING_DAYS = of_clinic(working_days)
_LENGTHS = of_clinic(appointment_lengths)


class SqlClinicSetup(Repository):
    # --- rooms and devices ---

    def rooms(self, clinic_id: int) -> list[Room]:
        found = self.connection.execute(_ROOMS, {"clinic_id": clinic_id})
        return [Room(r.id, r.clinic_id, r.name, r.active) for r in found]

    def add_room(self, record: Room) -> Room:
        values = {"clinic_id": record.clinic_id, "name": record.name, "active": record.active}
        return replace(record, id=self._insert(rooms, values | {"created_at": now()}))

    def save_room(self, record: Room) -> bool:
        result = self.connection.execute(
            update(rooms)
            .where(rooms.c.id == record.id, rooms.c.clinic_id == record.clinic_id)
            .values(name=record.name, active=record.active)
        )
        return result.rowcount == 1

    def devices(self, clinic_id: int) -> list[Device]:
        found = self.connection.execute(_DEVICES, {"clinic_id": clinic_id})
        return [Device(r.id, r.clinic_id, r.name, r.active) for r in found]

    def add_device(self, record: Device) -> Device:
        values = {"clinic_id": record.clinic_id, "name": record.name, "active": record.active}
        return replace(record, id=self._insert(devices, values | {"created_at": now()}))

    def save_device(self, record: Device) -> bool:
        result = self.connection.execute(
            update(devices)
            .where(devices.c.id == record.id, devices.c.clinic_id == record.clinic_id)
            .values(name=record.name, active=record.active)
        )
        return result.rowcount == 1

    # --- opening hours and closures ---

    def hours(self, clinic_id: int) -> dict[int, OpeningHours]:
        found = self.connection.execute(_HOURS, {"clinic_id": clinic_id})
        return {r.weekday: OpeningHours(r.weekday, r.opens, r.closes) for r in found}

    def set_hours(self, clinic_id: int, hours: Mapping[int, OpeningHours]) -> None:
        """The clinic's whole week: weekdays absent are closed."""
        self.connection.execute(delete(opening_hours).where(opening_hours.c.clinic_id == clinic_id))
        for weekday, span in sorted(hours.items()):
            self.connection.execute(
                insert(opening_hours).values(
                    clinic_id=clinic_id, weekday=weekday, opens=span.opens, closes=span.closes
                )
            )

    def closures(self, clinic_id: int, since: dt.date | None = None) -> list[Closure]:
        query = _CLOSURES
        if since is not None:
            query = query.where(closures.c.last_day >= since)
        return [
            Closure(r.id, r.clinic_id, r.first_day, r.last_day, r.reason)
            for r in self.connection.execute(query, {"clinic_id": clinic_id})
        ]

    def add_closure(self, record: Closure) -> Closure:
        values = {
            "clinic_id": record.clinic_id,
            "first_day": record.first_day,
            "last_day": record.last_day,
            "reason": record.reason,
            "created_at": now(),
        }
        return replace(record, id=self._insert(closures, values))

    def remove_closure(self, clinic_id: int, closure_id: int) -> bool:
        result = self.connection.execute(
            delete(closures).where(closures.c.id == closure_id, closures.c.clinic_id == clinic_id)
        )
        return result.rowcount == 1

    # --- clinicians' days and appointment lengths ---

    def working_days(self, clinic_id: int) -> dict[int, frozenset[int]]:
        found = self.connection.execute(_WORKING_DAYS, {"clinic_id": clinic_id})
        return {r.user_id: frozenset(int(d) for d in r.weekdays) for r in found}

    def set_working_days(self, clinic_id: int, user_id: int, days: frozenset[int] | None) -> None:
        """``None``: the clinician is not restricted to some days."""
        self.connection.execute(
            delete(working_days).where(
                working_days.c.user_id == user_id, working_days.c.clinic_id == clinic_id
            )
        )
        if days is not None:
            self.connection.execute(
                insert(working_days).values(
                    user_id=user_id, clinic_id=clinic_id, weekdays="".join(map(str, sorted(days)))
                )
            )

    def lengths(self, clinic_id: int) -> dict[str, int]:
        found = self.connection.execute(_LENGTHS, {"clinic_id": clinic_id})
        return {r.kind: r.minutes for r in found}

    def set_length(self, clinic_id: int, kind: str, minutes: int) -> None:
        self.connection.execute(
            delete(appointment_lengths).where(
                appointment_lengths.c.clinic_id == clinic_id, appointment_lengths.c.kind == kind
            )
        )
        self.connection.execute(
            insert(appointment_lengths).values(clinic_id=clinic_id, kind=kind, minutes=minutes)
        )

    # --- reminders and calendar feeds ---

    def reminder_hours(self, clinic_id: int) -> int | None:
        """The clinic's own lead time for e-mail reminders; None: not set."""
        query = select(book_settings.c.reminder_hours).where(book_settings.c.clinic_id == clinic_id)
        return self.connection.execute(query).scalar_one_or_none()

    def set_reminder_hours(self, clinic_id: int, hours: int) -> None:
        self.connection.execute(delete(book_settings).where(book_settings.c.clinic_id == clinic_id))
        self.connection.execute(
            insert(book_settings).values(clinic_id=clinic_id, reminder_hours=hours)
        )

    def feeds(self, clinic_id: int) -> list[CalendarFeed]:
        query = (
            select(calendar_feeds)
            .where(calendar_feeds.c.clinic_id == clinic_id)
            .order_by(calendar_feeds.c.id)
        )
        return [_feed(r) for r in self.connection.execute(query)]

    def feed_by_hash(self, token_hash: str) -> CalendarFeed | None:
        query = select(calendar_feeds).where(calendar_feeds.c.token_hash == token_hash)
        row = self.connection.execute(query).first()
        return _feed(row) if row is not None else None

    def add_feed(self, record: CalendarFeed) -> CalendarFeed:
        values = {
            "clinic_id": record.clinic_id,
            "subject": record.subject.value,
            "subject_id": record.subject_id,
            "token_hash": record.token_hash,
            "created_by": record.created_by,
            "created_at": record.created_at,
        }
        return replace(record, id=self._insert(calendar_feeds, values))

    def revoke_feed(self, clinic_id: int, feed_id: int, at: dt.datetime) -> bool:
        result = self.connection.execute(
            update(calendar_feeds)
            .where(
                calendar_feeds.c.id == feed_id,
                calendar_feeds.c.clinic_id == clinic_id,
                calendar_feeds.c.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        )
        return result.rowcount == 1


def _feed(row: Any) -> CalendarFeed:
    return CalendarFeed(
        row.id, row.clinic_id, FeedSubject(row.subject), row.subject_id, row.token_hash,
        row.created_by, row.created_at, row.revoked_at,
    )  # fmt: skip
