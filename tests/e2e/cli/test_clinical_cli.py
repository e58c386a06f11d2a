"""The real ``resurface`` command: plan, recovery expect/triage, scale - JSON out, exit codes.

The main paths run the installed command in a subprocess. The many invalid-input cases call the
same entry point (``resurface.cli.main.main``) in-process, because starting the full command takes
about two seconds each time.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CASE = {
    "patient": {"age": 34, "sex": "female", "fitzpatrick_type": "IV"},
    "history": {"hsv_history": True, "isotretinoin_months_since_last_dose": 4},
    "goals": [
        {"concern": "acne_scars", "area": "cheeks", "severity": "moderate"},
        {"concern": "wrinkles", "area": "neck", "severity": "mild"},
    ],
    "preferences": {"max_downtime_days": 10},
}


def resurface(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "resurface.cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def in_process(
    args: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    from resurface.cli.main import main

    monkeypatch.setattr(sys, "argv", ["resurface", *args])
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        main()
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def ok_json(*args: str, stdin: str | None = None) -> Any:
    result = resurface(*args, stdin=stdin)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_plan_reads_a_case_file_and_prints_the_documented_shape(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(CASE))
    plan = ok_json("plan", str(case))
    assert plan["eligible"] is True
    assert plan["fitzpatrick_type"] == "IV"
    codes = {c["code"]: c for c in plan["contraindications"]}
    assert codes["isotretinoin_recent"]["action"] == "avoid_modality"
    assert set(codes["isotretinoin_recent"]) == {"code", "action", "modalities", "reason", "source"}
    assert {s["code"] for s in plan["pre_treatment"]} >= {"antiviral_prophylaxis", "consent"}
    acne, neck = plan["recommendations"]
    assert acne["modality"] == "fractional_ablative_co2"
    assert acne["sessions"] == {"min": 2, "expected": 3, "max": 3}
    assert set(acne["settings_limits"]) == {"density_factor", "energy_factor"}
    assert neck["settings_limits"]["density_factor"] < acne["settings_limits"]["density_factor"]
    assert not any(m.startswith("ablative_") for m in [neck["modality"], *neck["alternatives"]])
    assert all(r["rationale"] and r["sources"] for r in plan["recommendations"])
    first = plan["schedule"][0]
    assert (first["session"], first["week"], set(first["areas"])) == (1, 0, {"cheeks", "neck"})


def test_plan_reads_stdin_with_a_dash_and_questionnaire_answers() -> None:
    case = dict(CASE, patient={"age": 50, "sex": "male", "fitzpatrick_answers": [1] * 10})
    plan = ok_json("plan", "-", stdin=json.dumps(case))
    assert plan["fitzpatrick_type"] == "II"


@pytest.mark.parametrize(
    ("stdin", "field"),
    [
        ('{"patient": {"age": 30, "sex": "f", "fitzpatrick_type": "II"}, "goals": '
         '[{"concern": "acne_scars", "area": "chin", "severity": "mild"}]}', "goals[0].area"),
        ('{"patient": {"age": 30, "sex": "f", "fitzpatrick_type": "II"}}', "goals"),
        ('{"patient": {"age": "old", "sex": "f", "fitzpatrick_type": "II"}, "goals": []}',
         "patient.age"),
        ('{"patient": {"age": 30, "sex": "f", "fitzpatrick_answers": [1,1,1,1,1,1,1,1,1,7]}, '
         '"goals": []}', "item 10"),
        ('{"patient": {"age": 30, "sex": "f", "fitzpatrick_type": "II"}, "history": '
         '{"pregnent": true}, "goals": []}', "history.pregnent"),
        ('{"patient": ', "CASE"),
    ],
)  # fmt: skip
def test_invalid_plan_input_exits_2_naming_the_field(
    stdin: str, field: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = in_process(["plan", "-"], stdin, monkeypatch, capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("error: ")
    assert field in err
    assert len(err.strip().splitlines()) == 1


def test_a_traceback_never_reaches_the_user() -> None:
    result = resurface("plan", "-", stdin='{"patient": {"age": 30}, "goals": 5}')
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr


def test_recovery_expect_json_gives_days_0_to_90_with_every_score() -> None:
    course = ok_json(
        "recovery", "expect", "--modality", "ablative_co2", "--area", "full_face",
        "--skin-type", "III", "--json",
    )  # fmt: skip
    assert course["healing_days"] == {"min": 5.5, "max": 8.5}
    assert [d["day"] for d in course["days"]][:3] == [0, 1, 2]
    assert course["days"][-1]["day"] >= 90
    day1 = course["days"][1]
    assert set(day1) == {"day", "redness", "swelling", "irritation", "pain", "itch"}
    assert day1["redness"]["low"] <= day1["redness"]["high"]


def test_recovery_expect_rejects_an_unknown_modality(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["recovery", "expect", "--modality", "ruby", "--area", "neck", "--skin-type", "II"]
    code, _, err = in_process(args, "", monkeypatch, capsys)
    assert code == 2
    assert "modality" in err


def test_recovery_triage_flags_infection_as_urgent(tmp_path: Path) -> None:
    case = {
        "modality": "fractional_ablative_co2",
        "area": "full_face",
        "skin_type": "II",
        "treated_on": "2024-03-01",
        "checkins": [
            {"date": "2024-03-02", "redness": 6, "swelling": 5, "irritation": 3, "pain": 2,
             "itch": 0},
            {"date": "2024-03-05", "redness": 4, "swelling": 2, "irritation": 2, "pain": 5,
             "itch": 1, "red_flags": {"yellow_crust_or_pus": True, "fever": False}},
        ],
    }  # fmt: skip
    path = tmp_path / "triage.json"
    path.write_text(json.dumps(case))
    result = ok_json("recovery", "triage", str(path))
    assert result["status"] == "urgent"
    alert = result["alerts"][0]
    assert (alert["code"], alert["urgency"], alert["day"]) == ("possible_infection", "urgent", 4)
    assert alert["message"]
    assert alert["patient_message"]


def test_scale_fitzpatrick_gives_score_and_type() -> None:
    assert ok_json("scale", "fitzpatrick", "2,2,3,2,2,3,2,2,1,2") == {"score": 21, "type": "IV"}


def test_scale_fitzpatrick_names_the_out_of_range_item(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = in_process(
        ["scale", "fitzpatrick", "2,2,3,2,9,3,2,2,1,2"], "", monkeypatch, capsys
    )
    assert code == 2
    assert "item 5" in err


def test_scale_glogau_reads_the_class(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = in_process(["scale", "glogau", "II"], "", monkeypatch, capsys)
    assert code == 0
    assert json.loads(out)["description"] == "wrinkles in motion"


@pytest.mark.parametrize(
    "command",
    [["plan"], ["recovery", "triage"], ["recovery", "expect"], ["scale", "fitzpatrick"]],
)
def test_help_describes_the_command(
    command: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = in_process([*command, "--help"], "", monkeypatch, capsys)
    assert code == 0
    assert "Usage" in out
    assert "--protocols" in out
