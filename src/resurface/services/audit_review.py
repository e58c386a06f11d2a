"""The medical director examines the audit trail: who read or changed what, allowed or refused,
filtered by patient, user, action and dates; each patient's "who saw my record"; a CSV export.
The review is itself audited (with the filter it used)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from resurface.domain.audit import REFUSED_ACTIONS, AuditEvent, AuditFilter
from resurface.domain.errors import FieldProblem, InvalidInput
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.paging import MAX_PER_PAGE, Page
from resurface.services.patients import find_patient

if TYPE_CHECKING:
    from resurface.services.context import Context

EXPORT_MOST = 50_000
"""The most events one CSV export holds (narrow the filter for more)."""

READS = frozenset({"read", "chart_read", "chart_read_break_glass", "read_history", "read_details"})


@dataclass(frozen=True)
class Reader:
    """One person who opened a patient's record: how often, and when last."""

    name: str
    user_id: int | None
    reads: int
    last_at: dt.datetime


def review(
    ctx: Context, actor: Actor, wanted: AuditFilter, page: int, per_page: int
) -> Page[AuditEvent]:
    """One page of the clinic's events that match, newest first."""
    require(actor, Permission.VIEW_AUDIT)
    _check(wanted, page, per_page)
    with ctx.uow() as uow:
        found, total = uow.audit.search(actor.clinic_id, wanted, (page - 1) * per_page, per_page)
        audit.record(uow, actor, "audit_review", "audit", "*", detail=_described(wanted))
        uow.commit()
    return Page(tuple(found), total, page, per_page)


def who_saw(ctx: Context, actor: Actor, patient_id: int) -> tuple[Reader, ...]:
    """Everyone who opened this patient's record, most recent first."""
    require(actor, Permission.VIEW_AUDIT)
    with ctx.uow() as uow:
        patient = find_patient(uow, actor, patient_id)
        events = uow.audit.for_patient(actor.clinic_id, patient.id)
        audit.record(uow, actor, "audit_review", "patient", patient.id, patient_id=patient.id)
        uow.commit()
    readers: dict[tuple[str, int | None], Reader] = {}
    for event in events:
        entry = event.entry
        if entry.action not in READS:
            continue
        key = (entry.actor, entry.user_id)
        known = readers.get(key)
        count = known.reads + 1 if known else 1
        readers[key] = Reader(entry.actor, entry.user_id, count, entry.at)
    return tuple(sorted(readers.values(), key=lambda r: r.last_at, reverse=True))


EXPORT_COLUMNS = (
    "seq", "at", "who", "user_id", "action", "outcome", "record", "record_id", "patient_id",
    "from", "detail",
)  # fmt: skip


def export_rows(ctx: Context, actor: Actor, wanted: AuditFilter) -> list[list[object]]:
    """The matching events as the rows of a CSV file (``EXPORT_COLUMNS``), newest first, at
    most ``EXPORT_MOST``; the edges write the file."""
    require(actor, Permission.VIEW_AUDIT)
    _check(wanted, 1, 1)
    with ctx.uow() as uow:
        found, _ = uow.audit.search(actor.clinic_id, wanted, 0, EXPORT_MOST)
        detail = "export: " + _described(wanted)
        audit.record(uow, actor, "audit_export", "audit", "*", detail=detail)
        uow.commit()
    rows: list[list[object]] = []
    for event in found:
        e = event.entry
        row = [event.seq, e.at.isoformat(), e.actor, e.user_id or "", e.action, outcome_of(event)]
        rows.append([*row, e.record_type, e.record_id, e.patient_id or "", e.source, e.detail])
    return rows


def outcome_of(event: AuditEvent) -> str:
    return "refused" if event.entry.action in REFUSED_ACTIONS else "allowed"


def _check(wanted: AuditFilter, page: int, per_page: int) -> None:
    problems = []
    if page < 1:
        problems.append(FieldProblem("page", "must be 1 or more"))
    if not 1 <= per_page <= MAX_PER_PAGE:
        problems.append(FieldProblem("per_page", f"must be 1 to {MAX_PER_PAGE}"))
    if wanted.since and wanted.until and wanted.since > wanted.until:
        problems.append(FieldProblem("until", "is before the start date"))
    if len(wanted.action) > 60:
        problems.append(FieldProblem("action", "is longer than 60 characters"))
    if problems:
        raise InvalidInput.of(problems)


def _described(wanted: AuditFilter) -> str:
    parts = [
        f"{name}={value}"
        for name, value in (
            ("patient", wanted.patient_id),
            ("user", wanted.user_id),
            ("action", wanted.action),
            ("since", wanted.since),
            ("until", wanted.until),
            ("refused", wanted.refused),
        )
        if value not in (None, "")
    ]
    return " ".join(parts) or "everything"
