"""API shapes of the treatment plan: the saved plan with the engine's proposal, and decisions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from resurface.domain.chart import TreatmentPlan
from resurface.domain.codes import Modality
from resurface.web.api.schemas import PlanOut, Whole


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


class DecisionIn(BaseModel):
    """Accept an item as proposed, or override it (another modality and/or session count and
    the reason). ``version`` is the plan version the decision was made on."""

    model_config = ConfigDict(extra="forbid")

    version: Whole
    decision: Literal["accept", "override"]
    chosen_modality: Modality | None = None
    chosen_sessions: Whole | None = None
    override_reason: Annotated[str, Field(max_length=2000)] = ""


class CosignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Whole
