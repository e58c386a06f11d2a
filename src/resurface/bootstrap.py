"""The one place that wires Resurface together: settings -> engine, the use cases' ``Context``
(units of work, clinic clock, rule base, photo store, link signer, mailer, limits). The web app and
the CLI build a ``Runtime`` from settings and hand its ``context`` to the use cases."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from resurface.config import Settings
from resurface.domain.codes import Modality
from resurface.domain.rulebase import RuleBase
from resurface.mail import SmtpMailer, SmtpSettings
from resurface.protocols import load_rule_base
from resurface.services.auth import LoginPolicy
from resurface.services.consultations import ConsultationView
from resurface.services.context import Clock, Context, Limits
from resurface.services.ports import PhotoStore, UnitOfWork
from resurface.services.recovery.links import LinkSigner
from resurface.storage import database
from resurface.storage.photo_store import FilePhotoStore
from resurface.storage.unit_of_work import SqlUnitOfWork


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    photos: PhotoStore
    login_policy: LoginPolicy
    rules: RuleBase
    context: Context

    def uow(self) -> UnitOfWork:
        return SqlUnitOfWork(self.engine)

    def healing_days(self, modality: Modality | None) -> int:
        """Days after a session with ``modality`` during which the patient is recovering: the
        longest expected healing time of the modality in the rule base."""
        if modality is None:
            return 0
        return math.ceil(self.rules.planning.profiles[modality].healing_days.max)

    @property
    def link_keys(self) -> LinkSigner:
        """What issuing and opening patients' recovery links needs."""
        s = self.settings
        return LinkSigner(s.secret_key, s.public_url, s.recovery_link_days)

    def mailer(self) -> SmtpMailer | None:
        """The SMTP sender, or None when no SMTP host is set (messages wait in the outbox)."""
        s = self.settings
        if not s.smtp_host:
            return None
        return SmtpMailer(
            SmtpSettings(
                host=s.smtp_host,
                port=s.smtp_port,
                sender=s.smtp_from,
                user=s.smtp_user,
                password=s.smtp_password,
                starttls=s.smtp_starttls,
            )
        )

    def today(self) -> dt.date:
        """Today in the clinic's time zone (``RESURFACE_TIMEZONE``)."""
        return dt.datetime.now(self.settings.zone).date()

    def consent_pdf(self, view: ConsultationView) -> bytes:
        """The consultation's consent form as a PDF (built by ``reports.consent``)."""
        from resurface.reports import consent

        return consent.consent_pdf(view, self.today())

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
    photos = FilePhotoStore(settings.photos_dir)
    rules = load_rule_base(settings.protocols_dir)
    login_policy = LoginPolicy(
        max_failures=settings.login_max_failures,
        lockout=dt.timedelta(minutes=settings.login_lockout_minutes),
        session_length=dt.timedelta(hours=settings.session_hours),
    )
    context = Context(
        uow=lambda: SqlUnitOfWork(engine),
        rules=rules,
        photos=photos,
        links=LinkSigner(settings.secret_key, settings.public_url, settings.recovery_link_days),
        login_policy=login_policy,
        clock=Clock(settings.zone),
        limits=Limits(upload_bytes=int(settings.max_upload_mb * 1024 * 1024)),
        mailer=smtp_mailer(settings),
    )
    return Runtime(settings, engine, photos, login_policy, rules, context)


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
