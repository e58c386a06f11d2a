"""``resurface worker`` gives the photo-sized memory it keeps back once it is idle: a real job
loop (the jobs table's, on SQLite) in a process of its own, a job that fills and frees a 12 MP
photo's float image, then no job for a while."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from resurface.cli.worker import GiveBackWhenIdle

_PROGRAM = """
import json, os, sys, threading, time
import numpy as np
from sqlalchemy import create_engine
from resurface.cli.worker import GiveBackWhenIdle, keep_photo_memory
from resurface.storage.job_table import TableJobQueue
from resurface.storage.tables import metadata

def resident():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

def photo_job(name, args):
    image = np.ones((3000, 4000, 3), np.float32)  # 144 MB
    image += 1
    del image

kept = keep_photo_memory()
engine = create_engine("sqlite:///" + sys.argv[1])
metadata.create_all(engine)
queue = TableJobQueue(engine)
give_back = GiveBackWhenIdle(after=1.0)
if sys.argv[2] == "trim":
    give_back.start()
stop = threading.Event()
found = {}

def watch():
    found["start"] = resident()
    queue.defer("analyse_photo", clinic_id=1, photo_id=1)
    deadline = time.monotonic() + 60
    while queue.counts().get("succeeded", 0) < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    found["after_job"] = resident()
    while sys.argv[2] == "trim" and give_back.trims < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5 if sys.argv[2] == "trim" else 3)
    found["idle"] = resident()
    stop.set()
    queue.wake.set()

# The jobs run on the main thread, as in ``resurface worker`` on SQLite (its heap is the one
# ``keep_photo_memory`` sets); this thread watches.
watcher = threading.Thread(target=watch)
watcher.start()
queue.work(give_back.around(photo_job), stop, poll_seconds=0.2)
watcher.join()
start, after_job, idle = found["start"], found["after_job"], found["idle"]
print(json.dumps({"kept": kept, "start": start, "after_job": after_job, "idle": idle,
                  "trims": give_back.trims, "done": queue.counts()}))
"""

_MB = 1 << 20


def _worker(tmp_path: Path, mode: str) -> dict[str, object]:
    database = tmp_path / f"{mode}.db"
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM, str(database), mode],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return dict(json.loads(done.stdout))


def test_an_idle_worker_gives_the_kept_memory_back(tmp_path: Path) -> None:
    trimmed = _worker(tmp_path, "trim")
    if not trimmed["kept"]:
        pytest.skip("not glibc: the allocator cannot be set")
    kept = _worker(tmp_path, "keep")
    for run in (trimmed, kept):
        assert run["done"] == {"succeeded": 1}
        start, after_job = run["start"], run["after_job"]
        assert isinstance(start, int) and isinstance(after_job, int)
        assert after_job - start > 100 * _MB  # the photo's memory is kept after the job
    # Without the idle hook the memory stays; with it, it goes back to the system.
    assert kept["trims"] == 0
    assert isinstance(kept["idle"], int) and kept["idle"] - kept["start"] > 100 * _MB
    assert trimmed["trims"] == 1
    assert isinstance(trimmed["idle"], int) and trimmed["idle"] - trimmed["start"] < 40 * _MB


def test_the_memory_is_given_back_once_per_idle_spell_never_during_a_job() -> None:
    trims: list[int] = []
    give_back = GiveBackWhenIdle(after=0.2, trim=lambda: trims.append(1))
    give_back.start()
    seen: list[int] = []

    def job(name: str, args: object) -> None:
        seen.append(len(trims))
        import time

        time.sleep(0.5)  # longer than ``after``: no trim while it runs
        seen.append(len(trims))

    run = give_back.around(job)
    run("analyse_photo", {})
    run("analyse_photo", {})
    import time

    deadline = time.monotonic() + 30
    while not trims and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    assert seen == [0, 0, 0, 0]
    assert trims == [1]
