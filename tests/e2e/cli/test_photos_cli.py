"""resurface photos check, run as an operator would after a crash: orphans found and removed,
a record whose file is missing or damaged named, and serve tidying up before it starts."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from tests.e2e.cli.test_record_cli import resurface
from tests.support.server import running_server


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("loaded")
    assert resurface(data_dir, "db", "upgrade").returncode == 0
    assert resurface(data_dir, "demo", "load").returncode == 0
    return data_dir


@pytest.fixture
def clinic(loaded: Path, tmp_path: Path) -> Path:
    """A copy of the loaded clinic for one test to damage."""
    return Path(shutil.copytree(loaded, tmp_path / "clinic"))


def _stored(clinic: Path) -> list[Path]:
    return sorted(p for p in (clinic / "photos").rglob("*") if p.is_file())


def test_a_clinic_after_demo_load_agrees_with_its_store(clinic: Path) -> None:
    checked = resurface(clinic, "photos", "check")
    assert checked.returncode == 0, checked.stderr
    assert "photo store and records agree" in checked.stdout


def test_an_orphan_left_by_a_crash_is_reported_then_removed(clinic: Path) -> None:
    data = b"the upload's file, written before the server was killed"
    key = hashlib.sha256(data).hexdigest()
    orphan = clinic / "photos" / key[:2] / key[2:4] / key
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(data)
    unfinished = _stored(clinic)[0].parent / ".incoming-x1y2z3"
    unfinished.write_bytes(b"cut off")

    found = resurface(clinic, "photos", "check")
    assert found.returncode == 1
    assert f"orphan kept: {orphan.relative_to(clinic / 'photos')}" in found.stderr
    assert "orphan kept: " in found.stderr and ".incoming-x1y2z3" in found.stderr

    young = resurface(clinic, "photos", "check", "--remove-orphans")
    assert young.returncode == 1 and orphan.exists(), "a file this new may be an upload in flight"

    removed = resurface(clinic, "photos", "check", "--remove-orphans", "--older-than", "0")
    assert removed.returncode == 0, removed.stderr
    assert "orphan removed: " in removed.stdout
    assert not orphan.exists() and not unfinished.exists()
    assert resurface(clinic, "photos", "check").returncode == 0


def test_a_missing_or_changed_photo_file_is_named(clinic: Path) -> None:
    first, second = _stored(clinic)[:2]
    first.unlink()
    second.write_bytes(second.read_bytes() + b"!")

    checked = resurface(clinic, "photos", "check")
    assert checked.returncode == 1
    assert f"names {first.name}" in checked.stderr and "missing: " in checked.stderr
    assert "damaged: " in checked.stderr and second.name in checked.stderr


def test_serve_removes_what_a_crash_left_before_it_starts(clinic: Path, tmp_path: Path) -> None:
    data = b"written by the upload a kill -9 interrupted"
    key = hashlib.sha256(data).hexdigest()
    orphan = clinic / "photos" / key[:2] / key[2:4] / key
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(data)

    env = {"RESURFACE_DATA_DIR": str(clinic), "RESURFACE_ENVIRONMENT": "development"}
    with running_server(env, tmp_path / "serve.log"):
        assert not orphan.exists()
    assert "orphan removed: " in (tmp_path / "serve.log").read_text()
    assert resurface(clinic, "photos", "check").returncode == 0
