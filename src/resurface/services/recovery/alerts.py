"""Acting on recovery alerts: the clinic's list (urgent first), acknowledging and closing them.

Alerts are raised by check-in triage; here the clinician reads them and records what was done.
Every read and change is audited; a change names the version it was made on, so two clinicians
acting on the same alert at once cannot overwrite each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from resurface.domain.alerts import AlertStatus, ClinicAlert
from resurface.domain.chart import Chart, Photo
from resurface.domain.errors import InvalidInput, VersionConflict
from resurface.domain.text import check_text
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.context import Context
from resurface.services.errors import Conflict, NotFound
from resurface.services.paging import Page, read_page
from resurface.services.ports import UnitOfWork

NOTE_MAX = 2000


@dataclass(frozen=True)
class AlertView:
    alert: ClinicAlert
    patient_name: str


@dataclass(frozen=True)
class AlertInContext:
    """An alert not yet closed, with what the clinic needs to act on it: the patient's own words
    and photos from the check-in that raised it, and the phone number to call them on."""

    alert: ClinicAlert
    note: str
    photos: tuple[Photo, ...]
    phone: str


def in_context(
    alerts: Iterable[ClinicAlert], chart: Chart, phone: str
) -> tuple[AlertInContext, ...]:
    """Every alert not yet closed, in urgency order, with its check-in's note and photos."""
    notes = {record.id: record.checkin.note for record in chart.checkins}
    photos: dict[int, list[Photo]] = {}
    for photo in chart.photos:
        if photo.checkin_id is not None:
            photos.setdefault(photo.checkin_id, []).append(photo)
    return tuple(
        AlertInContext(
            alert,
            notes.get(alert.checkin_id, "") if alert.checkin_id else "",
            tuple(photos.get(alert.checkin_id, ())) if alert.checkin_id else (),
            phone,
        )
        for alert in by_urgency(alerts)
        if alert.status is not AlertStatus.CLOSED
    )


def by_urgency(alerts: Iterable[ClinicAlert]) -> list[ClinicAlert]:
    """Not yet acknowledged first, then urgent before soon before routine, newest first."""
    newest_first = sorted(alerts, key=lambda a: (a.raised_at, a.id), reverse=True)
    return sorted(
        newest_first,
        key=lambda a: (
            a.status is not AlertStatus.OPEN,
            a.status is AlertStatus.CLOSED,
            -a.urgency.rank,
        ),
    )


def list_alerts(
    ctx: Context,
    actor: Actor,
    status: AlertStatus | None = None,
    page: int = 1,
    per_page: int = 25,
) -> Page[AlertView]:
    """The clinic's alerts. ``None``: every alert not yet closed (open and acknowledged)."""
    with ctx.uow() as uow:
        return _list(uow, actor, status, page, per_page)


def _list(
    uow: UnitOfWork, actor: Actor, status: AlertStatus | None, page: int, per_page: int
) -> Page[AlertView]:
    require(actor, Permission.VIEW_CHART)
    found = read_page(
        lambda most, skip: _read(uow, actor.clinic_id, status, most, skip), page, per_page
    )
    names = uow.patients.by_ids(actor.clinic_id, {a.patient_id for a in found.items})
    views = tuple(
        AlertView(a, names[a.patient_id].full_name if a.patient_id in names else "")
        for a in found.items
    )
    result = Page(views, found.total, page, per_page)
    detail = f"status={status.value if status else 'not closed'} page={page}"
    audit.record(uow, actor, "alert_list", "alert", "*", detail=detail)
    uow.commit()
    return result


def _read(
    uow: UnitOfWork, clinic_id: int, status: AlertStatus | None, most: int, skip: int
) -> tuple[list[ClinicAlert], int]:
    """``most`` of the list after the first ``skip``: the closed ones newest first, the others
    the most pressing first (Today's order); and how long the list is."""
    if status is AlertStatus.CLOSED:
        return uow.alerts.closed_in_clinic(clinic_id, skip, most)
    return uow.alerts.most_pressing(clinic_id, most, skip=skip, status=status)


def acknowledge(ctx: Context, actor: Actor, alert_id: int, version: int, note: str) -> ClinicAlert:
    """The clinician has seen the alert and says what was done (called the patient, booked a
    review ...). The note is required."""
    with ctx.uow() as uow:
        return _acknowledge(uow, actor, alert_id, version, note, ctx.clock.now())


def _acknowledge(
    uow: UnitOfWork, actor: Actor, alert_id: int, version: int, note: str, now: dt.datetime
) -> ClinicAlert:
    require(actor, Permission.WRITE_CHART)
    alert = _current(uow, actor, alert_id, version)
    text = _note(note)
    if alert.status is not AlertStatus.OPEN:
        raise Conflict(f"alert {alert_id} is already {alert.status.value}")
    changed = replace(
        alert,
        status=AlertStatus.ACKNOWLEDGED,
        acknowledged_by=actor.user_id,
        acknowledged_at=now,
        note=_joined(alert.note, "Acknowledged", actor.name, text),
    )
    return _save(uow, actor, alert, changed, "alert_acknowledged")


def close(ctx: Context, actor: Actor, alert_id: int, version: int, note: str) -> ClinicAlert:
    """Nothing more to do about the alert (resolved, or a false alarm); the note says why."""
    with ctx.uow() as uow:
        return _close(uow, actor, alert_id, version, note, ctx.clock.now())


def _close(
    uow: UnitOfWork, actor: Actor, alert_id: int, version: int, note: str, now: dt.datetime
) -> ClinicAlert:
    require(actor, Permission.WRITE_CHART)
    alert = _current(uow, actor, alert_id, version)
    text = _note(note)
    if alert.status is AlertStatus.CLOSED:
        raise Conflict(f"alert {alert_id} is already closed")
    changed = replace(
        alert,
        status=AlertStatus.CLOSED,
        acknowledged_by=alert.acknowledged_by or actor.user_id,
        acknowledged_at=alert.acknowledged_at or now,
        closed_by=actor.user_id,
        closed_at=now,
        note=_joined(alert.note, "Closed", actor.name, text),
    )
    return _save(uow, actor, alert, changed, "alert_closed")


def _current(uow: UnitOfWork, actor: Actor, alert_id: int, version: int) -> ClinicAlert:
    alert = uow.alerts.get(actor.clinic_id, alert_id)
    if alert is None:
        audit.record(uow, actor, "write_not_found", "alert", alert_id)
        uow.commit()
        raise NotFound("alert", alert_id)
    if alert.version != version:
        raise VersionConflict("alert", alert_id, version, alert.version)
    return alert


def _note(note: str) -> str:
    text = note.strip()
    if not text:
        raise InvalidInput("note", "say what was done (e.g. called the patient, booked a review)")
    if len(text) > NOTE_MAX:
        raise InvalidInput("note", f"is longer than {NOTE_MAX} characters")
    check_text(free_text={"note": text})
    return text


def _joined(previous: str, what: str, who: str, text: str) -> str:
    line = f"{what} by {who}: {text}"
    return f"{previous}\n{line}" if previous else line


def _save(
    uow: UnitOfWork, actor: Actor, before: ClinicAlert, changed: ClinicAlert, action: str
) -> ClinicAlert:
    saved = uow.alerts.update(changed)
    audit.record(
        uow,
        actor,
        action,
        "alert",
        saved.id,
        patient_id=saved.patient_id,
        detail=f"{before.code.value} {before.status.value} -> {saved.status.value}",
    )
    uow.commit()
    return saved
