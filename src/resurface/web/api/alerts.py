"""API: the clinic's recovery alerts: the list, and acknowledging and closing one (each names
the alert ``version`` it acted on; a stale one is a 409)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from resurface.domain.alerts import AlertStatus
from resurface.services.recovery import alerts
from resurface.web.api.schemas.alerts import AlertAction, AlertOut
from resurface.web.api.schemas.common import Page
from resurface.web.api.v1 import v1_router
from resurface.web.deps import ActorDep, CheckedSessionDep, ContextDep

router = v1_router(tags=["alerts"])


@router.get("/alerts", response_model=Page[AlertOut])
def list_alerts(
    ctx: ContextDep,
    actor: ActorDep,
    status: Annotated[
        AlertStatus | None, Query(description="default: every alert not yet closed")
    ] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 25,
) -> Page[AlertOut]:
    found = alerts.list_alerts(ctx, actor, status, page, per_page)
    return Page[AlertOut].of(found, [AlertOut.of(v.alert, v.patient_name) for v in found.items])


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
