"""API: a patient's recovery against the expected course, and the clinic's alerts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from resurface.domain.alerts import AlertStatus
from resurface.domain.codes import Area
from resurface.services.recovery import alerts, clinician_view
from resurface.web.api.followup_schemas import AlertAction, AlertOut, AlertPage, RecoveryOut
from resurface.web.deps import ActorDep, CheckedSessionDep, RuntimeDep

router = APIRouter(tags=["recovery"])


@router.get("/patients/{patient_id}/recovery", response_model=RecoveryOut)
def recovery(
    runtime: RuntimeDep,
    actor: ActorDep,
    patient_id: int,
    session_id: Annotated[int | None, Query(description="default: the latest session")] = None,
    area: Annotated[Area | None, Query(description="default: the session's first area")] = None,
) -> RecoveryOut:
    with runtime.uow() as uow:
        view = clinician_view.read_recovery(
            uow, actor, runtime.rules, patient_id, runtime.today(), session_id, area
        )
    return RecoveryOut.of(view)


@router.get("/alerts", response_model=AlertPage)
def list_alerts(
    runtime: RuntimeDep,
    actor: ActorDep,
    status: Annotated[
        AlertStatus | None, Query(description="default: every alert not yet closed")
    ] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 25,
) -> AlertPage:
    with runtime.uow() as uow:
        found = alerts.list_alerts(uow, actor, status, page, per_page)
    return AlertPage(
        items=[AlertOut.of(v.alert, v.patient_name) for v in found.items],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
        pages=found.pages,
    )


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertOut)
def acknowledge(
    runtime: RuntimeDep, session: CheckedSessionDep, alert_id: int, body: AlertAction
) -> AlertOut:
    with runtime.uow() as uow:
        saved = alerts.acknowledge(
            uow, session.actor, alert_id, body.version, body.note, dt.datetime.now(dt.UTC)
        )
    return AlertOut.of(saved)


@router.post("/alerts/{alert_id}/close", response_model=AlertOut)
def close(
    runtime: RuntimeDep, session: CheckedSessionDep, alert_id: int, body: AlertAction
) -> AlertOut:
    with runtime.uow() as uow:
        saved = alerts.close(
            uow, session.actor, alert_id, body.version, body.note, dt.datetime.now(dt.UTC)
        )
    return AlertOut.of(saved)
