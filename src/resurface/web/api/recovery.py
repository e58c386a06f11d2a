"""API: a patient's recovery against the expected course, and the clinic's alerts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from resurface.domain.alerts import AlertStatus
from resurface.domain.codes import Area
from resurface.services.recovery import alerts, clinician_view
from resurface.web.api.followup_schemas import AlertAction, AlertOut, AlertPage, RecoveryOut
from resurface.web.deps import ActorDep, CheckedSessionDep, ContextDep

router = APIRouter(tags=["recovery"])


@router.get("/patients/{patient_id}/recovery", response_model=RecoveryOut)
def recovery(
    ctx: ContextDep,
    actor: ActorDep,
    patient_id: int,
    session_id: Annotated[int | None, Query(description="default: the latest session")] = None,
    area: Annotated[Area | None, Query(description="default: the most demanding area")] = None,
) -> RecoveryOut:
    view = clinician_view.read_recovery(ctx, actor, patient_id, session_id, area)
    return RecoveryOut.of(view)


@router.get("/alerts", response_model=AlertPage)
def list_alerts(
    ctx: ContextDep,
    actor: ActorDep,
    status: Annotated[
        AlertStatus | None, Query(description="default: every alert not yet closed")
    ] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 25,
) -> AlertPage:
    found = alerts.list_alerts(ctx, actor, status, page, per_page)
    return AlertPage(
        items=[AlertOut.of(v.alert, v.patient_name) for v in found.items],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
        pages=found.pages,
    )


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertOut)
def acknowledge(
    ctx: ContextDep, session: CheckedSessionDep, alert_id: int, body: AlertAction
) -> AlertOut:
    saved = alerts.acknowledge(ctx, session.actor, alert_id, body.version, body.note)
    return AlertOut.of(saved)


@router.post("/alerts/{alert_id}/close", response_model=AlertOut)
def close(
    ctx: ContextDep, session: CheckedSessionDep, alert_id: int, body: AlertAction
) -> AlertOut:
    saved = alerts.close(ctx, session.actor, alert_id, body.version, body.note)
    return AlertOut.of(saved)
