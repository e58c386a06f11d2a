"""The results page: before/after photos measured, GAIS rating, sessions still needed; the
results report (patient's and chart version) to download, and sending it to the patient."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from resurface.domain.errors import InvalidInput
from resurface.domain.results_report import ReportVersion
from resurface.services import result_sharing, results, results_report
from resurface.web.deps import CheckedSessionDep, ContextDep, Session, SessionDep
from resurface.web.pages.render import page

router = APIRouter()

RESPONSE_WORDS = {
    "not_started": "no follow-up photo yet",
    "target_reached": "goal reached",
    "ahead": "ahead of the plan",
    "on_track": "on track",
    "behind": "slower than planned",
    "no_response": "no measured change yet",
}
"""The re-estimate's status as the clinic reads it beside the sessions done."""


@router.get("/patients/{patient_id}/results")
def results_page(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    patient_id: int,
    before: Annotated[int | None, Query()] = None,
    after: Annotated[int | None, Query()] = None,
) -> Response:
    return _render(request, ctx, session, patient_id, before, after)


@router.get("/patients/{patient_id}/results/compare.png")
def comparison_png(
    ctx: ContextDep,
    session: SessionDep,
    patient_id: int,
    before: Annotated[int, Query()],
    after: Annotated[int, Query()],
) -> Response:
    data = results.comparison_png(ctx, session.actor, patient_id, before, after)
    return Response(data, media_type="image/png", headers={"Cache-Control": "private"})


@router.post("/patients/{patient_id}/outcomes")
def record_outcome(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    patient_id: int,
    value: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    try:
        results.record_outcome(ctx, session.actor, patient_id, _whole(value), note)
    except InvalidInput as error:
        form: dict[str, object] = {"value": value, "note": note, "errors": error.by_field()}
        return _render(request, ctx, session, patient_id, form=form, status=422)
    return RedirectResponse(f"/patients/{patient_id}/results#outcomes", status_code=303)


@router.post("/patients/{patient_id}/results/share")
def share_result(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    patient_id: int,
    before: Annotated[int, Form()],
    after: Annotated[int, Form()],
) -> Response:
    """The clinician's "share with patient" switch of the comparison shown."""
    try:
        result_sharing.share_result(ctx, session.actor, patient_id, before, after)
    except InvalidInput as error:
        form: dict[str, object] = {"value": "", "note": "", "errors": error.by_field()}
        return _render(request, ctx, session, patient_id, before, after, form=form, status=422)
    return RedirectResponse(
        f"/patients/{patient_id}/results?before={before}&after={after}#sharing", status_code=303
    )


@router.post("/patients/{patient_id}/results/shares/{share_id}/withdraw")
def withdraw_share(
    ctx: ContextDep,
    session: CheckedSessionDep,
    patient_id: int,
    share_id: int,
    before: Annotated[int | None, Form()] = None,
    after: Annotated[int | None, Form()] = None,
) -> Response:
    result_sharing.withdraw_share(ctx, session.actor, patient_id, share_id)
    pair = f"?before={before}&after={after}" if before and after else ""
    return RedirectResponse(f"/patients/{patient_id}/results{pair}#sharing", status_code=303)


@router.get("/patients/{patient_id}/results/report.pdf")
def report_pdf(
    ctx: ContextDep,
    session: SessionDep,
    patient_id: int,
    version: Annotated[ReportVersion, Query()] = ReportVersion.PATIENT,
) -> Response:
    """The results report, the patient's version or the chart version."""
    data = results_report.report_pdf(ctx, session.actor, patient_id, version)
    return report_response(data, patient_id, version)


def report_response(data: bytes, patient_id: int, version: ReportVersion) -> Response:
    name = f"results-{patient_id}-{version.value}.pdf"
    headers = {
        "Content-Disposition": f'inline; filename="{name}"',
        "Cache-Control": "private, no-store",
    }
    return Response(data, media_type="application/pdf", headers=headers)


@router.post("/patients/{patient_id}/results/report/send")
def send_report(
    request: Request, ctx: ContextDep, session: CheckedSessionDep, patient_id: int
) -> Response:
    """E-mail the patient's version (only when the clinician presses send)."""
    try:
        results_report.send_report(ctx, session.actor, patient_id)
    except InvalidInput as error:
        form: dict[str, object] = {"value": "", "note": "", "errors": error.by_field()}
        return _render(request, ctx, session, patient_id, form=form, status=422)
    return RedirectResponse(f"/patients/{patient_id}/results#report", status_code=303)


def _whole(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InvalidInput("value", "choose a rating from 1 to 5") from None


def _render(
    request: Request,
    ctx: ContextDep,
    session: Session,
    patient_id: int,
    before: int | None = None,
    after: int | None = None,
    *,
    form: dict[str, object] | None = None,
    status: int = 200,
) -> Response:
    view = results.read_results(ctx, session.actor, patient_id, before, after)
    return page(
        request,
        "results.html",
        session,
        status_code=status,
        view=view,
        form=form or {"value": "", "note": "", "errors": {}},
        today=ctx.clock.today(),
        response_words=RESPONSE_WORDS,
        sent_reports=results_report.sent_reports(ctx, session.actor, patient_id),
        zone=ctx.clock.zone,
    )
