"""Calendars people already use: a private, revocable feed of one clinician's or one room's
appointments (initials and the kind of appointment only: a calendar app is no place for health
details), and the file of one patient's own appointments. The web edge writes them as iCalendar.

A feed's address holds a secret shown once; only its hash is kept. Making a new address for the
same clinician or room revokes the old one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from resurface.domain.appointments import Appointment, AppointmentKind, AppointmentStatus, initials
from resurface.domain.clinic_setup import CalendarFeed, ClinicSetup, FeedSubject
from resurface.domain.people import Clinic, Patient, Role
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.errors import LinkNotUsable, NotFound, PermissionDenied
from resurface.services.ports import UnitOfWork
from resurface.services.scheduling.setup import load_setup, providers

if TYPE_CHECKING:
    from resurface.services.context import Context

PAST = dt.timedelta(days=31)
AHEAD = dt.timedelta(days=366)
"""A feed holds the last month and the coming year."""


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    summary: str
    location: str
    cancelled: bool
    sequence: int
    """Grows with every change, so calendar apps replace the event they hold."""


@dataclass(frozen=True)
class Calendar:
    name: str
    zone: str
    """The IANA name of the clinic's zone (times are shown in it)."""
    events: tuple[CalendarEvent, ...]


@dataclass(frozen=True)
class NewFeed:
    feed: CalendarFeed
    token: str
    """The secret of the address: shown once, never stored."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed(ctx: Context, actor: Actor, subject: FeedSubject, subject_id: int) -> NewFeed:
    """A new address for a clinician's (their own, or any for the medical director) or a room's
    (medical director) calendar; the subject's earlier address stops working."""
    require(actor, Permission.BOOK)
    own = subject is FeedSubject.PROVIDER and subject_id == actor.user_id
    if not own and actor.role is not Role.ADMIN:
        raise PermissionDenied("only the medical director makes calendar addresses for others")
    now = ctx.clock.now()
    with ctx.uow() as uow:
        known = (
            {u.id for u in providers(uow, actor.clinic_id)}
            if subject is FeedSubject.PROVIDER
            else {r.id for r in uow.clinic_setup.rooms(actor.clinic_id)}
        )
        if subject_id not in known:
            raise NotFound(subject.value, subject_id)
        for old in uow.clinic_setup.feeds(actor.clinic_id):
            if old.subject is subject and old.subject_id == subject_id and old.active:
                uow.clinic_setup.revoke_feed(actor.clinic_id, old.id, now)
        token = secrets.token_urlsafe(32)
        feed = uow.clinic_setup.add_feed(
            CalendarFeed(0, actor.clinic_id, subject, subject_id, hash_token(token), actor.user_id,
                         now)
        )  # fmt: skip
        detail = f"{subject.value} {subject_id}"
        audit.record(uow, actor, "create_feed", "calendar_feed", feed.id, detail=detail)
        uow.commit()
        return NewFeed(feed, token)


def revoke_feed(ctx: Context, actor: Actor, feed_id: int) -> None:
    require(actor, Permission.BOOK)
    with ctx.uow() as uow:
        feed = next((f for f in uow.clinic_setup.feeds(actor.clinic_id) if f.id == feed_id), None)
        if feed is None or not feed.active:
            raise NotFound("calendar feed", feed_id)
        own = feed.subject is FeedSubject.PROVIDER and feed.subject_id == actor.user_id
        if not own and actor.role is not Role.ADMIN:
            raise PermissionDenied("only the medical director revokes others' calendar addresses")
        uow.clinic_setup.revoke_feed(actor.clinic_id, feed_id, ctx.clock.now())
        audit.record(uow, actor, "revoke_feed", "calendar_feed", feed_id)
        uow.commit()


def list_feeds(ctx: Context, actor: Actor) -> list[CalendarFeed]:
    """Active addresses the actor may see: all for the medical director, else their own."""
    require(actor, Permission.BOOK)
    with ctx.uow() as uow:
        feeds = [f for f in uow.clinic_setup.feeds(actor.clinic_id) if f.active]
    if actor.role is Role.ADMIN:
        return feeds
    return [f for f in feeds if f.subject is FeedSubject.PROVIDER and f.subject_id == actor.user_id]


def feed_calendar(ctx: Context, token: str) -> Calendar:
    """The calendar behind a feed address; a revoked or unknown address is not usable."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        feed = uow.clinic_setup.feed_by_hash(hash_token(token)) if len(token) <= 100 else None
        clinic = uow.clinics.get(feed.clinic_id) if feed is not None else None
        if feed is None or not feed.active or clinic is None:
            raise LinkNotUsable()
        zone = ctx.clock.zone_of(clinic)
        setup = load_setup(uow, clinic, zone)
        by = {"provider_id": feed.subject_id} if feed.subject is FeedSubject.PROVIDER else {
            "room_id": feed.subject_id}  # fmt: skip
        found = uow.appointments.between(clinic.id, now - PAST, now + AHEAD, **by)
        people = {p.id: p for p in uow.patients.in_clinic(clinic.id)}
        events = []
        for a in found:
            patient = people.get(a.patient_id)
            if patient is None or a.status is AppointmentStatus.NO_SHOW:
                continue
            who = initials(patient.given_name, patient.family_name)
            events.append(_event(a, clinic, f"{who} · {a.kind.label}", _room(setup, a.room_id)))
        if feed.subject is FeedSubject.PROVIDER:
            name = setup.providers.get(feed.subject_id, "")
        else:
            name = setup.rooms[feed.subject_id].name if feed.subject_id in setup.rooms else ""
        audit.record(uow, None, "feed_read", "calendar_feed", feed.id, detail=f"clinic {clinic.id}")
        uow.commit()
        return Calendar(f"{clinic.name}: {name}", str(zone), tuple(events))


def patient_calendar(ctx: Context, actor: Actor, patient_id: int) -> Calendar:
    """The patient's own appointments from today on (and cancelled ones, so a calendar that
    imported them drops them), to hand or send to the patient."""
    require(actor, Permission.BOOK)
    with ctx.uow() as uow:
        clinic = uow.clinics.get(actor.clinic_id)
        patient = uow.patients.get(actor.clinic_id, patient_id)
        if clinic is None or patient is None:
            raise NotFound("patient", patient_id)
        calendar = patient_events(uow, ctx, clinic, patient)
        audit.record(uow, actor, "calendar_read", "patient", patient.id, patient_id=patient.id)
        uow.commit()
        return calendar


def patient_events(uow: UnitOfWork, ctx: Context, clinic: Clinic, patient: Patient) -> Calendar:
    zone = ctx.clock.zone_of(clinic)
    setup = load_setup(uow, clinic, zone)
    today = ctx.clock.today_of(clinic)
    events = tuple(
        _event(a, clinic, f"{a.kind.label} at {clinic.name}", _room(setup, a.room_id))
        for a in uow.appointments.for_patient(clinic.id, patient.id)
        if a.starts_at is not None and a.due_on >= today and a.kind is not AppointmentKind.CHECKIN
    )
    return Calendar(f"{clinic.name}: your appointments", str(zone), events)


def _room(setup: ClinicSetup, room_id: int | None) -> str:
    room = setup.rooms.get(room_id) if room_id is not None else None
    return room.name if room else ""


def _event(a: Appointment, clinic: Clinic, summary: str, location: str) -> CalendarEvent:
    assert a.starts_at is not None and a.ends_at is not None
    return CalendarEvent(
        uid=f"appointment-{a.id}@{clinic.slug}.resurface",
        starts_at=a.starts_at, ends_at=a.ends_at, summary=summary, location=location,
        cancelled=a.status is AppointmentStatus.CANCELLED, sequence=a.version - 1,
    )  # fmt: skip
