"""The server killed with SIGKILL while clinicians register patients and upload photos, on SQLite
and PostgreSQL: after a restart every write that was acknowledged is there, no photo file is
left without its record (``serve`` tidies them, the photo check agrees), and the audit trail is
whole."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from PIL import Image

from resurface import bootstrap
from resurface.domain.people import Role
from resurface.services import audit
from resurface.services.photo_store_check import check_photo_store
from tests.conftest import make_settings
from tests.support.clinic import PASSWORD, SeededClinic, seed_clinic
from tests.support.server import START_DEADLINE_S, free_port

WRITERS = 6
UPLOADERS = 2
RUN_BEFORE_KILL_S = 3.0
"""Writes go on this long after the first ones are acknowledged, then the server is killed."""
FIRST_WRITES_DEADLINE_S = 300.0
"""How long the first acknowledged registration and photo may take on a busy machine."""
CSRF = 'name="csrf_token" value="'


@pytest.fixture
def clinic_dir(database_url: str, tmp_path: Path) -> tuple[dict[str, str], SeededClinic]:
    """A migrated clinic with its users, and the environment a server for it runs with."""
    runtime = bootstrap.build(make_settings(tmp_path, database_url))
    seeded = seed_clinic(runtime.context.uow, "north")
    runtime.dispose()
    env = {
        "RESURFACE_DATA_DIR": str(tmp_path),
        "RESURFACE_DATABASE_URL": database_url,
        "RESURFACE_ENVIRONMENT": "development",
    }
    return env, seeded


@contextmanager
def server(env: dict[str, str], log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    command = [sys.executable, "-m", "resurface.cli.main", "serve", "--port", str(port)]
    with log.open("a") as output:
        process = subprocess.Popen(command, env=os.environ | env, stdout=output, stderr=output)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{base}/healthz", timeout=10).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.3)
    else:
        process.kill()
        raise RuntimeError(f"server did not start:\n{log.read_text()}")
    try:
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=60)


def _signed_in(base: str, username: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=120)
    form = client.get("/login").text
    token = form.split(CSRF, 1)[1].split('"', 1)[0]
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    return client, client.get("/api/v1/me").json()["csrf_token"]


def _png(n: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (150 + n % 100, 120, 100 + n % 50)).save(buffer, format="PNG")
    return buffer.getvalue()


class Writes:
    """Every write the server acknowledged (2xx with its id), gathered by the threads."""

    def __init__(self) -> None:
        self.patients: list[int] = []
        self.photos: list[int] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()


def _register(base: str, username: str, writer: int, writes: Writes) -> None:
    client, csrf = _signed_in(base, username)
    n = 0
    while not writes.stop.is_set():
        n += 1
        body = {"given_name": f"Crash{writer}", "family_name": f"Test{n}",
                "date_of_birth": "1980-01-01", "sex": "female"}  # fmt: skip
        try:
            answer = client.post("/api/v1/patients", json=body, headers={"X-CSRF-Token": csrf})
        except httpx.TransportError:
            return  # the server is gone
        if answer.status_code == 201:
            with writes.lock:
                writes.patients.append(answer.json()["patient"]["id"])


def _upload(base: str, username: str, patient_id: int, uploader: int, writes: Writes) -> None:
    client, csrf = _signed_in(base, username)
    n = 0
    while not writes.stop.is_set():
        n += 1
        try:
            answer = client.post(
                f"/api/v1/patients/{patient_id}/photos",
                data={"region": "neck"},
                files={"file": ("neck.png", _png(uploader * 1000 + n), "image/png")},
                headers={"X-CSRF-Token": csrf},
            )
        except httpx.TransportError:
            return
        if answer.status_code == 202:  # stored; measured in the background
            with writes.lock:
                writes.photos.append(answer.json()["photo"]["id"])


def _wait_for_first_writes(writes: Writes) -> None:
    """Until a registration and a photo are acknowledged (signing in and the first answers take
    seconds on a busy machine; a fixed wait killed the server before any)."""
    deadline = time.monotonic() + FIRST_WRITES_DEADLINE_S
    while time.monotonic() < deadline:
        with writes.lock:
            if writes.patients and writes.photos:
                return
        time.sleep(0.1)


def test_a_kill_under_writes_loses_no_acknowledged_write_and_leaves_no_orphan(
    clinic_dir: tuple[dict[str, str], SeededClinic], tmp_path: Path
) -> None:
    env, seeded = clinic_dir
    username = seeded.usernames[Role.CLINICIAN]
    writes = Writes()
    with server(env, tmp_path / "server.log") as (base, process):
        threads = [
            threading.Thread(target=_register, args=(base, username, n, writes))
            for n in range(WRITERS)
        ] + [
            threading.Thread(target=_upload, args=(base, username, seeded.patient.id, n, writes))
            for n in range(UPLOADERS)
        ]
        for thread in threads:
            thread.start()
        _wait_for_first_writes(writes)
        time.sleep(RUN_BEFORE_KILL_S)  # more writes in flight when the kill comes
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        writes.stop.set()
        for thread in threads:
            thread.join(timeout=120)
    assert writes.patients, "no registration was acknowledged before the kill"

    with server(env, tmp_path / "server.log"):  # the restart tidies what the kill left
        pass
    runtime = bootstrap.build(make_settings(tmp_path, env["RESURFACE_DATABASE_URL"]))
    try:
        with runtime.context.uow() as uow:
            missing = [p for p in writes.patients if uow.patients.get(seeded.clinic.id, p) is None]
            lost = [p for p in writes.photos if uow.charts.photo(seeded.clinic.id, p) is None]
        assert (missing, lost) == ([], [])
        assert audit.check_trail(runtime.context).broken is None
        store = check_photo_store(runtime.context)
    finally:
        runtime.dispose()
    assert store.orphans == () and store.damaged == ()
    # (The seeded chart's photo record has no file; every uploaded one has its own.)
    uploaded = set(writes.photos)
    assert not [m for m in store.missing if m.record_type == "photo" and m.record_id in uploaded]
