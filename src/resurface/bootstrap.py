"""The one place that wires Resurface together: settings -> engine, units of work, photo store,
rule base. The web app and the CLI build a ``Runtime`` from settings and use nothing else."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Engine

from resurface.config import Settings
from resurface.domain.codes import Modality
from resurface.services.auth import LoginPolicy
from resurface.services.ports import PhotoStore, UnitOfWork
from resurface.storage import database
from resurface.storage.photo_store import FilePhotoStore
from resurface.storage.unit_of_work import SqlUnitOfWork


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    photos: PhotoStore
    login_policy: LoginPolicy
    _healing: dict[Modality, int] = field(default_factory=dict)

    def uow(self) -> UnitOfWork:
        return SqlUnitOfWork(self.engine)

    def healing_days(self, modality: Modality | None) -> int:
        """Days after a session with ``modality`` during which the patient is recovering."""
        return self._healing.get(modality, 0) if modality else 0

    def today(self) -> dt.date:
        return dt.datetime.now(dt.UTC).date()

    def database_revision(self) -> str | None:
        """The schema revision, read from the database; raises if the database is unreachable."""
        return database.current_revision(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def build(settings: Settings) -> Runtime:
    return Runtime(
        settings=settings,
        engine=database.make_engine(settings.sqlalchemy_url),
        photos=FilePhotoStore(settings.photos_dir),
        login_policy=LoginPolicy(
            max_failures=settings.login_max_failures,
            lockout=dt.timedelta(minutes=settings.login_lockout_minutes),
            session_length=dt.timedelta(hours=settings.session_hours),
        ),
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
