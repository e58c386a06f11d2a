"""Run the real ``resurface serve`` in a subprocess for browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

START_DEADLINE_S = float(os.environ.get("RESURFACE_TEST_SERVER_DEADLINE", "600"))
"""How long a server may take to answer /healthz. Generous on purpose: on a busy 2-core machine
shared with other test runs, importing the app and opening the database can take minutes, and a
slow start is not a failure. The loop still stops at once if the server process exits."""
POLL_S = 0.5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(env: dict[str, str], log: Path) -> Iterator[str]:
    """Start the server with ``env`` added to the environment; yield its base URL. One web
    process unless ``env`` asks for more (several are tested in ``test_several_processes``): it
    starts sooner on a busy 2-core machine."""
    env = {"RESURFACE_WEB_PROCESSES": "1"} | env
    port = free_port()
    command = [sys.executable, "-m", "resurface.cli.main", "serve", "--port", str(port)]
    with log.open("w") as output:
        process = subprocess.Popen(
            command, env=os.environ | env, stdout=output, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_healthy(base, process, log)
            yield base
        finally:
            _stop(process)


def _wait_until_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    started = time.monotonic()
    deadline = started + START_DEADLINE_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=10).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(POLL_S)
    waited = time.monotonic() - started
    raise RuntimeError(f"server did not become healthy in {waited:.0f} s:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server we started; kill it if it does not stop in a minute."""
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=60)
