"""A Redis for the tests of ``RESURFACE_REDIS_URL``: the real ``redis-server`` when the machine
has one, else fakeredis's TCP server (the same wire protocol, in this process), so the tests run
on a fresh machine too. Either way the app talks to it over a socket with the real client."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

STARTUP_SECONDS = 60.0
"""Generous on purpose: a busy 2-core machine may take a while to start a server."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_it_answers(url: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    with redis.Redis.from_url(url, socket_timeout=5) as connection:
        while True:
            try:
                connection.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


@contextmanager
def real_redis(folder: Path) -> Iterator[str]:
    port = _free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(folder)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_until_it_answers(url)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def fake_redis() -> Iterator[str]:
    from fakeredis import TcpFakeServer

    port = _free_port()
    server = TcpFakeServer(("127.0.0.1", port))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_until_it_answers(url)
        yield url
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def a_redis(folder: Path) -> Iterator[str]:
    """The address of an empty Redis for as long as the block runs."""
    if shutil.which("redis-server"):
        with real_redis(folder) as url:
            yield url
    else:
        with fake_redis() as url:
            yield url
