"""resurface backup create / verify / restore, run as an operator would."""

from __future__ import annotations

from pathlib import Path

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
