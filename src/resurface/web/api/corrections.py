"""API: what every chart record shares once saved: its history of corrections, and marking it
entered in error (it stays in the chart, struck through, and counts for nothing). Amending a
record is ``PATCH`` on the record itself, in its own router."""

from __future__ import annotations

from enum import StrEnum

from resurface.domain.corrections import RecordKind
from resurface.services import corrections
from resurface.web.api.schemas.corrections import CorrectionIn, CorrectionOut
from resurface.web.api.v1 import v1_router
from resurface.web.deps import ActorDep, CheckedSessionDep, ContextDep

router = v1_router(tags=["corrections"])


class Records(StrEnum):
    """The chart records, as their paths name them."""

    PATIENTS = "patients"
    CONSULTATIONS = "consultations"
    ASSESSMENTS = "assessments"
    PLANS = "plans"
    SESSIONS = "sessions"
    CHECKINS = "checkins"
    PHOTOS = "photos"


class ChartRecords(StrEnum):
    """The records that can be entered in error (patient details are amended instead)."""

    CONSULTATIONS = "consultations"
    ASSESSMENTS = "assessments"
    PLANS = "plans"
    SESSIONS = "sessions"
    CHECKINS = "checkins"
    PHOTOS = "photos"


_KINDS = {
    "patients": RecordKind.PATIENT,
    "consultations": RecordKind.CONSULTATION,
    "assessments": RecordKind.ASSESSMENT,
    "plans": RecordKind.PLAN,
    "sessions": RecordKind.SESSION,
    "checkins": RecordKind.CHECKIN,
    "photos": RecordKind.PHOTO,
}


@router.get("/{records}/{record_id}/history", response_model=list[CorrectionOut])
def history(
    ctx: ContextDep, actor: ActorDep, records: Records, record_id: int
) -> list[CorrectionOut]:
    """The record's earlier versions, newest first (empty if it was never corrected)."""
    found = corrections.record_history(ctx, actor, _KINDS[records.value], record_id)
    return [CorrectionOut.of(entry) for entry in found]


@router.post("/{records}/{record_id}/entered-in-error", response_model=CorrectionOut)
def entered_in_error(
    ctx: ContextDep,
    session: CheckedSessionDep,
    records: ChartRecords,
    record_id: int,
    body: CorrectionIn,
) -> CorrectionOut:
    """Mark the record entered in error, with the version you saw and why. It is left out of
    plans, results, re-estimation and alerts from now on; a session's or check-in's open alerts
    are closed, its booked appointments cancelled. Already marked: 409."""
    kind = _KINDS[records.value]
    actor = session.actor
    kept = corrections.enter_in_error(ctx, actor, kind, record_id, body.version, body.reason)
    return CorrectionOut.of(corrections.HistoryEntry(kept, actor.name))
