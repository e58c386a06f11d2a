"""The plans API's shapes."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from resurface.domain.chart import (
    TreatmentPlan,
)
from resurface.domain.codes import Modality
from resurface.web.api.schemas.common import InputModel, Whole


class RangeOut(BaseModel):
    min: float
    max: float


class PlanItemOut(BaseModel):
    area: str
    concern: str
    severity: str
    proposed_modality: str
    sessions_min: int
    sessions_expected: int
    sessions_max: int
    interval_weeks: RangeOut
    downtime_days: RangeOut
    decision: str
    chosen_modality: str | None
    chosen_sessions: int | None
    override_reason: str
    decided_by: int | None


class PlanOut(BaseModel):
    id: int
    patient_id: int
    clinician_id: int
    created_on: dt.date
    status: str
    items: list[PlanItemOut]
    rationale: list[str]
    sources: list[str]
    cosigned_by: int | None
    version: int
    entered_in_error: str = Field(
        description="why the record was marked entered in error; empty while it stands"
    )

    @classmethod
    def of(cls, record: TreatmentPlan) -> PlanOut:
        items = [
            PlanItemOut(
                **{
                    **asdict(item),
                    "interval_weeks": RangeOut(**asdict(item.interval_weeks)),
                    "downtime_days": RangeOut(**asdict(item.downtime_days)),
                }
            )
            for item in record.items
        ]
        return cls(
            id=record.id,
            patient_id=record.patient_id,
            clinician_id=record.clinician_id,
            created_on=record.created_on,
            status=record.status.value,
            items=items,
            rationale=list(record.rationale),
            sources=list(record.sources),
            cosigned_by=record.cosigned_by,
            version=record.version,
            entered_in_error=record.entered_in_error,
        )


class PlanDetailOut(PlanOut):
    """The plan, its decisions and the engine's whole proposal as it was shown."""

    cosigned_at: dt.datetime | None
    proposal: dict[str, Any]

    @classmethod
    def of_plan(cls, plan: TreatmentPlan) -> PlanDetailOut:
        return cls(
            **PlanOut.of(plan).model_dump(),
            cosigned_at=plan.cosigned_at,
            proposal=dict(plan.proposal),
        )


class DecisionIn(InputModel):
    """Accept an item as proposed, or override it (another modality and/or session count and
    the reason). ``version`` is the plan version the decision was made on."""

    model_config = ConfigDict(extra="forbid")

    version: Whole
    decision: Literal["accept", "override"]
    chosen_modality: Modality | None = None
    chosen_sessions: Whole | None = None
    override_reason: Annotated[str, Field(max_length=2000)] = ""
    correction_reason: Annotated[str, Field(max_length=2000)] = Field(
        default="",
        description="why a decision of the accepted plan is corrected; needed only then (the "
        "earlier version is kept in GET /plans/{id}/history)",
    )


class CosignIn(InputModel):
    version: Whole
