"""Page: the medical director examines the audit trail (``services/audit_review``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from resurface.domain.audit import AuditFilter
from resurface.services import audit_review, users
from resurface.web.deps import ContextDep, SessionDep
from resurface.web.pages.render import page

router = APIRouter()


@router.get("/admin/audit")
def audit_page(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    patient_id: Annotated[int | None, Query(ge=1)] = None,
    user_id: Annotated[int | None, Query(ge=1)] = None,
    action: Annotated[str, Query(max_length=60)] = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
    outcome: Literal["allowed", "refused", ""] = "",
    page_number: Annotated[int, Query(alias="page", ge=1)] = 1,
) -> Response:
    refused = None if not outcome else outcome == "refused"
    wanted = AuditFilter(patient_id, user_id, action, since, until, refused)
    found = audit_review.review(ctx, session.actor, wanted, page_number, 50)
    readers = audit_review.who_saw(ctx, session.actor, patient_id) if patient_id else ()
    query = {
        "patient_id": patient_id or "",
        "user_id": user_id or "",
        "action": action,
        "since": since.isoformat() if since else "",
        "until": until.isoformat() if until else "",
        "outcome": outcome,
    }
    return page(
        request,
        "audit.html",
        session,
        found=found,
        readers=readers,
        query=query,
        people=users.clinic_users(ctx, session.actor),
        outcome_of=audit_review.outcome_of,
    )
