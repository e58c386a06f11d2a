"""Turns at writing one SQLite database, for the web processes of one machine.

SQLite lets one connection write at a time. One that finds the database locked polls: it sleeps
1, 2, 5, 10, 15, 20, 25 ms and more between tries (its busy timeout), and may miss its turn
again and again while another process keeps writing. Every read writes its audit events
(``storage.audit_group``), so with two or more web processes the readers of one process waited
on the other's commits in those sleeps: the slowest 1 % of chart reads took 250-850 ms where the
median took 77 ms (``bench.concurrency``, SQLite, 2 processes, 50 connections; ``strace``
counted the sleeps).

The audit events' writers take a turn first: an exclusive ``flock`` on a file beside the
database, which the kernel hands to the next waiter as soon as it is released, and releases
when a process dies. Other writes keep SQLite's own waiting: they may already hold the
database's lock when they commit, and one that waited for a turn while holding it would hold
up the writer whose turn it is.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WriteTurns:
    def __init__(self, lock_file: Path) -> None:
        self.lock_file = lock_file

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for this process's turn, hold it while the block runs. The file is opened for
        each turn: a descriptor opened before the server started its processes would be shared
        by them, and their locks would not exclude each other."""
        handle = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            os.close(handle)  # which releases the lock
