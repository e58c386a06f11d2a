"""The migration history builds exactly the schema the code expects, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from resurface import bootstrap
from resurface.domain.chart import Photo
from resurface.domain.results_report import ReportStatus, SentReport
from resurface.storage import database
from resurface.storage.tables import OUTSIDE_THE_MODELS, metadata
from tests.conftest import make_settings
from tests.support.clinic import seed_clinic


def _differences(url: str) -> list[object]:
    engine = database.make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return [d for d in compare_metadata(context, metadata) if not _search_index(d)]
    finally:
        engine.dispose()


def _search_index(difference: object) -> bool:
    """A search index of migration 0017 that the models cannot state (``OUTSIDE_THE_MODELS``)."""
    if not isinstance(difference, tuple) or difference[0] not in ("remove_table", "remove_index"):
        return False
    table = getattr(difference[1], "table", None)  # an index of procrastinate's tables (0021)
    if table is not None and table.name in OUTSIDE_THE_MODELS:
        return True
    return getattr(difference[1], "name", None) in OUTSIDE_THE_MODELS


def _tables(url: str) -> set[str]:
    engine = database.make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"} - OUTSIDE_THE_MODELS
    finally:
        engine.dispose()


def test_upgrade_from_empty_matches_the_models(database_url: str) -> None:
    assert _differences(database_url) == []
    assert _tables(database_url) == set(metadata.tables)


def test_downgrade_to_base_and_up_again(database_url: str) -> None:
    database.downgrade(database_url, "base")
    assert _tables(database_url) == set()
    database.upgrade(database_url)
    assert _differences(database_url) == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    engine = database.make_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_upgrading_to_photo_purposes_keeps_the_first_photo_of_a_region_its_baseline(
    database_url: str, tmp_path: Path
) -> None:
    """Before 0009 the first photo of a region was its baseline by position; afterwards that
    photo is a baseline and every later one (and every photo a patient sent) a follow-up."""
    built = bootstrap.build(make_settings(tmp_path, database_url))
    north = seed_clinic(built.context.uow, "north")  # its perioral photo came first
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    with built.context.uow() as uow:
        add = uow.charts.add_photo
        blank = Photo(0, north.clinic.id, north.patient.id, "perioral", later, "c" * 64,
                      "d" * 64, "image/png", 10, 10)  # fmt: skip
        second = add(blank)
        neck = add(replace(blank, region="neck"))
        sent = add(replace(blank, region="chest", checkin_id=north.record_ids["checkin"]))
        uow.commit()
    built.dispose()
    database.downgrade(database_url, "0008")
    database.upgrade(database_url)
    engine = database.make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, purpose FROM photos")).all()
    finally:
        engine.dispose()
    assert dict(rows) == {
        north.record_ids["photo"]: "baseline",
        second.id: "follow_up",
        neck.id: "baseline",
        sent.id: "follow_up",
    }


def test_upgrading_to_report_jobs_keeps_each_report_sent_before_as_sent(
    database_url: str, tmp_path: Path
) -> None:
    """Before 0024 a report was drawn in the request and kept once sent; afterwards it is
    ``sent``, asked for when it was sent. Going back down drops what was never sent."""
    built = bootstrap.build(make_settings(tmp_path, database_url))
    north = seed_clinic(built.context.uow, "north")
    built.dispose()
    sent_at = dt.datetime(2026, 11, 30, 9, 15, tzinfo=dt.UTC)
    database.downgrade(database_url, "0023")
    engine = database.make_engine(database_url)
    try:
        with engine.begin() as connection:
            user = connection.execute(text("SELECT min(id) FROM users")).scalar()
            connection.execute(
                text(
                    "INSERT INTO sent_results_reports (clinic_id, patient_id, sent_by, sent_at, "
                    "recipient, pdf_sha256) VALUES (:c, :p, :u, :at, 'robin@example.org', :sha)"
                ),
                {
                    "c": north.clinic.id,
                    "p": north.patient.id,
                    "u": user,
                    "at": sent_at,
                    "sha": "a" * 64,
                },
            )
        database.upgrade(database_url)
        built = bootstrap.build(make_settings(tmp_path, database_url))
        with built.context.uow() as uow:
            (kept,) = uow.sent_reports.for_patient(north.clinic.id, north.patient.id)
            assert uow.sent_reports.preparing(10) == []
            uow.sent_reports.add(
                SentReport(
                    0, north.clinic.id, north.patient.id, kept.sent_by, sent_at, "robin@example.org"
                )
            )
            uow.commit()
        built.dispose()
        assert kept.status is ReportStatus.SENT and kept.pdf_sha256 == "a" * 64
        assert kept.requested_at == sent_at and kept.sent_at == sent_at and kept.reason == ""
        database.downgrade(database_url, "0023")
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT pdf_sha256 FROM sent_results_reports")).all()
        assert [row.pdf_sha256 for row in rows] == ["a" * 64]
        database.upgrade(database_url)
    finally:
        engine.dispose()
