"""Backups with photos in an S3 bucket (a local moto server): a backup holds every photo of the
bucket as it would those of the file store, and restores into either store: from a bucket to
files (leaving the cloud) and from files to a bucket (moving to it), the app serving the photos
afterwards; a bucket that already holds photos is refused and nothing is written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from resurface import bootstrap
from resurface.domain.people import Role
from resurface.services import audit
from resurface.services.photo_store_check import check_photo_store
from resurface.storage import backup
from resurface.storage.backup import BackupError
from resurface.web import create_app
from tests.conftest import PostgresServer, make_settings
from tests.e2e.web.conftest import sign_in
from tests.support.clinic import SeededClinic, seed_clinic
from tests.support.s3_server import S3Server, an_s3_server

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with an_s3_server() as server:
        yield server


def _runtime(
    request: pytest.FixtureRequest, data_dir: Path, kind: str, photos: dict[str, str]
) -> bootstrap.Runtime:
    if kind == "sqlite":
        url = f"sqlite:///{data_dir / 'resurface.db'}"
        bootstrap.migrate(make_settings(data_dir, url))
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        url = server.create(template=request.getfixturevalue("postgres_template"))
    return bootstrap.build(make_settings(data_dir, url, **photos))


def _empty(request: pytest.FixtureRequest, data_dir: Path, kind: str, photos: dict[str, str]):  # type: ignore[no-untyped-def]
    if kind == "sqlite":
        url = f"sqlite:///{data_dir / 'resurface.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        url = server.create()
    return bootstrap.build(make_settings(data_dir, url, **photos))


def _photos(runtime: bootstrap.Runtime) -> dict[str, bytes]:
    store = runtime.context.photos
    return {file.name: store.get(file.key) for file in store.files() if file.key}


def _summary(runtime: bootstrap.Runtime) -> tuple[int, ...]:
    report = check_photo_store(runtime.context)
    counts = (report.orphans, report.missing, report.damaged)
    return (report.files, report.records, *(len(found) for found in counts))


def _seed(runtime: bootstrap.Runtime) -> SeededClinic:
    clinic = seed_clinic(runtime.context.uow, "north")
    for n in range(3):
        runtime.context.photos.put(f"photo {n}".encode())
    return clinic


@pytest.mark.parametrize(("source", "target"), [("s3", "files"), ("files", "s3"), ("s3", "s3")])
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_backup_restores_every_photo_into_either_store(
    request: pytest.FixtureRequest,
    s3: S3Server,
    tmp_path: Path,
    kind: str,
    source: str,
    target: str,
) -> None:
    stores = {"files": lambda: {}, "s3": lambda: s3.settings(s3.new_bucket(), "harbour")}
    clinic_runtime = _runtime(request, tmp_path / "clinic", kind, stores[source]())
    restored = _empty(request, tmp_path / "restored", kind, stores[target]())
    try:
        clinic = _seed(clinic_runtime)
        photos = _photos(clinic_runtime)
        before = _summary(clinic_runtime)
        assert len(photos) >= 3 and before[0] == len(photos)
        passphrase = PASSPHRASE if (source, target) == ("s3", "files") else None  # scrypt: slow
        folder = bootstrap.create_backup(clinic_runtime.settings, tmp_path / "backups", passphrase)
        checked = bootstrap.verify_backup(folder, passphrase)
        assert checked.problems == ()
        assert sorted(e.path for e in checked.entries if e.path.startswith("photos/")) == sorted(
            f"photos/{name}" for name in photos
        )

        bootstrap.restore_backup(restored.settings, folder, passphrase)

        assert _photos(restored) == photos
        assert backup.row_counts(restored.settings.sqlalchemy_url) == checked.rows
        assert audit.check_trail(restored.context).broken is None
        assert _summary(restored) == before  # the operator's check finds the same store
        app = create_app(restored.settings, restored)
        with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
            sign_in(client, clinic.usernames[Role.CLINICIAN])
            assert client.get(f"/api/v1/patients/{clinic.patient.id}").status_code == 200
            health = client.get("/healthz").json()
        assert health["photos"] == ("reachable" if target == "s3" else "files")
    finally:
        clinic_runtime.dispose()
        restored.dispose()


def test_restore_refuses_a_bucket_that_holds_photos(
    request: pytest.FixtureRequest, s3: S3Server, tmp_path: Path
) -> None:
    clinic_runtime = _runtime(request, tmp_path / "clinic", "sqlite", {})
    bucket = s3.settings(s3.new_bucket(), "harbour")
    restored = _empty(request, tmp_path / "restored", "sqlite", bucket)
    try:
        _seed(clinic_runtime)
        folder = bootstrap.create_backup(clinic_runtime.settings, tmp_path / "backups", None)
        restored.context.photos.put(b"a photo already there")
        with pytest.raises(BackupError, match=r"empty photo store; s3://.*/harbour has files"):
            bootstrap.restore_backup(restored.settings, folder, None)
        assert [f.key for f in restored.context.photos.files()] == [
            restored.context.photos.put(b"a photo already there")
        ]
        assert not Path(restored.settings.sqlalchemy_url.removeprefix("sqlite:///")).exists()
    finally:
        clinic_runtime.dispose()
        restored.dispose()
