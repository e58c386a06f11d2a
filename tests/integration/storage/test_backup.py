"""Backup and restore on SQLite and PostgreSQL: every row and every photo comes back, the audit
trail is intact, the app serves the restored clinic; a damaged backup or a wrong passphrase is
refused and nothing is written."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyrage
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from resurface import bootstrap
from resurface.domain.people import Role
from resurface.services import audit
from resurface.storage import backup, database
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


def _rewrite_manifest(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def test_a_manifest_naming_a_file_outside_the_photo_store_is_refused_and_nothing_is_written(
    runtime: bootstrap.Runtime,
    clinic: SeededClinic,
    empty_target: bootstrap.Runtime,
    tmp_path: Path,
) -> None:
    folder = bootstrap.create_backup(runtime.settings, tmp_path / "backups", None)
    photo = next(p for p in (folder / "photos").rglob("*") if p.is_file())
    outside = tmp_path / "outside.txt"
    photo.rename(outside)
    # A crafted manifest whose file lies outside the backup and belongs outside the photo store.
    escape = "photos/../../escaped.txt"

    def point_outside(manifest: dict[str, Any]) -> None:
        entry = next(e for e in manifest["files"] if e["path"] == str(photo.relative_to(folder)))
        entry["path"], entry["stored"] = escape, "../outside.txt"

    _rewrite_manifest(folder, point_outside)

    (problem,) = bootstrap.verify_backup(folder, None).problems
    assert problem.startswith("manifest.json: file ")
    assert problem.endswith(f"{escape!r} is not a file a backup holds")
    with pytest.raises(BackupError, match="not whole"):
        bootstrap.restore_backup(empty_target.settings, folder, None)
    assert not (empty_target.settings.data_dir / "escaped.txt").exists()
    assert not (empty_target.settings.data_dir.parent / "escaped.txt").exists()
    assert not empty_target.settings.photos_dir.exists()


def test_an_encrypted_file_is_checked_against_its_plain_hash_too(
    runtime: bootstrap.Runtime, clinic: SeededClinic, tmp_path: Path
) -> None:
    """Someone with the backup's key swaps a photo and fixes the stored hash: still named."""
    folder = bootstrap.create_backup(runtime.settings, tmp_path / "backups", PASSPHRASE)
    key = pyrage.passphrase.decrypt((folder / "key.age").read_bytes(), PASSPHRASE).decode()
    recipient = pyrage.x25519.Identity.from_str(key).to_public()
    stored = next((folder / "photos").rglob("*.age"))
    swapped = pyrage.encrypt(b"another photo", [recipient])
    stored.write_bytes(swapped)
    name = str(stored.relative_to(folder))

    def fix_stored_hash(manifest: dict[str, Any]) -> None:
        entry = next(e for e in manifest["files"] if e["stored"] == name)
        entry["stored_sha256"] = hashlib.sha256(swapped).hexdigest()

    _rewrite_manifest(folder, fix_stored_hash)
    problems = bootstrap.verify_backup(folder, PASSPHRASE).problems
    assert problems == (f"changed: {name[:-4]} (its content differs from the manifest)",)


def test_a_wrong_passphrase_restores_nothing(
    runtime: bootstrap.Runtime,
    clinic: SeededClinic,
    empty_target: bootstrap.Runtime,
    tmp_path: Path,
) -> None:
    folder = bootstrap.create_backup(runtime.settings, tmp_path / "backups", PASSPHRASE)
    with pytest.raises(BackupError, match="wrong passphrase"):
        bootstrap.restore_backup(empty_target.settings, folder, "not the passphrase")
    assert not empty_target.settings.photos_dir.exists()
    assert backup.row_counts(empty_target.settings.sqlalchemy_url) == {}


@pytest.mark.postgres
def test_a_database_load_that_fails_leaves_the_target_empty_and_can_be_run_again(
    postgres: PostgresServer, postgres_template: str, tmp_path: Path
) -> None:
    source = bootstrap.build(
        make_settings(tmp_path / "clinic", postgres.create(template=postgres_template))
    )
    try:
        seed_clinic(source.context.uow, "north")
        source.context.photos.put(b"a photo")
        folder = bootstrap.create_backup(source.settings, tmp_path / "backups", None)
    finally:
        source.dispose()
    target_url = postgres.create()
    target = make_settings(tmp_path / "restored", target_url)
    _execute(target_url, "DROP SCHEMA public")  # pg_restore cannot create the tables

    with pytest.raises(BackupError, match="pg_restore failed"):
        bootstrap.restore_backup(target, folder, None)
    assert backup.row_counts(target_url) == {}
    assert not any(p.is_file() for p in target.data_dir.rglob("*"))

    _execute(target_url, "CREATE SCHEMA public")
    checked = bootstrap.restore_backup(target, folder, None)
    assert backup.row_counts(target_url) == checked.rows and checked.rows["patients"] == 1
    assert _photos(target.photos_dir) == {
        entry.path.removeprefix("photos/"): b"a photo"
        for entry in checked.entries
        if entry.path.startswith("photos/")
    }
    assert (target.audit_folder / "keys").read_bytes() == (
        source.settings.audit_folder / "keys"
    ).read_bytes()  # the chain's key came back with the database


def _execute(url: str, sql: str) -> None:
    engine = database.make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(sql))
    finally:
        engine.dispose()
