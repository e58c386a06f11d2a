"""Reading a patient's chart: the whole timeline, or one record of it. Every read is audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from resurface.domain.break_glass import BreakGlass
from resurface.domain.chart import Chart, Photo
from resurface.domain.consent import PhotoUse, photo_uses
from resurface.domain.corrections import RecordKind
from resurface.domain.journey import Stage
from resurface.domain.people import Clinic, Patient
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.break_glass import emergency_access
from resurface.services.corrections import Record, lookup
from resurface.services.errors import NotFound
from resurface.services.patients import find_patient_audited, stage_for
from resurface.services.ports import ChartRead, UnitOfWork
from resurface.services.recovery.alerts import AlertInContext, in_context
from resurface.services.scheduling.views import BookEntry, coming_visits_in
from resurface.services.timeline import TimelineEntry, timeline_of

if TYPE_CHECKING:
    from resurface.services.context import Context


@dataclass(frozen=True)
class ChartView:
    patient: Patient
    stage: Stage
    chart: Chart
    timeline: tuple[TimelineEntry, ...]
    open_alerts: tuple[AlertInContext, ...] = ()
    """Alerts not yet closed, for the banner at the top of the chart."""
    emergency: BreakGlass | None = None
    """The front desk's emergency access this read was made under (read-only, time-limited)."""
    photo_uses: dict[PhotoUse, bool] = field(default_factory=dict)
    """Which uses the patient's photos may serve now (their photo consent), shown on each."""


def read_chart(ctx: Context, actor: Actor, patient_id: int) -> ChartView:
    """The whole chart and the patient's stage today; the read is audited. The front desk reads
    it only under an open emergency access to this patient, and the event carries its reason."""
    with ctx.uow() as uow:
        view = read_chart_in(uow, ctx, actor, patient_id)
        uow.commit()
        return view


def chart_page(
    ctx: Context, actor: Actor, patient_id: int, clinic: Clinic | None = None
) -> tuple[ChartView, tuple[BookEntry, ...]]:
    """The chart and the patient's coming visits, as the chart page shows them: both reads
    audited, in one transaction (one commit of both events, not one each). ``clinic``: the
    actor's, when the caller has it (the session check reads it), for the visits' time zone."""
    with ctx.uow() as uow:
        view = read_chart_in(uow, ctx, actor, patient_id)
        coming = coming_visits_in(uow, ctx, actor, patient_id, view.patient, clinic)
        uow.commit()
        return view, coming


def read_chart_in(uow: UnitOfWork, ctx: Context, actor: Actor, patient_id: int) -> ChartView:
    """:func:`read_chart` inside the caller's unit of work, which commits it."""
    now = ctx.clock.now()
    emergency = emergency_access(uow, actor, patient_id, now)
    found = uow.charts.chart_read(actor.clinic_id, patient_id)
    if found is None:  # not the clinic's patient: the miss is audited, NotFound raised
        patient = find_patient_audited(uow, actor, patient_id)
        found = ChartRead(  # unless the patient was added since (committed in between)
            patient,
            uow.charts.chart(actor.clinic_id, patient.id),
            uow.patients.series(actor.clinic_id, patient.id),
            uow.alerts.for_patient(actor.clinic_id, patient.id),
            uow.consents.photo_consents(actor.clinic_id, patient.id),
        )
    patient, chart = found.patient, found.chart
    if emergency is None:
        action, detail = "chart_read", ""
    else:
        action, detail = "chart_read_break_glass", f"reason: {emergency.reason}"
    audit.record(
        uow, actor, action, "patient", patient.id, patient_id=patient.id, detail=detail, at=now
    )
    stage = stage_for(found.facts, ctx.clock.today(), ctx.rules)
    alerts = in_context(found.alerts, chart, patient.phone)
    uses = photo_uses(found.photo_consents)
    return ChartView(patient, stage, chart, timeline_of(chart), alerts, emergency, uses)


def read_chart_record(ctx: Context, actor: Actor, kind: RecordKind, record_id: int) -> Record:
    """One record of a chart by id. Another clinic's record is NotFound, as if it did not exist."""
    with ctx.uow() as uow:
        return read_record(uow, actor, kind, record_id)


def read_record(
    uow: UnitOfWork,
    actor: Actor,
    kind: RecordKind,
    record_id: int,
    *,
    at: dt.datetime | None = None,
) -> Record:
    """``read_chart_record`` inside the caller's unit of work (which it commits: reads are
    audited)."""
    require(actor, Permission.VIEW_CHART)
    record = lookup(uow, actor.clinic_id, kind, record_id)
    if record is None:
        audit.record(uow, actor, "read_not_found", kind.value, record_id, at=at)
        uow.commit()
        raise NotFound(kind.value, record_id)
    patient_id = record.id if isinstance(record, Patient) else record.patient_id
    audit.record(uow, actor, "read", kind.value, record_id, patient_id=patient_id, at=at)
    uow.commit()
    return record


def read_photo_bytes(ctx: Context, actor: Actor, photo_id: int) -> tuple[Photo, bytes]:
    """A photo's record and its stored image (from ``ctx.photos``); the read is audited."""
    record = read_chart_record(ctx, actor, RecordKind.PHOTO, photo_id)
    assert isinstance(record, Photo)
    return record, ctx.photos.get(record.storage_key)


__all__ = [
    "ChartView",
    "RecordKind",
    "chart_page",
    "read_chart",
    "read_chart_in",
    "read_chart_record",
    "read_record",
]
