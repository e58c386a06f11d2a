"""resurface worker on SQLite: --once runs what waits; the long-running worker measures an
upload made while it runs and stops on SIGTERM."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from resurface import bootstrap
from resurface.config import Environment, Settings
from resurface.domain.people import Role
from resurface.services import photos
from resurface.services.access import Actor
from tests.conftest import PostgresServer
from tests.e2e.cli.test_record_cli import resurface
from tests.support.clinic import seed_clinic


def _settings(data_dir: Path, database_url: str | None = None) -> Settings:
    if database_url is None:
        return Settings(data_dir=data_dir, environment=Environment.DEVELOPMENT)
    return Settings(
        data_dir=data_dir, environment=Environment.DEVELOPMENT, database_url=database_url
    )


def _upload(data_dir: Path, database_url: str | None = None) -> tuple[bootstrap.Runtime, int, int]:
    """A photo uploaded as the web app would, its analysis left to a worker."""
    runtime = bootstrap.build(_settings(data_dir, database_url))
    north = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert user is not None
    actor = Actor(user.id, user.clinic_id, Role.CLINICIAN, user.display_name)
    pixels = np.full((240, 320, 3), (214, 170, 145), np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    uploaded = photos.upload_photo(
        runtime.context, actor, north.patient.id, "neck", buffer.getvalue()
    )
    return runtime, north.clinic.id, uploaded.photo.id


def _measured(runtime: bootstrap.Runtime, clinic_id: int, photo_id: int) -> bool:
    with runtime.context.uow() as uow:
        return uow.measurements.for_photo(clinic_id, photo_id) is not None


def test_worker_once_runs_the_waiting_jobs(tmp_path: Path) -> None:
    assert resurface(tmp_path, "db", "upgrade").returncode == 0
    runtime, clinic_id, photo_id = _upload(tmp_path)
    try:
        assert not _measured(runtime, clinic_id, photo_id)
        done = resurface(tmp_path, "worker", "--once")
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("jobs run: ")
        assert int(done.stdout.split(":")[1]) >= 2  # the analysis and its comparison round
        assert _measured(runtime, clinic_id, photo_id)
        again = resurface(tmp_path, "worker", "--once")
        assert again.stdout.strip() == "jobs run: 0"  # nothing left, nothing done twice
    finally:
        runtime.dispose()


_SAID: dict[int, list[str]] = {}
"""What each worker process wrote to stderr, for the failure messages."""


def _started(worker: subprocess.Popen[str]) -> threading.Event:
    """Set once the worker says it has started (its stop on SIGTERM is in place from then on)."""
    started = threading.Event()
    said = _SAID.setdefault(worker.pid, [])

    def read() -> None:
        assert worker.stderr is not None
        for line in worker.stderr:
            said.append(line)
            if line.startswith("worker started"):
                started.set()

    threading.Thread(target=read, daemon=True).start()
    return started


def test_a_running_worker_measures_an_upload_and_stops_on_sigterm(tmp_path: Path) -> None:
    assert resurface(tmp_path, "db", "upgrade").returncode == 0
    env = os.environ | {"RESURFACE_DATA_DIR": str(tmp_path), "RESURFACE_ENVIRONMENT": "development"}
    env.pop("RESURFACE_DATABASE_URL", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "resurface.cli.main", "worker"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    started = _started(worker)
    runtime, clinic_id, photo_id = _upload(tmp_path)
    try:
        deadline = time.monotonic() + 180
        while not _measured(runtime, clinic_id, photo_id) and time.monotonic() < deadline:
            assert worker.poll() is None, f"the worker ended with {worker.returncode}"
            time.sleep(0.2)
        assert _measured(runtime, clinic_id, photo_id)
        assert started.wait(timeout=120)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        runtime.dispose()
    assert worker.returncode == 0, "".join(_SAID[worker.pid])


def test_a_sigterm_as_soon_as_the_worker_says_it_started_is_a_clean_stop(tmp_path: Path) -> None:
    assert resurface(tmp_path, "db", "upgrade").returncode == 0
    env = os.environ | {"RESURFACE_DATA_DIR": str(tmp_path), "RESURFACE_ENVIRONMENT": "development"}
    env.pop("RESURFACE_DATABASE_URL", None)
    for _ in range(3):
        worker = subprocess.Popen(
            [sys.executable, "-m", "resurface.cli.main", "worker"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert worker.stderr is not None
        said = [worker.stderr.readline()]
        assert said[0].startswith("worker started"), said
        worker.send_signal(signal.SIGTERM)
        said.append(worker.communicate(timeout=120)[1])
        assert worker.returncode == 0, "".join(said)


@pytest.mark.postgres
def test_procrastinate_workers_on_postgresql_measure_an_upload_and_stop_on_sigterm(
    postgres: PostgresServer, postgres_template: str, tmp_path: Path
) -> None:
    url = postgres.create(template=postgres_template)
    env = os.environ | {
        "RESURFACE_DATA_DIR": str(tmp_path), "RESURFACE_ENVIRONMENT": "development",
        "RESURFACE_DATABASE_URL": url,
    }  # fmt: skip
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "resurface.cli.main", "worker"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)  # two machines' workers on one database
    ]
    started = [_started(worker) for worker in workers]
    runtime, clinic_id, photo_id = _upload(tmp_path, url)
    try:
        deadline = time.monotonic() + 180
        while not _measured(runtime, clinic_id, photo_id) and time.monotonic() < deadline:
            for worker in workers:
                assert worker.poll() is None, f"a worker ended with {worker.returncode}"
            time.sleep(0.2)
        assert _measured(runtime, clinic_id, photo_id)
        assert all(each.wait(timeout=120) for each in started)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)
        runtime.dispose()
    assert [worker.returncode for worker in workers] == [0, 0], [
        "".join(_SAID[worker.pid]) for worker in workers
    ]
