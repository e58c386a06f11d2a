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
from resurface.web.deps import ActorDep, ContextDep

router = APIRouter(prefix="/patients", tags=["patients"])


@router.get("", response_model=PatientPage)
def list_patients(
    ctx: ContextDep,
    actor: ActorDep,
    q: Annotated[str, Query(max_length=100, description="part of the name")] = "",
    stage: Stage | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 25,
) -> PatientPage:
    query = patients.PatientQuery(text=q, stage=stage, page=page, per_page=per_page)
    found = patients.list_patients(ctx, actor, query)
    return PatientPage(
        items=[PatientSummaryOut.of(s) for s in found.items],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
        pages=found.pages,
    )


@router.get("/{patient_id}/chart", response_model=ChartOut)
def chart(ctx: ContextDep, actor: ActorDep, patient_id: int) -> ChartOut:
    view = charts.read_chart(ctx, actor, patient_id)
    return ChartOut(
        patient=PatientOut.of(view.patient),
        stage=view.stage.value,
        timeline=[TimelineEntryOut.of(entry) for entry in view.timeline],
    )
