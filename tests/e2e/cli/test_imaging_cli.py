"""The real ``resurface`` command, run as a subprocess."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

from tests.support.phantoms import PhantomSpec, capture, render_phantom

RESURFACE = [sys.executable, "-c", "from resurface.cli.main import main; main()"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*RESURFACE, *args], capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("photos")
    cv2.imwrite(str(folder / "face.jpg"), data.astronaut()[..., ::-1])
    phantom = render_phantom(PhantomSpec())
    cv2.imwrite(str(folder / "before.png"), phantom.rgb[..., ::-1])
    after = render_phantom(PhantomSpec(spot_count=5))
    cv2.imwrite(
        str(folder / "after.png"), capture(after, rotation_deg=2.0, noise_dn=2.0)[..., ::-1]
    )
    return folder


def test_analyze_json_has_the_issues_shape(photos: Path, tmp_path: Path) -> None:
    overlay = tmp_path / "overlay.png"
    result = run("analyze", str(photos / "face.jpg"), "--json", "--overlay", str(overlay))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # MediaPipe's logging is kept off the terminal
    body = json.loads(result.stdout)
    assert set(body["image"]) == {"width", "height", "sha256"}
    assert body["px_per_mm"] > 0 and body["length_unit"] == "mm"
    names = [r["name"] for r in body["regions"]]
    assert names == [
        "forehead",
        "periorbital_left",
        "periorbital_right",
        "perioral",
        "cheek_left",
        "cheek_right",
    ]
    assert (
        "wrinkle_length_mm" in body["regions"][0]["metrics"] and body["regions"][0]["area_mm2"] > 0
    )
    assert overlay.read_bytes().startswith(b"\x89PNG")
    # A 512-pixel portrait is far too coarse for lines and spots: null and said, never 0.
    quality = body["quality"]
    assert "wrinkle_length_mm" in quality["not_measurable"] and not quality["ok"]
    assert body["regions"][0]["metrics"]["wrinkle_length_mm"] is None
    assert set(quality["pose_deg"]) == {"yaw", "pitch", "roll"}
    assert quality["grey_card"] is False


def test_analyze_table_and_units_without_scale(photos: Path) -> None:
    table = run("analyze", str(photos / "before.png"), "--region", "whole")
    assert table.returncode == 0, table.stderr
    assert "Spot area (%)" in table.stdout and "Wrinkle length (px)" in table.stdout


def test_polygon_region(photos: Path, tmp_path: Path) -> None:
    polygon = tmp_path / "area.json"
    polygon.write_text(
        json.dumps({"name": "neck", "points": [[300, 200], [790, 200], [790, 590], [300, 590]]})
    )
    result = run(
        "analyze",
        str(photos / "before.png"),
        "--region",
        str(polygon),
        "--px-per-mm",
        "10",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    (region,) = json.loads(result.stdout)["regions"]
    assert region["name"] == "neck" and region["area_mm2"] == pytest.approx(49 * 39, rel=0.05)


def test_compare_reports_before_after_change(photos: Path, tmp_path: Path) -> None:
    overlay = tmp_path / "cmp.png"
    result = run(
        "compare", str(photos / "before.png"), str(photos / "after.png"),
        "--region", "whole", "--px-per-mm", "10", "--json", "--overlay", str(overlay),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (region,) = json.loads(result.stdout)["regions"]
    assert set(region) == {"name", "before", "after", "change", "change_pct"}
    assert region["change"]["spot_count"] == pytest.approx(-5, abs=1)
    assert overlay.read_bytes().startswith(b"\x89PNG")


def test_batch_writes_a_csv_row_per_region_and_reports_failures(
    photos: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    for name in ("before.png", "after.png"):
        (folder / name).write_bytes((photos / name).read_bytes())
    (folder / "broken.jpg").write_bytes(b"not a photo")
    out = tmp_path / "results.csv"
    result = run(
        "analyze-batch", str(folder), "--out", str(out), "--region", "whole", "--px-per-mm", "10"
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 3 and {"spot_count", "wrinkle_length_mm", "error"} <= set(rows[0])
    failed = {Path(r["file"]).name for r in rows if r["error"]}
    assert failed == {"broken.jpg"}
    assert "2 photos analysed, 1 failed" in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"plain text", "not a photo"), (None, "truncated"), ("blank", "no face found")],
)
def test_bad_input_exits_2_with_one_line(
    tmp_path: Path, photos: Path, content: object, message: str
) -> None:
    path = tmp_path / "input.jpg"
    if content is None:
        data_ = (photos / "face.jpg").read_bytes()
        path.write_bytes(data_[: len(data_) // 2])
    elif content == "blank":
        path = tmp_path / "blank.png"
        cv2.imwrite(str(path), np.full((200, 200, 3), 128, np.uint8))
    else:
        assert isinstance(content, bytes)
        path.write_bytes(content)
    result = run("analyze", str(path))
    assert result.returncode == 2
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_empty_region_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "grey.png"
    cv2.imwrite(str(path), np.full((200, 200, 3), 128, np.uint8))
    result = run("analyze", str(path), "--region", "whole")
    assert result.returncode == 2 and "no skin" in result.stderr


@pytest.mark.parametrize("command", ["analyze", "compare", "analyze-batch"])
def test_help(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0 and "Usage" in result.stdout
