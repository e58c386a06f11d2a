"""Several web processes on one port, each listening on a socket of its own.

uvicorn's supervisor binds one socket and hands it to every process. The processes then race to
accept each new connection, and one that wakes first takes every connection waiting: under a
burst of 50 keep-alive connections, splits of 10/40 between two processes were usual on 2 cores
(``bench.concurrency``), and the process with 40 answered slowly while the other idled. Here each
process binds the port itself with ``SO_REUSEPORT`` (Linux), so the kernel hands each new
connection to one of the processes' sockets by a hash of its addresses: the connections spread
evenly and a busy process is never the one that grabbed them all.

uvicorn's supervisor is kept for the rest (it restarts a process that dies or hangs, stops them
all on Ctrl-C or SIGTERM, starts one more on SIGTTIN); only the way a process gets its socket
changes. Where ``SO_REUSEPORT`` does not spread connections (not Linux), the shared socket is
used as before.
"""

from __future__ import annotations

import errno
import logging
import socket
import sys
from typing import TYPE_CHECKING

from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import multiprocess

if TYPE_CHECKING:
    from uvicorn import Config

logger = logging.getLogger("resurface")


class PortInUse(OSError):
    """Something already listens on the port asked for."""


def own_sockets_spread_connections() -> bool:
    """Whether each process's own ``SO_REUSEPORT`` socket gets a fair share of connections."""
    return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def serve_in_processes(config: Config) -> None:
    """Run ``config.workers`` web processes, each on its own socket, until stopped. Check the
    port first (:func:`check_port_free`): a second Resurface on the same port would otherwise
    join the first one's sockets and share its connections."""
    # uvicorn's supervisor makes each web process, first or replacement, from this name
    multiprocess.Process = _ProcessWithOwnSocket  # type: ignore[misc]
    multiprocess.Multiprocess(config, sockets=[]).run()


class _ProcessWithOwnSocket(multiprocess.Process):
    def target(self, sockets: list[socket.socket] | None = None) -> None:
        """In the web process: bind the port and serve (a failure to bind stops every process,
        as a failed start does)."""
        try:
            own = listening_socket(self.config.host, self.config.port)
        except OSError as error:
            logger.error("port %s on %s: %s", self.config.port, self.config.host, error)
            sys.exit(STARTUP_FAILURE)
        super().target([own])


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` that shares the port with the other web processes'
    (``SO_REUSEPORT``: only processes of the same user may join). The server starts listening
    on it."""
    sock = socket.socket(family=_family(host))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def check_port_free(host: str, port: int) -> None:
    """Bind the port without ``SO_REUSEPORT`` for a moment: that fails when any socket holds it,
    a plain one or another server's shared ones (:class:`PortInUse`), or when it cannot be had
    at all (``OSError``: an address not of this machine, a port kept for the system)."""
    with socket.socket(family=_family(host)) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUse(error.errno, "it is in use") from error
            raise


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET
