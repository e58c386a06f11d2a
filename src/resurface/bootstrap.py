"""The one place that wires Resurface together: settings -> engine, the use cases' ``Context``
(units of work, clinic clock, rule base, photo store, link signer, mailer, limits). The web app and
the CLI build a ``Runtime`` from settings and hand its ``context`` to the use cases."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from resurface.config import Settings
from resurface.domain.consent import ConsentDocument
from resurface.domain.signin import Backoff
from resurface.mail import SmtpMailer, SmtpSettings
from resurface.protocols import load_rule_base
from resurface.services.auth import LoginPolicy
from resurface.services.context import Clock, Context, Limits, SecretBox
from resurface.services.recovery.links import LinkSigner
from resurface.services.sign_in_throttle import Throttle
from resurface.storage import backup, database
from resurface.storage.audit_anchor import FileAuditAnchor
from resurface.storage.photo_store import FilePhotoStore
from resurface.storage.unit_of_work import SqlUnitOfWork


@dataclass
class Runtime:
    """What an edge holds for the life of the process: the settings, the database engine, and
    the ``Context`` every use case takes."""

    settings: Settings
    engine: Engine
    context: Context

    def database_status(self) -> tuple[bool, str | None]:
        """Whether the database answers, and the schema revision it is at."""
        try:
            return True, database.current_revision(self.engine)
        except SQLAlchemyError:
            return False, None

    def dispose(self) -> None:
        self.engine.dispose()


def build(settings: Settings) -> Runtime:
    engine = database.make_engine(settings.sqlalchemy_url)
    anchor = FileAuditAnchor(settings.audit_folder)
    context = Context(
        units=lambda: SqlUnitOfWork(engine, audit_key=anchor.key()),
        rules=load_rule_base(settings.protocols_dir),
        photos=FilePhotoStore(settings.photos_dir),
        links=LinkSigner(settings.secret_key, settings.public_url, settings.recovery_link_days),
        login_policy=login_policy(settings),
        secret_box=SecretBox(settings.secret_key),
        clock=Clock(settings.zone),
        limits=Limits(
            upload_bytes=int(settings.max_upload_mb * 1024 * 1024),
            photo_pixels=int(settings.max_photo_megapixels * 1_000_000),
        ),
        mailer=smtp_mailer(settings),
        photo_work=_photo_slots(settings.photo_workers),
        anchor=anchor,
        printer=_print_consent,
    )
    return Runtime(settings, engine, context)


def _print_consent(document: ConsentDocument) -> bytes:
    from resurface.reports import consent  # WeasyPrint loads slowly: only when a consent is signed

    return consent.signed_consent_pdf(document)


def login_policy(settings: Settings) -> LoginPolicy:
    """Attempts wait after ``login_max_failures`` failures for one name (``login_client_max_
    failures`` from one address): first 30 seconds, doubling up to ``login_lockout_minutes``."""
    longest = dt.timedelta(minutes=settings.login_lockout_minutes)
    first = min(dt.timedelta(seconds=30), longest)
    return LoginPolicy(
        session_length=dt.timedelta(hours=settings.session_hours),
        throttle=Throttle(
            account=Backoff(settings.login_max_failures, first, longest),
            client=Backoff(settings.login_client_max_failures, first, longest),
        ),
    )


def _photo_slots(count: int) -> Callable[[], threading.BoundedSemaphore]:
    """The process's slots for photo work: an upload waits for one, so peak memory holds at
    most ``count`` photos being decoded and measured (``make bench`` measures it)."""
    slots = threading.BoundedSemaphore(count)
    return lambda: slots


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
    return backup.Store(settings.sqlalchemy_url, settings.photos_dir, settings.audit_folder)
