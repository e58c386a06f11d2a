"""Photos in an S3-compatible bucket (a local moto server), as an operator runs it: the demo
loads its photos into the bucket and nothing into DATA_DIR/photos; `photos check` compares the
bucket with the records (an orphan object and a damaged one named, the orphan removed);
`backup create` holds every photo of the bucket; the served app shows a photo from the bucket and
/healthz says whether the bucket answers."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from resurface.demo.cast import DEMO_PASSWORD
from tests.support.s3_server import S3Server, an_s3_server
from tests.support.server import START_DEADLINE_S, free_port, running_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with an_s3_server() as server:
        yield server


@pytest.fixture(scope="module")
def clinic(s3: S3Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A data directory whose demo clinics keep their photos in a bucket (under ``demo/``)."""
    data_dir = tmp_path_factory.mktemp("bucket-clinic")
    env = {"RESURFACE_DATA_DIR": str(data_dir), **s3.environment(s3.new_bucket(), "demo")}
    assert resurface(env, "db", "upgrade").returncode == 0
    loaded = resurface(env, "demo", "load")
    assert loaded.returncode == 0, loaded.stderr
    return env


def resurface(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    environment = os.environ | {"RESURFACE_ENVIRONMENT": "development"} | env
    environment.pop("RESURFACE_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "resurface.cli.main", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
        check=False,
    )


def _objects(s3: S3Server, env: dict[str, str]) -> list[str]:
    bucket = env["RESURFACE_PHOTO_STORE"].removeprefix("s3://").split("/")[0]
    pages = s3.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def test_the_demo_keeps_its_photos_in_the_bucket_and_the_check_agrees(
    s3: S3Server, clinic: dict[str, str]
) -> None:
    objects = _objects(s3, clinic)
    assert len(objects) > 10 and all(name.startswith("demo/") for name in objects)
    assert not (Path(clinic["RESURFACE_DATA_DIR"]) / "photos").exists()
    checked = resurface(clinic, "photos", "check")
    assert checked.returncode == 0, checked.stderr
    assert "photo store and records agree" in checked.stdout


def test_an_orphan_object_and_a_damaged_one_are_named_and_the_orphan_removed(
    s3: S3Server, clinic: dict[str, str]
) -> None:
    bucket = clinic["RESURFACE_PHOTO_STORE"].removeprefix("s3://").split("/")[0]
    data = b"an upload whose record was never committed"
    key = hashlib.sha256(data).hexdigest()
    orphan = f"demo/{key[:2]}/{key[2:4]}/{key}"
    s3.client().put_object(Bucket=bucket, Key=orphan, Body=data)
    damaged = next(name for name in _objects(s3, clinic) if name != orphan)
    original = s3.client().get_object(Bucket=bucket, Key=damaged)["Body"].read()
    s3.client().put_object(Bucket=bucket, Key=damaged, Body=original + b"!")
    try:
        found = resurface(clinic, "photos", "check")
        assert found.returncode == 1
        assert f"orphan kept: {orphan.removeprefix('demo/')}" in found.stderr
        assert "damaged: " in found.stderr and damaged.rsplit("/", 1)[1] in found.stderr
        removed = resurface(clinic, "photos", "check", "--remove-orphans", "--older-than", "0")
        assert "orphan removed: " in removed.stdout + removed.stderr  # exit 1: still damaged
        assert orphan not in _objects(s3, clinic)
    finally:
        s3.client().put_object(Bucket=bucket, Key=damaged, Body=original)
    assert resurface(clinic, "photos", "check").returncode == 0


def test_a_backup_holds_every_photo_of_the_bucket(
    s3: S3Server, clinic: dict[str, str], tmp_path: Path
) -> None:
    made = resurface(clinic, "backup", "create", "--to", str(tmp_path))
    assert made.returncode == 0, made.stderr
    folder = Path(made.stdout.split("backup written: ", 1)[1].strip())
    backed_up = sorted(
        str(p.relative_to(folder / "photos")) for p in (folder / "photos").rglob("*")
    )
    assert [name for name in backed_up if name.count("/") == 2] == sorted(
        name.removeprefix("demo/") for name in _objects(s3, clinic)
    )


def test_the_served_app_shows_photos_from_the_bucket_and_healthz_watches_it(
    s3: S3Server, clinic: dict[str, str], tmp_path: Path
) -> None:
    env = clinic | {"RESURFACE_ENVIRONMENT": "development"}  # cookies without HTTPS
    with running_server(env, tmp_path / "server.log") as base, httpx.Client(base_url=base) as http:
        assert http.get("/healthz", timeout=60).json()["photos"] == "reachable"
        form = http.get("/login", timeout=60)
        token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed_in = http.post(
            "/login",
            data={"username": "harbour.nurse", "password": DEMO_PASSWORD, "csrf_token": token},
            timeout=60,
        )
        assert signed_in.status_code == 303, signed_in.text
        patients = http.get("/api/v1/patients", timeout=60).json()
        photo = _first_photo(http, [p["patient"]["id"] for p in patients["items"]])
        content = http.get(f"/api/v1/photos/{photo}/content", timeout=60)
        assert content.status_code == 200
        assert hashlib.sha256(content.content).hexdigest() in {
            name.rsplit("/", 1)[1] for name in _objects(s3, clinic)
        }
    gone = clinic | {"RESURFACE_S3_ENDPOINT_URL": "http://127.0.0.1:9"}  # nothing listens
    health = _first_health(gone | {"RESURFACE_ENVIRONMENT": "development"})
    assert health.status_code == 503 and health.json()["photos"] == "unreachable"
    assert health.json()["database"] == "reachable"


def _first_health(env: dict[str, str]) -> httpx.Response:
    """Start a server and return its first answer to /healthz, whatever it is."""
    port = free_port()
    command = [sys.executable, "-m", "resurface.cli.main", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=os.environ | env)
    try:
        deadline = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < deadline and process.poll() is None:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=120)
            except httpx.TransportError:
                time.sleep(0.5)
        raise AssertionError("the server did not answer")
    finally:
        process.terminate()
        process.wait(timeout=60)


def _first_photo(http: httpx.Client, patient_ids: list[int]) -> int:
    for patient_id in patient_ids:
        chart = http.get(f"/api/v1/patients/{patient_id}/chart", timeout=60)
        assert chart.status_code == 200, chart.text
        photos = [e["record_id"] for e in chart.json()["timeline"] if e["kind"] == "photo"]
        if photos:
            return int(photos[0])
    raise AssertionError("no demo patient of harbour.nurse has a photo")
