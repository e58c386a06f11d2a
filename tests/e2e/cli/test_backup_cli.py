"""resurface backup create / verify / restore, run as an operator would."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.e2e.cli.test_record_cli import resurface


def test_backup_create_verify_and_restore_from_the_command_line(tmp_path: Path) -> None:
    clinic, restored, backups = tmp_path / "clinic", tmp_path / "restored", tmp_path / "backups"
    passphrase = tmp_path / "passphrase.txt"
    passphrase.write_text("a long passphrase for the backups\n")
    assert resurface(clinic, "db", "upgrade").returncode == 0
    (clinic / "photos" / "ab" / "cd").mkdir(parents=True)
    (clinic / "photos" / "ab" / "cd" / ("ab" + "cd" + "0" * 60)).write_bytes(b"a photo")

    made = resurface(
        clinic, "backup", "create", "--to", str(backups), "--passphrase-file", str(passphrase)
    )
    assert made.returncode == 0, made.stderr
    folder = Path(made.stdout.split("backup written: ", 1)[1].strip())
    assert folder.parent == backups and (folder / "database.sqlite3.age").is_file()

    whole = resurface(clinic, "backup", "verify", str(folder), "--passphrase-file", str(passphrase))
    assert whole.returncode == 0 and "backup whole: 2 files" in whole.stdout
    unlocked = resurface(clinic, "backup", "verify", str(folder))
    assert unlocked.returncode == 2 and "give its passphrase" in unlocked.stderr

    back = resurface(
        restored, "backup", "restore", str(folder), "--passphrase-file", str(passphrase)
    )
    assert back.returncode == 0, back.stderr
    assert (restored / "photos" / "ab" / "cd" / ("ab" + "cd" + "0" * 60)).read_bytes() == b"a photo"
    assert resurface(restored, "audit", "verify").returncode == 0
    again = resurface(
        restored, "backup", "restore", str(folder), "--passphrase-file", str(passphrase)
    )
    assert again.returncode == 2 and "needs an empty" in again.stderr


@pytest.fixture(scope="module")
def demo_backup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A data directory with the demo clinics loaded (photos included) and a plain backup of it."""
    clinic = tmp_path_factory.mktemp("demo")
    assert resurface(clinic, "db", "upgrade").returncode == 0
    assert resurface(clinic, "demo", "load").returncode == 0
    made = resurface(clinic, "backup", "create")
    assert made.returncode == 0, made.stderr
    folder = Path(made.stdout.split("backup written: ", 1)[1].strip())
    assert folder.parent == clinic / "backups"
    return clinic, folder


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _patients(data_dir: Path) -> object:
    listed = resurface(data_dir, "patient", "list", "--user", "harbour.nurse", "--json")
    assert listed.returncode == 0, listed.stderr
    return json.loads(listed.stdout)


def test_the_demo_clinic_comes_back_whole_in_a_new_data_directory(
    demo_backup: tuple[Path, Path], tmp_path: Path
) -> None:
    clinic, folder = demo_backup
    restored = tmp_path / "restored"
    back = resurface(restored, "backup", "restore", str(folder))
    assert back.returncode == 0, back.stderr
    assert "run `resurface db upgrade`" in back.stdout
    photos = _files(clinic / "photos")
    assert len(photos) > 10 and _files(restored / "photos") == photos
    trail = resurface(restored, "audit", "verify")
    assert trail.returncode == 0 and "audit trail intact" in trail.stdout
    assert _patients(restored) == _patients(clinic)


def test_a_changed_photo_byte_is_named_by_verify_and_nothing_is_restored(
    demo_backup: tuple[Path, Path], tmp_path: Path
) -> None:
    _, original = demo_backup
    folder = tmp_path / original.name
    shutil.copytree(original, folder)
    photo = sorted((folder / "photos").rglob("*"))[-1]
    data = bytearray(photo.read_bytes())
    data[len(data) // 2] ^= 0x01
    photo.write_bytes(bytes(data))
    name = str(photo.relative_to(folder))

    checked = resurface(tmp_path, "backup", "verify", str(folder))
    assert checked.returncode == 1
    assert checked.stderr.splitlines() == [f"backup BROKEN: changed: {name}"]
    restored = tmp_path / "restored"
    refused = resurface(restored, "backup", "restore", str(folder))
    assert refused.returncode == 2
    assert refused.stderr.strip() == f"error: the backup is not whole: changed: {name}"
    assert _files(restored) == {}


def test_restore_into_a_clinic_that_has_data_is_refused_and_changes_nothing(
    demo_backup: tuple[Path, Path],
) -> None:
    clinic, folder = demo_backup
    before = (_patients(clinic), _files(clinic / "photos"))
    refused = resurface(clinic, "backup", "restore", str(folder))
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: restore needs an empty photo store")
    assert (_patients(clinic), _files(clinic / "photos")) == before


def test_a_passphrase_from_the_environment_and_a_wrong_one(
    demo_backup: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clinic, plain = demo_backup
    assert b"Calder" in (plain / "database.sqlite3").read_bytes()  # a demo patient's name
    monkeypatch.setenv("RESURFACE_BACKUP_PASSPHRASE", "the clinic's long backup passphrase")
    made = resurface(clinic, "backup", "create", "--to", str(tmp_path / "sealed"))
    assert made.returncode == 0, made.stderr
    folder = Path(made.stdout.split("backup written: ", 1)[1].strip())
    assert b"Calder" not in b"".join(_files(folder).values())  # nothing readable without the key
    assert resurface(clinic, "backup", "verify", str(folder)).returncode == 0

    monkeypatch.setenv("RESURFACE_BACKUP_PASSPHRASE", "a guess")
    restored = tmp_path / "restored"
    for command in ("verify", "restore"):
        wrong = resurface(restored, "backup", command, str(folder))
        assert wrong.returncode == 2
        assert wrong.stderr.strip() == (
            "error: wrong passphrase for this backup (or its key.age is damaged)"
        )
    assert _files(restored) == {}


def test_a_backup_that_cannot_be_written_or_read_is_one_line(
    demo_backup: tuple[Path, Path], tmp_path: Path
) -> None:
    clinic, _ = demo_backup
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    made = resurface(clinic, "backup", "create", "--to", str(not_a_folder))
    assert made.returncode == 2
    assert made.stderr.strip() == f"error: cannot make a backup in {not_a_folder}: not a folder"
    unread = resurface(clinic, "backup", "verify", str(tmp_path))
    assert unread.returncode == 2
    assert (
        unread.stderr.strip() == f"error: {tmp_path} is not a Resurface backup (no manifest.json)"
    )
