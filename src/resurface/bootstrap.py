"""The one place that wires Resurface together: settings -> engine, the use cases' ``Context``
(units of work, clinic clock, rule base, photo store, link signer, mailer, limits). The web app and
the CLI build a ``Runtime`` from settings and hand its ``context`` to the use cases."""

from __future__ import annotations

import datetime as dt
import signal
import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import redis
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError

from resurface.config import Settings
from resurface.domain.consent import ConsentDocument
from resurface.domain.guide import PatientGuide
from resurface.domain.signin import Backoff
from resurface.mail import SmtpMailer, SmtpSettings
from resurface.protocols import load_rule_base
from resurface.services import jobs as job_names
from resurface.services.auth import LoginPolicy
from resurface.services.context import Clock, Context, Limits, SecretBox
from resurface.services.patient_page import AftercareSheet
from resurface.services.recovery.links import LinkSigner
from resurface.services.results_report import ResultsReport
from resurface.services.sign_in_throttle import Throttle
from resurface.storage import backup, database
from resurface.storage.audit_anchor import FileAuditAnchor
from resurface.storage.audit_group import AuditGroupCommit
from resurface.storage.job_table import KEEP_FINISHED, Run, TableJobQueue
from resurface.storage.leases import Lease, holder_name
from resurface.storage.photo_slots import PhotoSlots
from resurface.storage.photo_store import FilePhotoStore, S3Address, S3PhotoStore
from resurface.storage.repositories import redis_limits
from resurface.storage.unit_of_work import SqlUnitOfWork

if TYPE_CHECKING:  # procrastinate and psycopg load only on PostgreSQL (0.2 s at every start)
    from resurface.storage.procrastinate_queue import ProcrastinateJobQueue

BACKGROUND_LEASE = "background"
"""The lease whose holder runs the deployment's background work (``web.background``)."""

DatabaseUnusable = (OperationalError, ProgrammingError)
"""What the database raises when it is missing, unreachable or not migrated to this version."""


def database_message(error: OperationalError | ProgrammingError) -> str:
    """What the database said (its first line), and what to do."""
    said = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
    return (
        f"the database cannot be used ({said}); if it is new or from an earlier version, run "
        "`resurface db upgrade`; otherwise check RESURFACE_DATABASE_URL"
    )


@dataclass
class Runtime:
    """What an edge holds for the life of the process: the settings, the database engine, and
    the ``Context`` every use case takes."""

    settings: Settings
    engine: Engine
    context: Context
    limits: redis.Redis | None = None
    """Where the limits' counts are kept when not in the database (``RESURFACE_REDIS_URL``)."""
    jobs: TableJobQueue | ProcrastinateJobQueue | None = None
    """The background job queue (also ``context.jobs``)."""

    @property
    def jobs_in_process(self) -> bool:
        """Whether the web app runs the jobs itself (SQLite: one machine, a worker thread);
        on PostgreSQL ``resurface worker`` processes run them."""
        return isinstance(self.jobs, TableJobQueue)

    def guide_pdf(self, guide: PatientGuide, page_url: str | None = None) -> bytes:
        """The patient's personal guide as a PDF (built by ``reports.guide``)."""
        from resurface.reports import guide as report

        return report.guide_pdf(guide, self.context.clock.today(), page_url)

    def aftercare_pdf(self, sheet: AftercareSheet) -> bytes:
        """A session's aftercare sheet as a PDF (built by ``reports.guide``)."""
        from resurface.reports import guide as report

        return report.aftercare_pdf(sheet, self.context.clock.today())

    def database_status(self) -> tuple[bool, str | None]:
        """Whether the database answers, and the schema revision it is at."""
        try:
            return True, database.current_revision(self.engine)
        except SQLAlchemyError:
            return False, None

    def limits_status(self) -> str:
        """``database`` when the limits are counted there; else whether Redis answers."""
        if self.limits is None:
            return "database"
        try:
            self.limits.ping()
        except redis.RedisError:
            return "unreachable"
        return "reachable"

    def lease(self, name: str) -> Lease:
        """The named lease in the database, tried for by this process
        (``RESURFACE_LEADER_LEASE_SECONDS`` long)."""
        length = dt.timedelta(seconds=self.settings.leader_lease_seconds)
        return Lease(self.engine, name, holder_name(), length)

    def photo_store_status(self) -> str:
        """``files`` for the file store; for a bucket, whether it answers."""
        photos = self.context.photos
        if not isinstance(photos, S3PhotoStore):
            return "files"
        return "reachable" if photos.reachable() else "unreachable"

    def synced_once(self) -> AbstractContextManager[None]:
        """A bulk load (the demo) whose commits are synced to the disk once, at its end, on
        SQLite (``storage.database.synced_once``); the clinic's own writes sync each commit."""
        return database.synced_once(self.engine)

    def dispose(self) -> None:
        if self.jobs is not None and not isinstance(self.jobs, TableJobQueue):
            self.jobs.dispose()
        self.engine.dispose()
        if self.limits is not None:
            self.limits.close()


def build(settings: Settings) -> Runtime:
    engine = database.make_engine(settings.sqlalchemy_url, threads=settings.web_threads)
    anchor = FileAuditAnchor(settings.audit_folder)
    limits = redis_limits.client(settings.redis_url) if settings.redis_url else None
    queue = job_queue(settings, engine)
    group = AuditGroupCommit(engine, database.write_turns(engine))
    context = Context(
        units=lambda: SqlUnitOfWork(
            engine, audit_key=anchor.key(), limits=limits, audit_group=group
        ),
        rules=load_rule_base(settings.protocols_dir),
        photos=photo_store(settings),
        links=LinkSigner(settings.secret_key, settings.public_url, settings.recovery_link_days),
        login_policy=login_policy(settings),
        secret_box=SecretBox(settings.secret_key),
        clock=Clock(settings.zone),
        limits=Limits(
            upload_bytes=int(settings.max_upload_mb * 1024 * 1024),
            photo_pixels=int(settings.max_photo_megapixels * 1_000_000),
        ),
        mailer=smtp_mailer(settings),
        mail_sender=settings.smtp_from,
        photo_work=_photo_slots(settings, "photo-slots"),
        photo_intake=_photo_slots(settings, "photo-intake-slots"),
        anchor=anchor,
        printer=_print_consent,
        report_printer=_print_results_report,
        jobs=queue,
    )
    return Runtime(settings, engine, context, limits, queue)


def job_queue(settings: Settings, engine: Engine) -> TableJobQueue | ProcrastinateJobQueue:
    """PostgreSQL: procrastinate; SQLite: the ``jobs`` table."""
    if engine.dialect.name == "postgresql":
        from resurface.storage.procrastinate_queue import ProcrastinateJobQueue

        return ProcrastinateJobQueue(
            settings.sqlalchemy_url, job_names.JOBS, catch_up=job_names.CATCH_UP
        )
    return TableJobQueue(engine)


# --- background jobs (the CLI's ``worker`` and the web app's worker thread) ---------------------

CATCH_UP_EVERY = dt.timedelta(minutes=10)
JOB_THREAD = "resurface-jobs"
"""The name of the web app's worker thread."""


def run_worker(
    runtime: Runtime,
    *,
    concurrency: int = 1,
    stop: threading.Event | None = None,
    around: Callable[[Run], Run] | None = None,
) -> None:
    """Run background jobs until stopped: procrastinate's worker on PostgreSQL (SIGINT/SIGTERM
    stop it), the jobs table's on SQLite (``stop`` stops it). Starts with a catch-up. Each job
    is run through ``around`` when given (``resurface worker``: what it does between jobs)."""
    ctx = runtime.context
    job_names.catch_up(ctx)
    queue = runtime.jobs

    def run_job(name: str, args: Mapping[str, int | str]) -> None:
        job_names.run_job(ctx, name, args)

    run: Run = run_job if around is None else around(run_job)
    if queue is not None and not isinstance(queue, TableJobQueue):  # procrastinate
        queue.work(run, concurrency=concurrency)
        return
    assert queue is not None
    if stop is None:  # the command's own loop: SIGTERM stops it after the job under way
        stop = threading.Event()

        def stop_on_sigterm(*_: object) -> None:
            stop.set()
            queue.wake.set()

        signal.signal(signal.SIGTERM, stop_on_sigterm)
    queue.work(run, stop, on_idle=_now_and_then(runtime, queue))


def _now_and_then(runtime: Runtime, queue: TableJobQueue) -> Callable[[], None]:
    """What an idle worker of the jobs table does every ``CATCH_UP_EVERY``: catch up, and
    forget jobs that succeeded a week ago."""
    last = [dt.datetime.now(dt.UTC)]

    def tidy() -> None:
        now = dt.datetime.now(dt.UTC)
        if now - last[0] < CATCH_UP_EVERY:
            return
        last[0] = now
        job_names.catch_up(runtime.context)
        queue.forget_finished(now - KEEP_FINISHED)

    return tidy


@dataclass
class JobThread:
    """The web app's worker thread (SQLite)."""

    thread: threading.Thread
    stop_event: threading.Event
    queue: TableJobQueue

    def stop(self, timeout: float = 30.0) -> None:
        self.stop_event.set()
        self.queue.wake.set()
        self.thread.join(timeout)


def start_job_thread(runtime: Runtime) -> JobThread | None:
    """Start a worker thread when the jobs run in this process (SQLite); None otherwise."""
    queue = runtime.jobs
    if not isinstance(queue, TableJobQueue):
        return None
    stop = threading.Event()
    thread = threading.Thread(
        target=run_worker, args=(runtime,), kwargs={"stop": stop},
        name=JOB_THREAD, daemon=True,
    )  # fmt: skip
    thread.start()
    return JobThread(thread, stop, queue)


def photo_store(settings: Settings) -> FilePhotoStore | S3PhotoStore:
    """The S3-compatible bucket of ``RESURFACE_PHOTO_STORE``, or files under DATA_DIR/photos."""
    bucket = settings.photo_bucket
    if bucket is None:
        return FilePhotoStore(settings.photos_dir)
    name, prefix = bucket
    return S3PhotoStore(
        S3Address(
            bucket=name,
            prefix=prefix,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
        )
    )


def _print_consent(document: ConsentDocument) -> bytes:
    from resurface.reports import consent  # WeasyPrint loads slowly: only when a consent is signed

    return consent.signed_consent_pdf(document)


def _print_results_report(report: ResultsReport) -> bytes:
    from resurface.reports import results  # WeasyPrint loads slowly: only when a report is made

    return results.results_pdf(report)


def login_policy(settings: Settings) -> LoginPolicy:
    """Attempts wait after ``login_max_failures`` failures for one name (``login_client_max_
    failures`` from one address): first 30 seconds, doubling up to ``login_lockout_minutes``."""
    longest = dt.timedelta(minutes=settings.login_lockout_minutes)
    first = min(dt.timedelta(seconds=30), longest)
    return LoginPolicy(
        session_length=dt.timedelta(hours=settings.session_hours),
        temporary_password=dt.timedelta(hours=settings.temporary_password_hours),
        throttle=Throttle(
            account=Backoff(settings.login_max_failures, first, longest),
            client=Backoff(settings.login_client_max_failures, first, longest),
        ),
    )


def _photo_slots(settings: Settings, folder: str) -> Callable[[], AbstractContextManager[object]]:
    """Slots of the machine for one kind of photo work (measuring, or taking photos in): at most
    ``photo_workers`` photos at that work at once, whatever the number of web processes and
    workers (``make bench`` measures the memory)."""
    return PhotoSlots(settings.data_dir / folder, settings.photo_workers).hold


def smtp_mailer(settings: Settings) -> SmtpMailer | None:
    """The SMTP sender, or None when no SMTP host is set (messages wait in the outbox)."""
    if not settings.smtp_host:
        return None
    return SmtpMailer(
        SmtpSettings(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            user=settings.smtp_user,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
        )
    )


def migrate(settings: Settings) -> None:
    """Bring the database schema up to date (creates the SQLite file when needed)."""
    database.upgrade(settings.sqlalchemy_url)


def schema_revision(settings: Settings) -> str | None:
    engine = database.make_engine(settings.sqlalchemy_url)
    try:
        return database.current_revision(engine)
    finally:
        engine.dispose()


# --- backups (the CLI reaches storage only through here) ----------------------------------------

BackupError = backup.BackupError


def create_backup(settings: Settings, into: Path | None, passphrase: str | None) -> Path:
    """A backup of the database and the photo store in a new folder (default data_dir/backups)."""
    folder = into if into is not None else settings.data_dir / "backups"
    return backup.create(_store(settings), folder, passphrase, dt.datetime.now(dt.UTC))


def verify_backup(folder: Path, passphrase: str | None) -> backup.Checked:
    return backup.verify(folder, passphrase)


def restore_backup(settings: Settings, folder: Path, passphrase: str | None) -> backup.Checked:
    """Restore into the configured, empty database and photo store."""
    return backup.restore(folder, _store(settings), passphrase)


def _store(settings: Settings) -> backup.Store:
    return backup.Store(
        settings.sqlalchemy_url, photo_store(settings), settings.audit_folder, settings.data_dir
    )
