"""Correcting the chart: the history every corrected record keeps, and *entered in error*.

An amendment is made by the use case of its record kind (``patients.amend_details``,
``sessions.amend_session`` ...), which checks the new version as it checks a new record and
then calls ``keep_earlier`` here. Marking a record entered in error is the same for every kind,
so it is here, with what follows from it: a session's or check-in's open alerts are closed, a
session's or plan's booked appointments are cancelled, a session's recovery links stop working.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from resurface.domain.alerts import AlertStatus, ClinicAlert
from resurface.domain.appointments import AppointmentStatus
from resurface.domain.chart import ChartRecord, CheckInRecord
from resurface.domain.corrections import (
    Change,
    Correction,
    CorrectionKind,
    RecordKind,
    changes,
    reason_problems,
    snapshot,
    tidy_reason,
)
from resurface.domain.errors import InvalidInput, VersionConflict
from resurface.domain.people import Patient
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.errors import Conflict, NotFound
from resurface.services.ports import UnitOfWork
from resurface.services.timeline import TimelineEntry, entry_for

if TYPE_CHECKING:
    from resurface.services.context import Context

Record = ChartRecord | Patient


@dataclass(frozen=True)
class HistoryEntry:
    """One earlier version of a record, as its page shows it."""

    correction: Correction
    corrected_by: str
    """The name of who corrected it."""


def history(
    uow: UnitOfWork, actor: Actor, kind: RecordKind, record_id: int
) -> tuple[HistoryEntry, ...]:
    """The record's corrections, newest first, inside the caller's (audited) read."""
    names = {u.id: u.display_name for u in uow.users.in_clinic(actor.clinic_id)}
    found = uow.corrections.for_record(actor.clinic_id, kind, record_id)
    return tuple(HistoryEntry(c, names.get(c.corrected_by, "")) for c in reversed(found))


@dataclass(frozen=True)
class RecordToCorrect:
    """A chart record as the page that corrects it shows it."""

    kind: RecordKind
    record: ChartRecord
    patient: Patient
    entry: TimelineEntry


def record_to_correct(
    ctx: Context, actor: Actor, kind: RecordKind, record_id: int
) -> RecordToCorrect:
    """The record about to be marked entered in error, in the timeline's words. Audited."""
    require(actor, Permission.WRITE_CHART)
    with ctx.uow() as uow:
        record = find_record(uow, actor, kind, record_id)
        patient = uow.patients.get(actor.clinic_id, record.patient_id)
        if patient is None:
            raise NotFound("patient", record.patient_id)
        session_on = None
        if isinstance(record, CheckInRecord):
            session = uow.charts.session(actor.clinic_id, record.session_id)
            session_on = session.performed_on if session else None
        audit.record(uow, actor, "read", kind.value, record.id, patient_id=patient.id)
        uow.commit()
        return RecordToCorrect(kind, record, patient, entry_for(record, session_on))


def record_history(
    ctx: Context, actor: Actor, kind: RecordKind, record_id: int
) -> tuple[HistoryEntry, ...]:
    """A record's corrections, newest first: a chart read, except that the front desk may read
    the history of the patient details it keeps. Audited."""
    permission = (
        Permission.EDIT_PATIENT_DETAILS if kind is RecordKind.PATIENT else Permission.VIEW_CHART
    )
    require(actor, permission)
    with ctx.uow() as uow:
        record = lookup(uow, actor.clinic_id, kind, record_id)
        if record is None:
            audit.record(uow, actor, "read_not_found", kind.value, record_id)
            uow.commit()
            raise NotFound(kind.label, record_id)
        patient_id = record.id if isinstance(record, Patient) else record.patient_id
        found = history(uow, actor, kind, record.id)
        audit.record(uow, actor, "read_history", kind.value, record.id, patient_id=patient_id)
        uow.commit()
        return found


def check_reason(reason: str, version_seen: int, record: Record, label: str) -> None:
    """Refuse a correction without its reason, or made on a version since replaced."""
    problems = reason_problems(reason)
    if problems:
        raise InvalidInput.of(problems)
    if record.version != version_seen:
        raise VersionConflict(label, record.id, version_seen, record.version)


def keep_earlier(
    uow: UnitOfWork,
    actor: Actor,
    kind: RecordKind,
    earlier: Record,
    described: tuple[Mapping[str, str], Mapping[str, str]],
    reason: str,
    correction: CorrectionKind = CorrectionKind.AMENDED,
) -> Correction:
    """Keep ``earlier`` (the version replaced) with what changed and why, and audit it.
    ``described`` is the record before and after, each as label → words."""
    patient_id = earlier.id if isinstance(earlier, Patient) else earlier.patient_id
    changed = changes(*described)
    kept = uow.corrections.add(
        Correction(
            id=0,
            clinic_id=actor.clinic_id,
            patient_id=patient_id,
            record=kind,
            record_id=earlier.id,
            version=earlier.version,
            kind=correction,
            reason=tidy_reason(reason),
            changes=changed,
            earlier=snapshot(earlier),
            corrected_by=actor.user_id,
            corrected_at=uow.clock.now(),
        )
    )
    what = ", ".join(c.what for c in changed) or "nothing"
    action = "amend" if correction is CorrectionKind.AMENDED else "entered_in_error"
    detail = f"version {earlier.version}; changed: {what}; reason: {kept.reason}"
    audit.record(uow, actor, action, kind.value, earlier.id, patient_id=patient_id, detail=detail)
    return kept


def enter_in_error(
    ctx: Context, actor: Actor, kind: RecordKind, record_id: int, version: int, reason: str
) -> Correction:
    """Mark a chart record entered in error: it stays, struck through, and counts for nothing."""
    require(actor, Permission.WRITE_CHART)
    if kind is RecordKind.PATIENT:
        raise InvalidInput("kind", "patient details are amended, not entered in error")
    with ctx.uow() as uow:
        record = find_record(uow, actor, kind, record_id)
        if record.entered_in_error:
            raise Conflict(f"this {kind.label} is already marked entered in error")
        check_reason(reason, version, record, kind.label)
        uow.charts.mark_entered_in_error(
            kind, actor.clinic_id, record.id, version, tidy_reason(reason)
        )
        _what_follows(uow, actor, kind, record)
        before = {"Status": "in the record"}
        after = {"Status": "entered in error"}
        kept = keep_earlier(
            uow, actor, kind, record, (before, after), reason, CorrectionKind.ENTERED_IN_ERROR
        )
        uow.commit()
        return kept


def lookup(uow: UnitOfWork, clinic_id: int, kind: RecordKind, record_id: int) -> Record | None:
    """A record of ``kind`` in the clinic, whatever its state; another clinic's is ``None``."""
    charts = uow.charts
    finders = {
        RecordKind.PATIENT: uow.patients.get,
        RecordKind.CONSULTATION: charts.consultation,
        RecordKind.ASSESSMENT: charts.assessment,
        RecordKind.PLAN: charts.plan,
        RecordKind.SESSION: charts.session,
        RecordKind.CHECKIN: charts.checkin,
        RecordKind.PHOTO: charts.photo,
    }
    found: Record | None = finders[kind](clinic_id, record_id)
    return found


def find_record(uow: UnitOfWork, actor: Actor, kind: RecordKind, record_id: int) -> ChartRecord:
    """A chart record of the actor's clinic; another clinic's, or none, is audited and not found."""
    record = lookup(uow, actor.clinic_id, kind, record_id)
    if record is None or isinstance(record, Patient):
        audit.record(uow, actor, "write_not_found", kind.value, record_id)
        uow.commit()
        raise NotFound(kind.label, record_id)
    return record


def _what_follows(uow: UnitOfWork, actor: Actor, kind: RecordKind, record: ChartRecord) -> None:
    """A session that did not happen has no recovery: its alerts close, its check-in days and
    next session are cancelled, its links stop. A check-in's alerts close; a plan's bookings go."""
    now = uow.clock.now()
    alerts = uow.alerts.for_patient(actor.clinic_id, record.patient_id)
    if kind is RecordKind.SESSION:
        _close_alerts(uow, actor, (a for a in alerts if a.session_id == record.id), "session", now)
        for link in uow.recovery_links.for_session(actor.clinic_id, record.id):
            uow.recovery_links.revoke(actor.clinic_id, link.id, now)
    elif kind is RecordKind.CHECKIN:
        _close_alerts(uow, actor, (a for a in alerts if a.checkin_id == record.id), "check-in", now)
    if kind in (RecordKind.SESSION, RecordKind.PLAN):
        for booked in uow.appointments.for_patient(actor.clinic_id, record.patient_id):
            ours = booked.after_session_id if kind is RecordKind.SESSION else booked.plan_id
            if ours == record.id and booked.status is AppointmentStatus.BOOKED:
                uow.appointments.set_status(actor.clinic_id, booked.id, AppointmentStatus.CANCELLED)


def _close_alerts(
    uow: UnitOfWork, actor: Actor, alerts: Iterable[ClinicAlert], what: str, now: dt.datetime
) -> None:
    """Close the alerts still open that came from a record entered in error (``what``)."""
    for alert in alerts:
        if alert.status is AlertStatus.CLOSED:
            continue
        line = f"Closed by {actor.name}: the {what} was entered in error"
        uow.alerts.update(
            replace(
                alert,
                status=AlertStatus.CLOSED,
                closed_by=actor.user_id,
                closed_at=now,
                note=f"{alert.note}\n{line}" if alert.note else line,
            )
        )
        detail = f"{alert.code.value} {alert.status.value} -> closed ({what} entered in error)"
        audit.record(
            uow,
            actor,
            "alert_closed",
            "alert",
            alert.id,
            patient_id=alert.patient_id,
            detail=detail,
        )


__all__ = ["Change", "HistoryEntry", "enter_in_error", "find_record", "history", "keep_earlier"]
