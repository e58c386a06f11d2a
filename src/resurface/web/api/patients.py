"""Patients: the list (search, stage filter, pages) and one patient's chart."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from resurface.domain.journey import Stage
from resurface.services import charts, patients
from resurface.web.api.schemas import (
    ChartOut,
    PatientOut,
    PatientPage,
    PatientSummaryOut,
    TimelineEntryOut,
)
from resurface.web.deps import ActorDep, RuntimeDep

router = APIRouter(prefix="/patients", tags=["patients"])


@router.get("", response_model=PatientPage)
def list_patients(
    runtime: RuntimeDep,
    actor: ActorDep,
    q: Annotated[str, Query(max_length=100, description="part of the name")] = "",
    stage: Stage | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 25,
) -> PatientPage:
    query = patients.PatientQuery(text=q, stage=stage, page=page, per_page=per_page)
    with runtime.uow() as uow:
        found = patients.list_patients(uow, actor, query, runtime.today(), runtime.healing_days)
    return PatientPage(
        items=[PatientSummaryOut.of(s) for s in found.items],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
        pages=found.pages,
    )


@router.get("/{patient_id}/chart", response_model=ChartOut)
def chart(runtime: RuntimeDep, actor: ActorDep, patient_id: int) -> ChartOut:
    with runtime.uow() as uow:
        view = charts.read_chart(uow, actor, patient_id, runtime.today(), runtime.healing_days)
    return ChartOut(
        patient=PatientOut.of(view.patient),
        stage=view.stage.value,
        timeline=[TimelineEntryOut.of(entry) for entry in view.timeline],
    )
