"""The patient list and the read-only chart timeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from resurface.domain.errors import InvalidInput
from resurface.domain.journey import Stage
from resurface.services import charts, patients
from resurface.services.access import Permission
from resurface.web.deps import ContextDep, SessionDep
from resurface.web.pages.render import page

router = APIRouter()


@router.get("/patients")
def patient_list(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    q: Annotated[str, Query(max_length=100)] = "",
    stage: Annotated[str, Query(description="a stage, or empty for all")] = "",
    page_number: Annotated[int, Query(alias="page", ge=1)] = 1,
) -> Response:
    chosen = _stage(stage)
    query = patients.PatientQuery(text=q, stage=chosen, page=page_number, per_page=25)
    found = patients.list_patients(ctx, session.actor, query)
    return page(
        request,
        "patients.html",
        session,
        found=found,
        q=q,
        stage=chosen,
        stages=list(Stage),
        can_view_chart=session.actor.may(Permission.VIEW_CHART),
    )


def _stage(value: str) -> Stage | None:
    """The form's "All stages" sends an empty value."""
    if not value:
        return None
    try:
        return Stage(value)
    except ValueError:
        choices = ", ".join(s.value for s in Stage)
        raise InvalidInput("stage", f"must be one of {choices}") from None


@router.get("/patients/{patient_id:int}")
def chart(request: Request, ctx: ContextDep, session: SessionDep, patient_id: int) -> Response:
    view = charts.read_chart(ctx, session.actor, patient_id)
    return page(request, "chart.html", session, view=view, today=ctx.clock.today())


@router.get("/photos/{photo_id:int}")
def photo(ctx: ContextDep, session: SessionDep, photo_id: int) -> Response:
    record, data = charts.read_photo_bytes(ctx, session.actor, photo_id)
    return Response(data, media_type=record.media_type, headers={"Cache-Control": "private"})
