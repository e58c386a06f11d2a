"""Photo analysis and comparisons as background jobs, through each database's real queue
(procrastinate on PostgreSQL, the jobs table on SQLite): the upload answers first, a worker
measures, a job that crashes half-way is tried again and writes once, two workers never run the
same job, and Results reads what the jobs kept."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import threading
from collections import Counter
from collections.abc import Mapping

import numpy as np
import psycopg
import pytest
from PIL import Image
from sqlalchemy import update

from resurface.bootstrap import Runtime
from resurface.domain.chart import PhotoPurpose
from resurface.domain.measurements import AnalysisStatus
from resurface.domain.people import Role
from resurface.services import jobs, photo_analysis, photos, results
from resurface.services.access import Actor
from resurface.storage import tables
from resurface.storage.job_table import TableJobQueue
from resurface.storage.procrastinate_queue import ProcrastinateJobQueue, conninfo
from tests.support.clinic import SeededClinic, seed_clinic


def _skin(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = np.clip(rng.normal((214, 170, 145), 6, (240, 320, 3)), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def _clinician(runtime: Runtime) -> tuple[SeededClinic, Actor]:
    north = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert user is not None
    return north, Actor(user.id, user.clinic_id, Role.CLINICIAN, user.display_name)


def _waiting(runtime: Runtime) -> int:
    """Jobs waiting to run, in whichever queue the database has."""
    if isinstance(runtime.jobs, TableJobQueue):
        return runtime.jobs.counts().get("todo", 0)
    with psycopg.connect(conninfo(runtime.settings.sqlalchemy_url)) as connection:
        row = connection.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'"
        ).fetchone()
    return int(row[0]) if row else 0


def _due_now(runtime: Runtime) -> None:
    """A job put back after a failure waits (backoff); make it due, as time would."""
    if isinstance(runtime.jobs, TableJobQueue):
        with runtime.engine.begin() as connection:
            connection.execute(
                update(tables.jobs)
                .where(tables.jobs.c.status == "todo")
                .values(run_after=dt.datetime.now(dt.UTC))
            )
        return
    with psycopg.connect(conninfo(runtime.settings.sqlalchemy_url)) as connection:
        connection.execute(
            "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'"
        )


def _measurements(runtime: Runtime, clinic_id: int, photo_ids: list[int]) -> int:
    with runtime.context.uow() as uow:
        return len(uow.measurements.for_photos(clinic_id, photo_ids))


def test_the_upload_answers_before_the_analysis_and_a_worker_measures_and_compares(
    runtime: Runtime,
) -> None:
    north, actor = _clinician(runtime)
    ctx = runtime.context
    baseline = photos.upload_photo(ctx, actor, north.patient.id, "neck", _skin(1))
    later = photos.upload_photo(
        ctx, actor, north.patient.id, "neck", _skin(2), purpose=PhotoPurpose.FOLLOW_UP
    )
    ids = [baseline.photo.id, later.photo.id]
    assert baseline.status is AnalysisStatus.PENDING and later.measurement is None
    assert _measurements(runtime, north.clinic.id, ids) == 0 and _waiting(runtime) == 2
    view = results.read_results(ctx, actor, north.patient.id)
    assert view.comparing and view.measured is None  # "being analysed", nothing computed

    assert jobs.run_pending_jobs(ctx) >= 4  # two analyses, a comparison round, a comparison
    assert _measurements(runtime, north.clinic.id, ids) == 2
    view = results.read_results(ctx, actor, north.patient.id)
    assert (view.before, view.after) == (baseline.photo, later.photo)
    assert view.measured is not None and view.measured.changes and not view.comparing
    assert view.measured.before_quality is not None  # the capture verdicts, kept
    assert _waiting(runtime) == 0


def test_a_job_that_crashes_half_way_is_tried_again_and_writes_once(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    north, actor = _clinician(runtime)
    ctx = runtime.context
    uploaded = photos.upload_photo(ctx, actor, north.patient.id, "neck", _skin(3))
    real = photo_analysis.overlay_png
    crashes = [1]

    def crash_once(*args: object, **kwargs: object) -> bytes:
        if crashes:
            crashes.pop()  # measured, not yet written: the worker dies here
            raise MemoryError("the worker ran out of memory")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(photo_analysis, "overlay_png", crash_once)
    jobs.run_pending_jobs(ctx)  # the job fails; the queue keeps it to try again
    assert not crashes and _measurements(runtime, north.clinic.id, [uploaded.photo.id]) == 0
    assert _waiting(runtime) == 1
    _due_now(runtime)
    jobs.run_pending_jobs(ctx)
    assert _measurements(runtime, north.clinic.id, [uploaded.photo.id]) == 1
    photo_analysis.analyse_photo(ctx, north.clinic.id, uploaded.photo.id)  # a third run
    assert _measurements(runtime, north.clinic.id, [uploaded.photo.id]) == 1
    view = photos.read_analysis(ctx, actor, uploaded.photo.id)
    assert view.status is AnalysisStatus.MEASURED


def test_two_workers_at_once_never_run_the_same_job(runtime: Runtime) -> None:
    north, actor = _clinician(runtime)
    ctx = runtime.context
    uploaded = [
        photos.upload_photo(ctx, actor, north.patient.id, region, _skin(seed))
        for seed, region in enumerate(("neck", "chest", "hands", "neck", "chest", "hands"))
    ]
    ran: Counter[tuple[str, tuple[tuple[str, int | str], ...]]] = Counter()
    lock = threading.Lock()

    def counted(name: str, args: Mapping[str, int | str]) -> None:
        with lock:
            ran[name, tuple(sorted(args.items()))] += 1
        jobs.run_job(ctx, name, args)

    second = runtime.jobs
    if isinstance(second, ProcrastinateJobQueue):  # a worker of its own, as on another machine
        second = ProcrastinateJobQueue(runtime.settings.sqlalchemy_url, jobs.JOBS)
    assert second is not None
    workers = [
        threading.Thread(target=queue.run_pending, args=(counted,))
        for queue in (runtime.jobs, second)
        if queue is not None
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(300)
    ids = [u.photo.id for u in uploaded]
    analyses = [
        key
        for key in ran
        if key[0] == photo_analysis.ANALYSE_PHOTO and dict(key[1])["photo_id"] in ids
    ]  # the seeded photo (no file) may be caught up by a periodic catch-up too
    # Each analysis ran once (a comparison round may be asked for again once the last finished,
    # as each analysis ends by asking for one: that is a new job, not the same one twice).
    assert len(analyses) == len(uploaded) and all(ran[key] == 1 for key in analyses)
    assert _measurements(runtime, north.clinic.id, ids) == len(uploaded)


@pytest.mark.postgres
def test_procrastinate_runs_a_stalled_workers_job_again(postgres_runtime: Runtime) -> None:
    """A worker that dies (no heartbeat) while it holds a job: the next worker runs it again."""
    runtime = postgres_runtime
    north, actor = _clinician(runtime)
    uploaded = photos.upload_photo(runtime.context, actor, north.patient.id, "neck", _skin(4))
    queue = runtime.jobs
    assert isinstance(queue, ProcrastinateJobQueue)

    async def take_and_die() -> None:
        app = queue._worker_app(lambda name, args: None)
        async with app.open_async():
            manager = app.job_manager
            worker_id = await manager.register_worker()
            job = await manager.fetch_job(queues=None, worker_id=worker_id)
            assert job is not None  # now "doing", held by a worker that will never beat again
            await app.connector.execute_query_async(
                "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour'"
            )

    asyncio.run(take_and_die())
    assert _measurements(runtime, north.clinic.id, [uploaded.photo.id]) == 0
    jobs.run_pending_jobs(runtime.context)  # a new worker starts: stalled jobs are run again
    assert _measurements(runtime, north.clinic.id, [uploaded.photo.id]) == 1
