"""The clinician's recovery page: alerts first, then each score against the expected course."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from resurface.domain.codes import Area
from resurface.domain.errors import InvalidInput, VersionConflict
from resurface.services.errors import Conflict
from resurface.services.recovery import alerts, clinician_view
from resurface.services.recovery.clinician_view import RecoveryChart, ScoreSeries
from resurface.web.deps import CheckedSessionDep, ContextDep, Session, SessionDep
from resurface.web.pages.render import page
from resurface.web.svg_charts import BandPoint, FlagMark, ScorePoint, score_chart

router = APIRouter()


@router.get("/patients/{patient_id}/recovery")
def recovery(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    patient_id: int,
    session_id: Annotated[int | None, Query()] = None,
    area: Annotated[Area | None, Query()] = None,
) -> Response:
    return _render(request, ctx, session, patient_id, session_id, area)


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    alert_id: int,
    patient_id: Annotated[int, Form()],
    version: Annotated[int, Form()],
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    return _act(request, ctx, session, "acknowledge", alert_id, patient_id, version, note)


@router.post("/alerts/{alert_id}/close")
def close(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    alert_id: int,
    patient_id: Annotated[int, Form()],
    version: Annotated[int, Form()],
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    return _act(request, ctx, session, "close", alert_id, patient_id, version, note)


def _act(
    request: Request,
    ctx: ContextDep,
    session: Session,
    action: str,
    alert_id: int,
    patient_id: int,
    version: int,
    note: str,
) -> Response:
    use_case = alerts.acknowledge if action == "acknowledge" else alerts.close
    try:
        saved = use_case(ctx, session.actor, alert_id, version, note)
    except InvalidInput as error:
        problem = {"alert_id": alert_id, "action": action, "note": note, "field": error.message}
        return _render(request, ctx, session, patient_id, problem=problem, status=422)
    except (VersionConflict, Conflict) as error:
        problem = {"alert_id": alert_id, "action": action, "note": note, "conflict": str(error)}
        return _render(request, ctx, session, patient_id, problem=problem, status=409)
    target = f"/patients/{saved.patient_id}/recovery?session_id={saved.session_id}"
    return RedirectResponse(f"{target}#alert-{saved.id}", status_code=303)


def _render(
    request: Request,
    ctx: ContextDep,
    session: Session,
    patient_id: int,
    session_id: int | None = None,
    area: Area | None = None,
    *,
    problem: dict[str, object] | None = None,
    status: int = 200,
) -> Response:
    view = clinician_view.read_recovery(ctx, session.actor, patient_id, session_id, area)
    return page(
        request,
        "recovery.html",
        session,
        status_code=status,
        view=view,
        charts=_charts(view),
        problem=problem or {},
    )


def _charts(view: RecoveryChart) -> list[tuple[ScoreSeries, Markup]]:
    flags = [
        FlagMark(f.day, ", ".join(flag.value.replace("_", " ") for flag in f.flags))
        for f in view.flags
    ]
    out = []
    for series in view.series:
        svg = score_chart(
            series.score.value.capitalize(),
            [BandPoint(day, band.low, band.high) for day, band in series.band],
            [
                ScorePoint(r.day, r.value, "above the expected range" if r.above else "")
                for r in series.readings
            ],
            flags,
            days=view.days_shown,
            today=view.today_day,
            chart_id=f"chart-{series.score.value}",
        )
        out.append((series, Markup(svg)))  # noqa: S704 - built and escaped by svg_charts
    return out
