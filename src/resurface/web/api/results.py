"""API: a patient's measured results, re-estimated sessions and GAIS ratings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from resurface.domain.results_report import ReportVersion
from resurface.services import results, results_report
from resurface.web.api.schemas.results import OutcomeIn, OutcomeOut, ResultsOut
from resurface.web.api.schemas.results_report import SentReportOut
from resurface.web.api.v1 import v1_router
from resurface.web.deps import ActorDep, CheckedSessionDep, ContextDep

router = v1_router(tags=["results"])


@router.get("/patients/{patient_id}/results", response_model=ResultsOut)
def read_results(
    ctx: ContextDep,
    actor: ActorDep,
    patient_id: int,
    before: Annotated[int | None, Query(description="photo id; default the baseline")] = None,
    after: Annotated[int | None, Query(description="photo id; default the latest")] = None,
) -> ResultsOut:
    return ResultsOut.of(results.read_results(ctx, actor, patient_id, before, after))


@router.post("/patients/{patient_id}/outcomes", response_model=OutcomeOut, status_code=201)
def record_outcome(
    ctx: ContextDep, session: CheckedSessionDep, patient_id: int, body: OutcomeIn
) -> OutcomeOut:
    saved = results.record_outcome(
        ctx, session.actor, patient_id, body.value, body.note, body.session_id, body.rated_on
    )
    return OutcomeOut.of(saved)


@router.get(
    "/patients/{patient_id}/results/report",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the report as PDF"}},
)
def results_report_pdf(
    ctx: ContextDep,
    actor: ActorDep,
    patient_id: int,
    version: Annotated[
        ReportVersion, Query(description="patient: plain words; chart: with settings and sources")
    ] = ReportVersion.PATIENT,
) -> Response:
    data = results_report.report_pdf(ctx, actor, patient_id, version)
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="results-{patient_id}-{version.value}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


@router.post(
    "/patients/{patient_id}/results/report/send", response_model=SentReportOut, status_code=202
)
def send_results_report(
    ctx: ContextDep, session: CheckedSessionDep, patient_id: int
) -> SentReportOut:
    """E-mail the patient's version through the outbox (a link to it on the patient's page):
    answers at once with the report ``preparing``; a background job draws it and queues the
    e-mail (``sent``), or says why it could not (``not_sent`` and ``reason``)."""
    return SentReportOut.of(results_report.send_report(ctx, session.actor, patient_id))


@router.get("/patients/{patient_id}/results/report/sent", response_model=list[SentReportOut])
def sent_results_reports(ctx: ContextDep, actor: ActorDep, patient_id: int) -> list[SentReportOut]:
    """The reports sent to the patient, newest first."""
    return [
        SentReportOut.of(row.report) for row in results_report.sent_reports(ctx, actor, patient_id)
    ]
