"""The background jobs by name, and what runs them.

A use case defers a job through ``ctx.jobs`` (``ports.JobQueue``: procrastinate on PostgreSQL,
the ``jobs`` table and an in-process worker on SQLite); a worker calls ``run_job`` with the
job's name and arguments. ``catch_up`` defers again what a lost job left undone (a crash between
a commit and its defer, photos from before background jobs), so the stored data, not the queue,
says what is still to do.

The jobs: a photo's analysis and the comparisons it completes (``services.photo_analysis``),
drawing and e-mailing a results report a clinician sent (``services.results_report``), and
delivering an urgent e-mail at once (``services.recovery.outbox``: whichever process runs jobs
sends it; the outbox loop still sends everything else, and retries).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from resurface.imaging.analysis import ANALYSIS_VERSION
from resurface.services import photo_analysis, results_report
from resurface.services.context import Context
from resurface.services.photo_analysis import ANALYSE_PHOTO, COMPARE_PHOTOS, COMPARE_SERIES
from resurface.services.recovery import outbox
from resurface.services.recovery.outbox import DELIVER_MESSAGE
from resurface.services.results_report import PREPARE_RESULTS_REPORT

__all__ = ["CATCH_UP", "JOBS", "UnknownJob", "catch_up", "run_job", "run_pending_jobs"]

CATCH_UP = "catch_up"
CATCH_UP_BATCH = 500
"""Photos (patients, reports) deferred again by one catch-up; the next one takes the rest."""


class UnknownJob(Exception):
    """A job name this version does not know (a queue shared with another version)."""


def catch_up(ctx: Context) -> None:
    """Defer an analysis for every photo that has none, a comparison round for every patient
    with a photo not compared at this analysis version, and the preparation of every results
    report still being prepared. Deferring what already waits adds nothing, so this is safe to
    run often (a worker runs it when it starts and every few minutes)."""
    with ctx.uow() as uow:
        photos = uow.measurements.unanalysed(CATCH_UP_BATCH)
        patients = uow.measurements.uncompared_patients(ANALYSIS_VERSION, CATCH_UP_BATCH)
        reports = uow.sent_reports.preparing(CATCH_UP_BATCH)
    for clinic_id, photo_id in photos:
        ctx.jobs.defer(ANALYSE_PHOTO, clinic_id=clinic_id, photo_id=photo_id)
    for clinic_id, patient_id in patients:
        ctx.jobs.defer(COMPARE_SERIES, clinic_id=clinic_id, patient_id=patient_id)
    for clinic_id, report_id in reports:
        ctx.jobs.defer(PREPARE_RESULTS_REPORT, clinic_id=clinic_id, report_id=report_id)


JOBS: Mapping[str, Callable[..., None]] = {
    ANALYSE_PHOTO: photo_analysis.analyse_photo,
    COMPARE_SERIES: photo_analysis.compare_series,
    COMPARE_PHOTOS: photo_analysis.compare_photos,
    PREPARE_RESULTS_REPORT: results_report.prepare_report,
    DELIVER_MESSAGE: outbox.deliver_message,
    CATCH_UP: catch_up,
}


def run_job(ctx: Context, name: str, args: Mapping[str, int | str]) -> None:
    """Run one job; an exception means it failed and is to be tried again later."""
    job = JOBS.get(name)
    if job is None:
        raise UnknownJob(name)
    job(ctx, **args)


def run_pending_jobs(ctx: Context) -> int:
    """Run every job that waits, and those they defer, here and now; how many ran. For the demo
    loader and the tests, which need measurements at once; the app itself leaves jobs to its
    workers."""
    return ctx.jobs.run_pending(lambda name, args: run_job(ctx, name, args))
