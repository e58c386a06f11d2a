"""API: one recovery check-in of the chart (the patient's answers as the clinic reads them)."""

from __future__ import annotations

from resurface.domain.chart import CheckInRecord
from resurface.domain.corrections import RecordKind
from resurface.web.api.chart_records import read_record
from resurface.web.api.schemas.checkins import CheckInOut
from resurface.web.api.v1 import v1_router
from resurface.web.deps import ActorDep, ContextDep

router = v1_router(tags=["check-ins"])


@router.get("/checkins/{checkin_id}", response_model=CheckInOut)
def checkin(ctx: ContextDep, actor: ActorDep, checkin_id: int) -> CheckInOut:
    return CheckInOut.of(read_record(ctx, actor, RecordKind.CHECKIN, checkin_id, CheckInRecord))
