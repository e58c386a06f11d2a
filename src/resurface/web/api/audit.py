"""API: the medical director examines the audit trail: the events (filtered, paged, or as CSV)
and each patient's "who saw my record". Every review is itself audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated, Literal

from fastapi import Depends, Query, Response

from resurface.domain.audit import AuditFilter
from resurface.services import audit_review
from resurface.web.api.schemas.audit import AuditEventOut, ReaderOut
from resurface.web.api.schemas.common import Page
from resurface.web.api.v1 import v1_router
from resurface.web.deps import ActorDep, ContextDep

router = v1_router(tags=["audit"])

Outcome = Literal["allowed", "refused"]


def audit_filter(
    patient_id: Annotated[int | None, Query(ge=1)] = None,
    user_id: Annotated[int | None, Query(ge=1)] = None,
    action: Annotated[str, Query(max_length=60)] = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
    outcome: Outcome | None = None,
) -> AuditFilter:
    refused = None if outcome is None else outcome == "refused"
    return AuditFilter(patient_id, user_id, action, since, until, refused)


FilterDep = Annotated[AuditFilter, Depends(audit_filter)]


@router.get("/audit/events", response_model=Page[AuditEventOut])
def events(
    ctx: ContextDep,
    actor: ActorDep,
    wanted: FilterDep,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[AuditEventOut]:
    """The clinic's events, newest first (medical director only)."""
    found = audit_review.review(ctx, actor, wanted, page, per_page)
    return Page[AuditEventOut].of(found, [AuditEventOut.of(e) for e in found.items])


@router.get("/audit/events.csv", response_class=Response)
def events_csv(ctx: ContextDep, actor: ActorDep, wanted: FilterDep) -> Response:
    """The same events as a CSV file."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(audit_review.EXPORT_COLUMNS)
    writer.writerows(audit_review.export_rows(ctx, actor, wanted))
    headers = {
        "Content-Disposition": 'attachment; filename="audit.csv"',
        "Cache-Control": "private, no-store",
    }
    return Response(out.getvalue(), media_type="text/csv", headers=headers)


@router.get("/patients/{patient_id}/readers", response_model=list[ReaderOut])
def readers(ctx: ContextDep, actor: ActorDep, patient_id: int) -> list[ReaderOut]:
    """Who opened this patient's record, how often and when last."""
    return [ReaderOut.of(r) for r in audit_review.who_saw(ctx, actor, patient_id)]
