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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(env: dict[str, str], log: Path) -> Iterator[str]:
    """Start the server with ``env`` added to the environment; yield its base URL."""
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
            process.terminate()
            process.wait(timeout=20)


def _wait_until_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server did not become healthy:\n{log.read_text()}")
