"""Backup and restore on SQLite and PostgreSQL: every row and every photo comes back, the audit
trail is intact, the app serves the restored clinic; a damaged backup or a wrong passphrase is
refused and nothing is written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from resurface import bootstrap
from resurface.domain.people import Role
from resurface.services import audit
from resurface.storage import database
from resurface.storage.backup import BackupError
from resurface.storage.tables import metadata
from resurface.web import create_app
from tests.conftest import PostgresServer, make_settings
from tests.e2e.web.conftest import sign_in
from tests.support.clinic import SeededClinic, seed_clinic

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def clinic(runtime: bootstrap.Runtime) -> SeededClinic:
    seeded = seed_clinic(runtime.context.uow, "north")
    for n in range(3):
        runtime.context.photos.put(f"photo {n}".encode())
    return seeded


@pytest.fixture
def empty_target(
    request: pytest.FixtureRequest, runtime: bootstrap.Runtime, tmp_path: Path
) -> Iterator[bootstrap.Runtime]:
    """A fresh data directory and an empty database of the same kind as ``runtime``'s."""
    data_dir = tmp_path / "restored"
    if runtime.settings.sqlalchemy_url.startswith("sqlite"):
        url = f"sqlite:///{data_dir / 'resurface.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        url = server.create()
    built = bootstrap.build(make_settings(data_dir, url))
    yield built
    built.dispose()


def _rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = database.make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: sorted(map(tuple, connection.execute(select(table))), key=repr)
                for table in metadata.sorted_tables
            }
    finally:
        engine.dispose()


def _photos(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("passphrase", [None, PASSPHRASE], ids=["plain", "encrypted"])
def test_a_backup_restores_every_row_and_photo_and_the_app_serves_it(
    runtime: bootstrap.Runtime,
    clinic: SeededClinic,
    empty_target: bootstrap.Runtime,
    tmp_path: Path,
    passphrase: str | None,
) -> None:
    folder = bootstrap.create_backup(runtime.settings, tmp_path / "backups", passphrase)
    assert bootstrap.verify_backup(folder, passphrase).problems == ()
    bootstrap.restore_backup(empty_target.settings, folder, passphrase)

    assert _rows(empty_target.settings.sqlalchemy_url) == _rows(runtime.settings.sqlalchemy_url)
    assert _photos(empty_target.settings.photos_dir) == _photos(runtime.settings.photos_dir)
    assert audit.check_trail(empty_target.context).broken is None
    app = create_app(empty_target.settings, empty_target)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        sign_in(client, clinic.usernames[Role.CLINICIAN])
        patient = client.get(f"/api/v1/patients/{clinic.patient.id}")
    assert patient.status_code == 200 and patient.json()["family_name"] == "Tester-north"


def test_a_changed_photo_or_a_wrong_passphrase_is_named_and_nothing_is_restored(
    runtime: bootstrap.Runtime,
    clinic: SeededClinic,
    empty_target: bootstrap.Runtime,
    tmp_path: Path,
) -> None:
    folder = bootstrap.create_backup(runtime.settings, tmp_path / "backups", PASSPHRASE)
    with pytest.raises(BackupError, match="wrong passphrase"):
        bootstrap.verify_backup(folder, "not the passphrase")
    stored = next((folder / "photos").rglob("*.age"))
    stored.write_bytes(stored.read_bytes() + b"!")
    checked = bootstrap.verify_backup(folder, PASSPHRASE)
    assert checked.problems == (f"changed: {str(stored.relative_to(folder))[:-4]}",)
    with pytest.raises(BackupError, match="not whole"):
        bootstrap.restore_backup(empty_target.settings, folder, PASSPHRASE)
    assert not empty_target.settings.photos_dir.exists()


def test_restore_refuses_a_clinic_that_has_data(
    runtime: bootstrap.Runtime, clinic: SeededClinic, tmp_path: Path
) -> None:
    folder = bootstrap.create_backup(runtime.settings, tmp_path / "backups", None)
    before = _rows(runtime.settings.sqlalchemy_url)
    with pytest.raises(BackupError, match="empty"):
        bootstrap.restore_backup(runtime.settings, folder, None)
    assert _rows(runtime.settings.sqlalchemy_url) == before
