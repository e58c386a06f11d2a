"""The machine's photo slots: at most ``count`` photos worked on at once, by the threads of one
process and by other processes alike; a process that dies gives its slot back."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from resurface.storage.photo_slots import PhotoSlots

HOLDER = """
import sys, time
from pathlib import Path
from resurface.storage.photo_slots import PhotoSlots
with PhotoSlots(Path(sys.argv[1]), 1).hold():
    print("holding", flush=True)
    time.sleep(600)
"""


def test_threads_never_work_on_more_photos_than_there_are_slots(tmp_path: Path) -> None:
    slots = PhotoSlots(tmp_path, 2)
    busy, most = 0, 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal busy, most
        with slots.hold():
            with lock:
                busy += 1
                most = max(most, busy)
            time.sleep(0.05)
            with lock:
                busy -= 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 2


def test_another_process_holding_the_slot_makes_this_one_wait_until_it_dies(
    tmp_path: Path,
) -> None:
    other = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "holding"
        got = threading.Event()

        def wait_for_slot() -> None:
            with PhotoSlots(tmp_path, 1).hold():
                got.set()

        waiter = threading.Thread(target=wait_for_slot, daemon=True)
        waiter.start()
        assert not got.wait(1.0)  # the other process has the only slot
        other.kill()  # no clean release: the kernel drops a dead process's lock
        assert got.wait(60)
    finally:
        other.kill()
        other.wait()
