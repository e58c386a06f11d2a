"""A machine's slots for photo work, shared by all its server processes.

Decoding and measuring a photo takes up to about 1.5 GB. ``RESURFACE_PHOTO_WORKERS`` bounds how
many run at once on a machine, whether they come from one process's threads or from several web
processes (``resurface serve --workers N``): each slot is a lock file in ``DATA_DIR/photo-slots``,
held with ``flock`` while a photo is worked on. The kernel releases a dead process's locks, so a
crashed process never keeps a slot.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

WAIT_S = 0.05


class PhotoSlots:
    def __init__(self, folder: Path, count: int) -> None:
        self.folder = folder
        self.count = count

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Wait for a free slot, hold it while the block runs."""
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = self._take()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            os.close(handle)

    def _take(self) -> int:
        while True:
            for slot in range(self.count):
                handle = os.open(self.folder / f"slot-{slot}.lock", os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(handle)
                    continue
                return handle
            time.sleep(WAIT_S)
