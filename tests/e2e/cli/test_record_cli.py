"""The record's commands, run as a user would run them: db, demo, user, patient, audit."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def resurface(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = os.environ | {"RESURFACE_DATA_DIR": str(data_dir), "RESURFACE_ENVIRONMENT": "development"}
    env.pop("RESURFACE_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "resurface.cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,  # a demo load on a busy 2-core machine; only an upper bound
        check=False,
    )


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("clinic")
    assert resurface(data_dir, "db", "upgrade").returncode == 0
    loaded = resurface(data_dir, "demo", "load")
    assert loaded.returncode == 0, loaded.stderr
    assert "demo loaded: 2 clinics, 20 patients" in loaded.stdout
    return data_dir


def test_upgrade_and_demo_load_again_change_nothing(demo_dir: Path) -> None:
    before = json.loads(
        resurface(demo_dir, "patient", "list", "--user", "harbour.nurse", "--json").stdout
    )
    assert resurface(demo_dir, "db", "upgrade").returncode == 0
    again = resurface(demo_dir, "demo", "load")
    assert again.returncode == 0 and "nothing changed" in again.stdout
    after = json.loads(
        resurface(demo_dir, "patient", "list", "--user", "harbour.nurse", "--json").stdout
    )
    assert after == before and after["total"] == 10


def test_patient_list_filters_by_stage_and_name(demo_dir: Path) -> None:
    listed = resurface(
        demo_dir, "patient", "list", "--user", "harbour.nurse", "--stage", "recovering", "--json"
    )
    rows = json.loads(listed.stdout)["patients"]
    assert rows and {row["stage"] for row in rows} == {"recovering"}
    named = json.loads(
        resurface(
            demo_dir, "patient", "list", "--user", "harbour.desk", "--search", "calder", "--json"
        ).stdout
    )
    assert [row["name"] for row in named["patients"]] == ["Ruth Calder"]
    assert "stage" not in named["patients"][0] and "phone" in named["patients"][0]
    refused = resurface(
        demo_dir, "patient", "list", "--user", "harbour.desk", "--stage", "recovering"
    )
    assert refused.returncode != 0 and "may not see the clinical chart" in refused.stderr


def test_patient_show_prints_the_timeline_and_is_scoped_to_the_clinic(demo_dir: Path) -> None:
    rows = json.loads(
        resurface(
            demo_dir, "patient", "list", "--user", "harbour.nurse", "--search", "calder", "--json"
        ).stdout
    )["patients"]
    patient_id = str(rows[0]["id"])
    shown = resurface(demo_dir, "patient", "show", patient_id, "--user", "harbour.nurse")
    assert shown.returncode == 0
    assert "Ruth Calder" in shown.stdout and "Treatment session 2" in shown.stdout
    other = resurface(demo_dir, "patient", "show", patient_id, "--user", "northgate.nurse")
    assert other.returncode == 2
    assert other.stderr.strip() == f"error: patient {patient_id} not found"
    assert "Calder" not in other.stdout + other.stderr


def test_front_desk_cannot_open_a_chart_from_the_command_line(demo_dir: Path) -> None:
    refused = resurface(demo_dir, "patient", "show", "1", "--user", "harbour.desk")
    assert refused.returncode == 2
    assert refused.stderr.strip() == "error: Front desk staff may not see the clinical chart"


def test_user_add_prompts_for_the_password_and_the_user_can_act(demo_dir: Path) -> None:
    added = resurface(
        demo_dir,
        "user",
        "add",
        "harbour.locum",
        "--clinic",
        "harbour",
        "--name",
        "Dr Locum",
        "--role",
        "clinician",
        stdin="a fine long password\n",
    )
    assert added.returncode == 0, added.stderr
    assert "added harbour.locum (clinician) to harbour" in added.stdout
    listed = resurface(demo_dir, "patient", "list", "--user", "harbour.locum", "--json")
    assert json.loads(listed.stdout)["total"] == 10


def test_the_operator_resets_a_password_that_must_then_be_changed(demo_dir: Path) -> None:
    reset = resurface(demo_dir, "user", "reset-password", "harbour.nurse")
    assert reset.returncode == 0, reset.stderr
    temporary = reset.stdout.split("temporary password for harbour.nurse: ")[1].split()[0]
    assert len(temporary) == 19 and temporary.count("-") == 3
    unknown = resurface(demo_dir, "user", "reset-password", "nobody.here")
    assert unknown.returncode != 0 and "not found" in unknown.stderr


def test_the_operator_removes_a_lost_second_factor(demo_dir: Path) -> None:
    with sqlite3.connect(demo_dir / "resurface.db") as db:
        user_id, clinic_id = db.execute(
            "SELECT id, clinic_id FROM users WHERE username = 'harbour.admin'"
        ).fetchone()
        db.execute(
            "INSERT INTO second_factors (user_id, clinic_id, sealed_secret, enrolled_at, last_step)"
            " VALUES (?, ?, 'sealed', '2026-12-01 09:00:00.000000', 0)",
            (user_id, clinic_id),
        )
    args = ("user", "remove-second-factor", "harbour.admin")
    unsaid = resurface(demo_dir, *args, "--reason", "  ")
    assert unsaid.returncode != 0 and "say why it is removed" in unsaid.stderr
    removed = resurface(demo_dir, *args, "--reason", "Only director; phone lost abroad")
    assert removed.returncode == 0, removed.stderr
    assert "second factor of harbour.admin removed" in removed.stdout
    again = resurface(demo_dir, *args, "--reason", "again")
    assert again.returncode != 0 and "has no second factor" in again.stderr
    with sqlite3.connect(demo_dir / "resurface.db") as db:
        assert db.execute("SELECT count(*) FROM second_factors").fetchone() == (0,)


def test_user_add_refuses_bad_input_with_one_line(demo_dir: Path) -> None:
    short = resurface(
        demo_dir,
        "user",
        "add",
        "harbour.short",
        "--clinic",
        "harbour",
        "--name",
        "Short",
        stdin="short\n",
    )
    assert short.returncode == 2
    assert short.stderr.strip().endswith("password: must be at least 12 characters")
    weak = resurface(
        demo_dir,
        "user",
        "add",
        "harbour.weak",
        "--clinic",
        "harbour",
        "--name",
        "Weak",
        stdin="harbour.weak2026\n",
    )
    assert weak.returncode == 2 and "password: is too easy to guess" in weak.stderr
    taken = resurface(
        demo_dir,
        "user",
        "add",
        "harbour.nurse",
        "--clinic",
        "harbour",
        "--name",
        "Again",
        stdin="tangerine viaduct oboe\n",
    )
    assert taken.returncode == 2
    assert "username: this user name cannot be used; choose another" in taken.stderr
    nowhere = resurface(
        demo_dir,
        "user",
        "add",
        "someone",
        "--clinic",
        "atlantis",
        "--name",
        "X",
        stdin="long enough pw\n",
    )
    assert nowhere.returncode == 2 and nowhere.stderr.strip() == "error: clinic atlantis not found"
    assert "Traceback" not in short.stderr + taken.stderr + nowhere.stderr


def test_audit_verify_reports_the_first_broken_link(demo_dir: Path, tmp_path: Path) -> None:
    intact = resurface(demo_dir, "audit", "verify")
    assert intact.returncode == 0 and intact.stdout.startswith("audit trail intact:")
    copy = tmp_path / "copy"
    copy.mkdir()
    with (
        sqlite3.connect(demo_dir / "resurface.db") as source,
        sqlite3.connect(copy / "resurface.db") as target,
    ):
        source.backup(target)
    shutil.copytree(demo_dir / "audit", copy / "audit")  # the chain's keys
    with sqlite3.connect(copy / "resurface.db") as connection:
        connection.execute("UPDATE audit_events SET actor = 'nobody' WHERE seq = 2")
    broken = resurface(copy, "audit", "verify")
    assert broken.returncode == 1
    assert "BROKEN at event 2" in broken.stderr


def test_unknown_acting_user_and_bad_settings_are_one_line_errors(tmp_path: Path) -> None:
    assert resurface(tmp_path, "db", "upgrade").returncode == 0
    unknown = resurface(tmp_path, "patient", "list", "--user", "ghost")
    assert unknown.returncode == 2 and unknown.stderr.strip() == "error: user ghost not found"
    env_bad = os.environ | {
        "RESURFACE_DATA_DIR": str(tmp_path),
        "RESURFACE_ENVIRONMENT": "production",
    }
    refused = subprocess.run(
        [sys.executable, "-m", "resurface.cli.main", "db", "upgrade"],
        capture_output=True,
        text=True,
        env=env_bad,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 2
    assert "RESURFACE_SECRET_KEY must be set" in refused.stderr
    assert "Traceback" not in refused.stderr


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["db"],
        ["db", "upgrade"],
        ["demo", "load"],
        ["serve"],
        ["user", "add"],
        ["patient", "list"],
        ["patient", "show"],
        ["audit", "verify"],
    ],
)
def test_every_command_has_help(command: list[str], tmp_path: Path) -> None:
    result = resurface(tmp_path, *command, "--help")
    assert result.returncode == 0 and "Usage:" in result.stdout


def test_audit_events_are_exported_for_the_medical_director_only(demo_dir: Path) -> None:
    exported = resurface(demo_dir, "audit", "events", "--user", "harbour.admin")
    assert exported.returncode == 0, exported.stderr
    header, *rows = exported.stdout.splitlines()
    assert header.startswith("seq,at,who,user_id,action,outcome")
    assert rows
    assert "northgate" not in exported.stdout  # one clinic's trail only
    refused = resurface(demo_dir, "audit", "events", "--user", "harbour.nurse")
    assert refused.returncode != 0 and "may not read the audit trail" in refused.stderr
    bad = resurface(demo_dir, "audit", "events", "--user", "harbour.admin", "--since", "May 1")
    assert bad.returncode == 2 and "--since 'May 1' is not a date" in bad.stderr


def test_a_database_not_yet_set_up_is_named_with_what_to_do(tmp_path: Path) -> None:
    for command in (("audit", "verify"), ("photos", "check"), ("patient", "list", "--user", "x")):
        done = resurface(tmp_path, *command)
        assert done.returncode == 3, done.stderr
        assert "Traceback" not in done.stderr
        assert done.stderr.startswith("error: the database cannot be used (no such table: ")
        assert "run `resurface db upgrade`" in done.stderr
