"""Pages: marking a chart record entered in error (it stays, struck through, with the reason).
Amending a record is on its own page (the session, the assessment, the photo ...)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from resurface.domain.chart import CheckInRecord, Photo, TreatmentPlan
from resurface.domain.corrections import RecordKind
from resurface.domain.errors import InvalidInput
from resurface.services import corrections
from resurface.services.context import Context
from resurface.services.corrections import RecordToCorrect
from resurface.web.deps import CheckedSessionDep, ContextDep, Session, SessionDep
from resurface.web.pages.render import page

router = APIRouter()


class ChartRecords(StrEnum):
    """The records that can be entered in error, as their paths name them."""

    CONSULTATIONS = "consultations"
    ASSESSMENTS = "assessments"
    PLANS = "plans"
    SESSIONS = "sessions"
    CHECKINS = "checkins"
    PHOTOS = "photos"


_KINDS = {
    ChartRecords.CONSULTATIONS: RecordKind.CONSULTATION,
    ChartRecords.ASSESSMENTS: RecordKind.ASSESSMENT,
    ChartRecords.PLANS: RecordKind.PLAN,
    ChartRecords.SESSIONS: RecordKind.SESSION,
    ChartRecords.CHECKINS: RecordKind.CHECKIN,
    ChartRecords.PHOTOS: RecordKind.PHOTO,
}


@dataclass(frozen=True)
class _Target:
    """The record as the confirmation page names it, and where to go back to."""

    label: str
    record_id: int
    patient_id: int
    patient_name: str
    title: str
    lines: tuple[str, ...]
    back: str

    @classmethod
    def of(cls, found: RecordToCorrect) -> _Target:
        return cls(
            found.kind.label,
            found.record.id,
            found.patient.id,
            found.patient.full_name,
            f"{found.entry.title}, {found.entry.on.strftime('%d %b %Y')}",
            found.entry.lines,
            record_page(found),
        )


def record_page(found: RecordToCorrect) -> str:
    """Where the record is shown: its own page, or the chart for those without one."""
    record, patient_id = found.record, found.patient.id
    if found.kind is RecordKind.SESSION:
        return f"/sessions/{record.id}"
    if found.kind is RecordKind.CONSULTATION:
        return f"/consultations/{record.id}"
    if found.kind is RecordKind.ASSESSMENT:
        return f"/patients/{patient_id}/assessments/new?assessment={record.id}"
    if isinstance(record, Photo):
        return f"/photos/{record.id}/analysis"
    if isinstance(record, CheckInRecord):
        return f"/patients/{patient_id}/recovery?session_id={record.session_id}"
    assert isinstance(record, TreatmentPlan)
    return f"/patients/{patient_id}#timeline"


@router.get("/{records}/{record_id}/entered-in-error")
def confirm(
    request: Request, ctx: ContextDep, session: SessionDep, records: ChartRecords, record_id: int
) -> Response:
    return _confirm_page(request, ctx, session, records, record_id, reason="", errors={})


@router.post("/{records}/{record_id}/entered-in-error")
def mark(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    records: ChartRecords,
    record_id: int,
    version: Annotated[int, Form()],
    reason: Annotated[str, Form()] = "",
) -> Response:
    kind = _KINDS[records]
    try:
        corrections.enter_in_error(ctx, session.actor, kind, record_id, version, reason)
    except InvalidInput as error:
        errors = error.by_field()
        return _confirm_page(request, ctx, session, records, record_id, reason, errors, version)
    found = corrections.record_to_correct(ctx, session.actor, kind, record_id)
    return RedirectResponse(record_page(found), status_code=303)


def _confirm_page(
    request: Request,
    ctx: Context,
    session: Session,
    records: ChartRecords,
    record_id: int,
    reason: str,
    errors: dict[str, str],
    version: int | None = None,
) -> Response:
    found = corrections.record_to_correct(ctx, session.actor, _KINDS[records], record_id)
    values = {"reason": reason, "version": version or found.record.version}
    return page(
        request,
        "entered_in_error.html",
        session,
        status_code=422 if errors else 200,
        records=records.value,
        target=_Target.of(found),
        values=values,
        errors=errors,
    )
