"""The patient's daily recovery check-in, through their recovery link.

A submission is saved with its optional photo (EXIF stripped), audited as the patient's, and
triaged with every earlier check-in of the same session. A warning sign found in *this* check-in
becomes a :class:`ClinicAlert` (one open alert per code per session; a worse one supersedes it);
urgent ones also queue an e-mail to the clinic. The check-in appointment of that day is marked
done. The patient then sees where the scores sit in the expected band, the aftercare for the day
and, when triage found a warning sign, what to do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from resurface.domain.aftercare import AftercareAdvice, aftercare_for_day
from resurface.domain.alerts import AlertStatus, ClinicAlert, supersede
from resurface.domain.appointments import AppointmentKind, AppointmentStatus
from resurface.domain.band_position import Position, ScorePosition, overall
from resurface.domain.chart import Chart, CheckInRecord, Photo, PhotoPurpose
from resurface.domain.checkin import SCORE_MAX, SCORE_MIN, CheckIn
from resurface.domain.codes import RedFlag, Score, Urgency
from resurface.domain.errors import FieldProblem, InvalidInput
from resurface.domain.recovery import CourseBasis, course_for
from resurface.domain.rulebase import RuleBase
from resurface.domain.text import text_problems
from resurface.domain.triage import Alert, DayResult, triage_by_day
from resurface.imaging.errors import ImagingError
from resurface.imaging.ingest import IngestedPhoto, ingest_photo
from resurface.services.context import Context, Limits
from resurface.services.errors import NotFound
from resurface.services.ports import PhotoStore, UnitOfWork
from resurface.services.recovery import outbox, patient_links
from resurface.services.recovery.links import (
    LinkNotUsable,
    PatientAccess,
    access_in,
    patient_csrf,
    record_patient_event,
)
from resurface.services.request_keys import checked_key, scope

NOTE_MAX = 2000


@dataclass(frozen=True)
class Answers:
    """What the patient sent, as sent: texts are checked here so the form can be shown again."""

    scores: Mapping[str, str | int | None]
    red_flags: Sequence[str] = ()
    note: str = ""
    date: str | dt.date | None = None
    photo: bytes | None = None
    request_key: str = ""
    """Sent again with a resend (the phone's offline queue): the first check-in is kept."""


class Instruction(StrEnum):
    NONE = "none"
    ROUTINE = "routine"
    CLINIC_WILL_CONTACT = "clinic_will_contact"
    CALL_NOW = "call_now"


Treatment = CourseBasis
"""The area and skin type the recovery course follows (``domain.recovery.course_for``)."""


@dataclass(frozen=True)
class CheckInResult:
    record: CheckInRecord
    day: int
    positions: tuple[ScorePosition, ...]
    overall: Position
    instruction: Instruction
    patient_messages: tuple[str, ...]
    photo_ids: tuple[int, ...]


@dataclass(frozen=True)
class PatientPage:
    """Everything the patient's page shows, and nothing else of the record."""

    clinic_name: str
    clinic_phone: str
    treatment: Treatment
    today: dt.date
    day_today: int
    aftercare_today: AftercareAdvice
    entries: tuple[CheckInResult, ...]
    """Newest first."""
    checked_in_today: bool
    csrf_token: str
    link_expires_at: dt.datetime

    @property
    def latest(self) -> CheckInResult | None:
        return self.entries[0] if self.entries else None


@dataclass(frozen=True)
class Submitted:
    result: CheckInResult
    new_alerts: tuple[ClinicAlert, ...]
    queued_notifications: int
    duplicate: bool


# --- the page ----------------------------------------------------------------------------------


def opened(
    uow: UnitOfWork, ctx: Context, token: str, session_id: int | None, now: dt.datetime
) -> PatientAccess:
    """The session ``token`` opens: a recovery link's own session, or (``session_id`` given) one
    of the patient's sessions through their patient link."""
    if session_id is None:
        return access_in(uow, ctx.links.secret, token, now)
    return patient_links.session_access(uow, ctx.links.secret, token, session_id, now, ctx.rules)


def recovery_view(
    ctx: Context, token: str, *, source: str, session_id: int | None = None
) -> PatientPage:
    """The patient's page for ``token``; ``source`` (the client's address) goes in the audit."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        access = opened(uow, ctx, token, session_id, now)
        today = ctx.clock.today_of(access.clinic)
        view = _view(uow, ctx.rules, access, ctx.links.secret, token, today)
        record_patient_event(
            uow, access, "read", "recovery_page", access.session.id, source=source, now=now
        )
        uow.commit()
    return view


def _view(
    uow: UnitOfWork,
    rules: RuleBase,
    access: PatientAccess,
    secret: str,
    token: str,
    today: dt.date,
) -> PatientPage:
    chart = uow.charts.chart(access.clinic.id, access.patient.id)
    treatment = treatment_of(access, chart)
    records = _session_checkins(chart, access.session.id)
    results = _results(rules, treatment, records, _photos_by_checkin(chart, access.session.id))
    day_today = max((today - treatment.treated_on).days, 0)
    return PatientPage(
        clinic_name=access.clinic.name,
        clinic_phone=access.clinic.phone,
        treatment=treatment,
        today=today,
        day_today=day_today,
        aftercare_today=aftercare_for_day(rules.aftercare, treatment.modality, day_today),
        entries=tuple(reversed(results)),
        checked_in_today=any(r.checkin.date == today for r in records),
        csrf_token=patient_csrf(secret, token),
        link_expires_at=access.link.expires_at,
    )


def treatment_of(access: PatientAccess, chart: Chart) -> Treatment:
    """The course this session's recovery follows - the same one the clinician's chart shows."""
    if not access.session.areas:
        raise NotFound("treated area of session", access.session.id)
    return course_for(access.session, access.patient, chart.consultations)


def _session_checkins(chart: Chart, session_id: int) -> list[CheckInRecord]:
    return _in_order(r for r in chart.checkins if r.session_id == session_id)


def _in_order(records: Iterable[CheckInRecord]) -> list[CheckInRecord]:
    return sorted(records, key=lambda r: (r.checkin.date, r.submitted_at, r.id))


def _photos_by_checkin(chart: Chart, session_id: int) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for photo in chart.photos:
        if photo.checkin_id is not None and photo.session_id == session_id:
            found.setdefault(photo.checkin_id, []).append(photo.id)
    return found


def _results(
    rules: RuleBase,
    treatment: Treatment,
    records: list[CheckInRecord],
    photos: Mapping[int, list[int]],
) -> list[CheckInResult]:
    """Each check-in with its band positions and what triage said on its day, using only the
    check-ins up to that one (as the patient saw it then)."""
    days = triage_by_day(rules, treatment, [r.checkin for r in records])
    ordered = sorted(records, key=lambda r: r.checkin.date)
    results = []
    for record, shown in zip(ordered, days, strict=True):
        instruction, messages = _instruction(shown.alerts)
        results.append(
            CheckInResult(
                record,
                shown.day,
                shown.positions,
                overall(shown.positions),
                instruction,
                messages,
                tuple(photos.get(record.id, [])),
            )
        )
    return results


def _instruction(alerts: Sequence[Alert]) -> tuple[Instruction, tuple[str, ...]]:
    urgencies = {a.urgency for a in alerts}
    if Urgency.URGENT in urgencies:
        level = Instruction.CALL_NOW
    elif Urgency.SOON in urgencies:
        level = Instruction.CLINIC_WILL_CONTACT
    elif urgencies:
        level = Instruction.ROUTINE
    else:
        level = Instruction.NONE
    ordered = sorted(alerts, key=lambda a: -a.urgency.rank)
    # What was found, each once; the page says what to do once, from the instruction.
    return level, tuple(dict.fromkeys(a.patient_finding or a.patient_message for a in ordered))


# --- submitting --------------------------------------------------------------------------------


def parse_answers(answers: Answers, treated_on: dt.date, today: dt.date) -> CheckIn:
    """The answers as a :class:`CheckIn`, or :class:`InvalidInput` naming every bad field."""
    errors: dict[str, str] = {}
    scores: dict[Score, int] = {}
    for score in Score:
        value = _score(answers.scores.get(score.value))
        if answers.scores.get(score.value) in (None, ""):
            errors[score.value] = f"not answered: choose a number from {SCORE_MIN} to {SCORE_MAX}"
        elif value is None:
            errors[score.value] = f"choose a number from {SCORE_MIN} to {SCORE_MAX}"
        else:
            scores[score] = value
    flags: set[RedFlag] = set()
    for flag in answers.red_flags:
        try:
            flags.add(RedFlag(flag))
        except ValueError:
            errors["red_flags"] = f"unknown warning sign {flag!r}"
    note = answers.note.strip()
    if len(note) > NOTE_MAX:
        errors["note"] = f"keep the note under {NOTE_MAX} characters (it has {len(note)})"
    errors |= {p.field: p.message for p in text_problems(free_text={"note": note})}
    date = _date(answers.date, today, treated_on, errors)
    if errors:
        raise _invalid(errors)
    return CheckIn(date, scores, frozenset(flags), note)


def _score(value: str | int | None) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.lstrip("-").isdigit():
            return None
        value = int(value)
    if value is None or not SCORE_MIN <= value <= SCORE_MAX:
        return None
    return value


def _date(
    value: str | dt.date | None, today: dt.date, treated_on: dt.date, errors: dict[str, str]
) -> dt.date:
    if value is None or value == "":
        return today
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            errors["date"] = "use a date like 2025-05-31"
            return today
    if day > today:
        errors["date"] = "is in the future"
    elif day < treated_on:
        errors["date"] = "is before the treatment"
    return day


def submit_checkin(
    ctx: Context, token: str, answers: Answers, *, source: str, session_id: int | None = None
) -> Submitted:
    """Save, triage and audit one check-in sent through ``token``; ``source`` is the client."""
    now = ctx.clock.now()
    key = checked_key(answers.request_key)
    with ctx.photo_intake():  # decoded before any lock is taken, in an intake slot
        ingested = _ingested(answers.photo, ctx.limits)
    with ctx.uow() as uow:
        access = opened(uow, ctx, token, session_id, now)
        today = ctx.clock.today_of(access.clinic)  # the patient's day is the clinic's
        checkin = parse_answers(answers, access.session.performed_on, today)
        # One check-in of a session at a time: a resend sent alongside its original, or two
        # warning signs at once, find what the other stored (one record, one alert).
        uow.charts.hold_session(access.clinic.id, access.session.id)
        keys = scope("checkin", "session", access.session.id)
        earlier = uow.request_keys.claim(keys, key, now) if key else None
        chart = uow.charts.chart(access.clinic.id, access.patient.id)  # read once
        treatment = treatment_of(access, chart)
        records = _session_checkins(chart, access.session.id)
        photos = _photos_by_checkin(chart, access.session.id)
        same = next((r for r in records if r.checkin == checkin), None)
        if earlier is None and same is not None and answers.photo is None:
            earlier = same.id  # the same answers again, without a key: keep one copy
        if earlier is not None:
            if key:
                uow.request_keys.settle(keys, key, earlier)
                uow.commit()
            result = _result_of(ctx.rules, treatment, records, photos, earlier)
            return Submitted(result, (), 0, duplicate=True)
        stored = _stored_photo(ingested, ctx.photos)
        record = uow.charts.add_checkin(
            CheckInRecord(0, access.clinic.id, access.patient.id, access.session.id, checkin, now)
        )
        records = _in_order([*records, record])
        if stored is not None:
            photo = uow.charts.add_photo(
                replace(
                    stored,
                    clinic_id=access.clinic.id,
                    patient_id=access.patient.id,
                    region=treatment.area.value,
                    captured_at=now,
                    session_id=access.session.id,
                    checkin_id=record.id,
                )
            )
            photos.setdefault(record.id, []).append(photo.id)
        shown = _shown_by(ctx.rules, treatment, records, record)
        day = shown.day
        new_alerts, urgent_mail = _raise_alerts(
            uow, access, record, shown.alerts, ctx.links.for_clinic(access.clinic).public_url, now
        )
        _mark_appointment_done(uow, access, checkin.date)
        detail = f"day {day}" + (f", {len(new_alerts)} new alert(s)" if new_alerts else "")
        record_patient_event(
            uow, access, "create", "checkin", record.id, source=source, now=now, detail=detail
        )
        if key:
            uow.request_keys.settle(keys, key, record.id)
        result = _result_of(ctx.rules, treatment, records, photos, record.id)
        uow.commit()
    # Sent at once by whichever process runs jobs (the outbox loop would wait for its round);
    # a defer lost to a crash here leaves the message to that loop.
    for message_id in urgent_mail:
        ctx.jobs.defer(outbox.DELIVER_MESSAGE, notification_id=message_id)
    return Submitted(result, new_alerts, len(urgent_mail), duplicate=False)


def _shown_by(
    rules: RuleBase, treatment: Treatment, records: Sequence[CheckInRecord], record: CheckInRecord
) -> DayResult:
    """What ``record`` showed on its day - the same answer the patient's page gives for it."""
    days = triage_by_day(rules, treatment, [r.checkin for r in records])
    return next(d for d in days if d.checkin is record.checkin)


def _result_of(
    rules: RuleBase,
    treatment: Treatment,
    records: list[CheckInRecord],
    photos: Mapping[int, list[int]],
    record_id: int,
) -> CheckInResult:
    results = _results(rules, treatment, records, photos)
    return next(r for r in results if r.record.id == record_id)


def _invalid(errors: Mapping[str, str]) -> InvalidInput:
    return InvalidInput.of([FieldProblem(field, message) for field, message in errors.items()])


def _ingested(data: bytes | None, limits: Limits) -> IngestedPhoto | None:
    """The patient's photo decoded, its metadata stripped; ``None`` when none was sent."""
    if not data:
        return None
    if len(data) > limits.upload_bytes:
        limit = limits.upload_bytes // (1024 * 1024)
        raise InvalidInput("photo", f"is too large; the limit is {limit} MB")
    try:
        return ingest_photo(data, max_pixels=limits.photo_pixels)
    except ImagingError as error:
        raise InvalidInput("photo", f"could not be read as a photo ({error})") from None


def _stored_photo(ingested: IngestedPhoto | None, photos: PhotoStore) -> Photo | None:
    """Store the photo; a Photo with the details still to fill in."""
    if ingested is None:
        return None
    key = photos.put(ingested.stored_bytes)
    return Photo(
        id=0,
        clinic_id=0,
        patient_id=0,
        region="",
        captured_at=dt.datetime.min.replace(tzinfo=dt.UTC),
        sha256=ingested.sha256_original,
        storage_key=key,
        media_type=ingested.media_type,
        width=ingested.width,
        height=ingested.height,
        purpose=PhotoPurpose.FOLLOW_UP,  # sent after treatment: never a region's baseline
    )


def _raise_alerts(
    uow: UnitOfWork,
    access: PatientAccess,
    record: CheckInRecord,
    found: Sequence[Alert],
    public_url: str,
    now: dt.datetime,
) -> tuple[tuple[ClinicAlert, ...], tuple[int, ...]]:
    """Save each alert this check-in shows, as the supersession rule decides (one open alert per
    sign per session; a worse one closes the milder and takes its place); with the e-mail the
    urgent ones queued."""
    change = supersede(uow.alerts.for_session(access.clinic.id, access.session.id), found)
    raised: list[ClinicAlert] = []
    queued: list[int] = []
    for alert in change.to_open:
        saved = uow.alerts.add(
            ClinicAlert(
                id=0,
                clinic_id=access.clinic.id,
                patient_id=access.patient.id,
                session_id=access.session.id,
                code=alert.code,
                urgency=alert.urgency,
                day=alert.day,
                message=alert.message,
                patient_message=alert.patient_message,
                raised_at=now,
                checkin_id=record.id,
            )
        )
        for milder in (a for a in change.to_close if a.code is alert.code):
            uow.alerts.update(
                replace(
                    milder,
                    status=AlertStatus.CLOSED,
                    closed_at=now,
                    note=_joined(milder.note, f"Superseded by alert {saved.id} ({alert.urgency})."),
                )
            )
        raised.append(saved)
        if saved.urgency is Urgency.URGENT:
            messages = outbox.queue_urgent_alert(uow, access.clinic, saved, public_url, now)
            queued.extend(m.id for m in messages)
    return tuple(raised), tuple(queued)


def _joined(note: str, addition: str) -> str:
    return f"{note}\n{addition}".strip()


def _mark_appointment_done(uow: UnitOfWork, access: PatientAccess, day: dt.date) -> None:
    for appointment in uow.appointments.for_patient(access.clinic.id, access.patient.id):
        if (
            appointment.kind is AppointmentKind.CHECKIN
            and appointment.after_session_id == access.session.id
            and appointment.due_on == day
            and appointment.status is AppointmentStatus.BOOKED
        ):
            uow.appointments.set_status(access.clinic.id, appointment.id, AppointmentStatus.DONE)


# --- the patient's photos ----------------------------------------------------------------------


def patient_photo(
    ctx: Context, token: str, photo_id: int, *, source: str, session_id: int | None = None
) -> tuple[Photo, bytes]:
    """A photo the patient sent with a check-in of this link's session; anything else is refused
    exactly like a bad token."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        access = opened(uow, ctx, token, session_id, now)
        photo = uow.charts.photo(access.clinic.id, photo_id)
        if (
            photo is None
            or photo.patient_id != access.patient.id
            or photo.session_id != access.session.id
            or photo.checkin_id is None
        ):
            raise LinkNotUsable()
        record_patient_event(uow, access, "read", "photo", photo.id, source=source, now=now)
        uow.commit()
    return photo, ctx.photos.get(photo.storage_key)


__all__ = [
    "Answers",
    "CheckInResult",
    "Instruction",
    "PatientPage",
    "Submitted",
    "Treatment",
    "parse_answers",
    "patient_photo",
    "recovery_view",
    "submit_checkin",
]
