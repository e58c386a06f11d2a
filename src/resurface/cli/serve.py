"""resurface serve: run the web app."""

from __future__ import annotations

import ctypes
import datetime as dt
import gc
import logging
import os
import signal
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import typer

from resurface.cli.context import CliContext

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import Receive, Scope, Send

_M_ARENA_MAX = -8  # glibc's mallopt parameter number
_PR_SET_PDEATHSIG = 1  # Linux prctl option: a signal for this process when its parent dies
WORKERS_ENV = "RESURFACE_WEB_PROCESSES"
THREADS_ENV = "RESURFACE_WEB_THREADS"
ACCESS_LOG_ENV = "RESURFACE_SERVE_ACCESS_LOG"  # handed from `serve` to its worker processes
MAX_DEFAULT_WORKERS = 6
DEFAULT_THREADS = 8
"""(``storage.database.DEFAULT_WEB_THREADS`` too: its pool keeps a connection for each.)
Routes at work at once in one web process. anyio's default is 40: on 2 cores, 50 connections
on 2 processes (SQLite, load average 9-15 from other work), 8 gave 110-123 requests/s and
9.4-10.2 ms of CPU a read where 40 gave 62-92 and 11-16 ms (3 gave 73-80: too few to cover the
database's waits). Each running route holds the
interpreter lock for its Python work, so many at once mostly take turns and wait on the
connection pool."""


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    workers: int | None = typer.Option(
        None,
        min=1,
        max=64,
        envvar=WORKERS_ENV,
        show_default="the cores this process may use, at most 6",
        help="Web processes serving the same port (each with its own threads and database pool).",
    ),
    threads: int = typer.Option(
        DEFAULT_THREADS,
        min=1,
        max=1000,
        envvar=THREADS_ENV,
        help="Requests each web process works on at once; the others wait their turn "
        "(a photo upload holds one while its photo is taken in, a shot's check while it is "
        "measured).",
    ),
    show_logins: bool = typer.Option(False, help="Print the demo clinics' sign-ins first."),
    access_log: bool = typer.Option(True, help="Log one line per request to stderr."),
) -> None:
    """Serve the web app (pages and /api/v1) until stopped with Ctrl-C."""
    import uvicorn

    from resurface.cli.web_processes import (
        PortInUse,
        check_port_free,
        own_sockets_spread_connections,
        serve_in_processes,
    )
    from resurface.demo.story import logins_text

    context: CliContext = ctx.obj
    processes = workers or default_workers()
    try:
        check_port_free(host, port)
    except OSError as error:  # PortInUse too
        typer.echo(f"Cannot serve on port {port} of {host}: {error.strerror or error}.", err=True)
        if isinstance(error, PortInUse):
            typer.echo("Is Resurface already running? --port chooses another port.", err=True)
        raise typer.Exit(1) from error
    # This process's runtime (built below) and the worker processes' (their Settings read the
    # variable) keep a database connection open for each thread (storage.database).
    os.environ[THREADS_ENV] = str(threads)
    context.settings = context.settings.model_copy(update={"web_threads": threads})
    log_to_stderr(access_log=access_log)
    _tidy_photo_store(context)
    if show_logins:
        typer.echo(logins_text())
    typer.echo(
        f"Resurface is at http://{host}:{port}/  ({processes} web "
        f"process{'es' if processes > 1 else ''}; Ctrl-C stops it)"
    )
    # proxy_headers=False: uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1.
    # The app believes it only from RESURFACE_TRUSTED_PROXIES (see create_app).
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "warning",
        "proxy_headers": False,
        "server_header": False,
        "access_log": False,
    }
    if processes == 1:
        from resurface.web import create_app

        fewer_memory_arenas()
        app = create_app(context.settings, context.runtime)
        uvicorn.run(RouteThreads(app, threads), **options)
        return
    # Several processes: uvicorn's supervisor starts each from the factory's import string
    # (each reads the same RESURFACE_* settings), restarts one that dies, and stops them all
    # on Ctrl-C or SIGTERM.
    context.runtime.dispose()  # the tidy's connections are not handed to the workers
    os.environ[ACCESS_LOG_ENV] = "1" if access_log else "0"
    app_factory = f"{__name__}:worker_app"
    if not own_sockets_spread_connections():
        uvicorn.run(app_factory, factory=True, workers=processes, **options)
        return
    serve_in_processes(uvicorn.Config(app_factory, factory=True, workers=processes, **options))


def worker_app() -> RouteThreads:
    """The app of one of several web processes (``uvicorn`` calls this in each)."""
    from resurface.config import Settings
    from resurface.web import create_app

    stop_with_supervisor()
    log_to_stderr(access_log=os.environ.get(ACCESS_LOG_ENV, "1") == "1")
    fewer_memory_arenas()
    settings = Settings()
    return RouteThreads(create_app(settings), settings.web_threads)


class RouteThreads:
    """The app, with at most ``threads`` of its routes running at once in this process.

    The routes are plain functions that Starlette runs in anyio's thread pool (40 threads unless
    told otherwise); a request past that waits its turn in the event loop."""

    def __init__(self, app: FastAPI, threads: int) -> None:
        self.app = app
        self.threads = threads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":  # once, in the event loop that will serve the requests
            anyio.to_thread.current_default_thread_limiter().total_tokens = self.threads
            # What is loaded by now (modules, routes, templates) lives as long as the process:
            # kept out of the collector's scans, which otherwise revisit it on every request.
            gc.freeze()
        await self.app(scope, receive, send)


def stop_with_supervisor() -> None:
    """Ask Linux to send this worker SIGTERM (a clean stop) when the process that started it
    dies, however it dies: a supervisor killed with SIGKILL would otherwise leave its workers
    serving on the port. Does nothing where the C library has no ``prctl``."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the supervisor died before the request was made
        os.kill(os.getpid(), signal.SIGTERM)


def default_workers() -> int:
    """One web process per core this process may use, at most ``MAX_DEFAULT_WORKERS``.

    Each process serves many requests at once (its thread pool runs the routes, which wait on
    the database without holding the interpreter), so more processes than cores only add memory
    and database connections: the CPU-bound part of a request (templates, validation) holds
    Python's interpreter lock, and one process per core is what keeps every core busy. Gunicorn's
    ``2 x cores + 1`` is for workers that serve one request at a time. At most 6: with the
    default threads each process may hold 15 PostgreSQL connections (12 kept, 3 more), and
    6 x 15 = 90 stays under PostgreSQL's default ``max_connections`` of 100; set ``--workers``
    for more."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_DEFAULT_WORKERS))


def log_to_stderr(*, access_log: bool) -> None:
    """Resurface's own log (the access log, errors with their request id) on stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("resurface")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logging.getLogger("resurface.access").disabled = not access_log


def _tidy_photo_store(context: CliContext) -> None:
    """Before serving, remove the files a crash left without a record, and say when a record's
    file is missing or damaged."""
    from resurface.bootstrap import BACKGROUND_LEASE
    from resurface.cli.photos import report_lines
    from resurface.services.photo_store_check import IN_FLIGHT, check_photo_store

    runtime = context.runtime
    if context.settings.photo_bucket is not None:
        return  # a bucket: checking means reading every photo; `resurface photos check` does
    # Alone, no upload can be in flight; with another server running (it renews the background
    # lease, perhaps on another machine sharing the store) a young orphan may be its upload.
    # A lease left by a server that crashed runs out unrenewed (within the lease's length).
    alone = not runtime.lease(BACKGROUND_LEASE).renewed_by_its_holder()
    report = check_photo_store(
        runtime.context, remove_orphans=True, in_flight=dt.timedelta(0) if alone else IN_FLIGHT
    )
    if report.removed or not report.consistent:
        for line in report_lines(report):
            typer.echo(line, err=True)


def fewer_memory_arenas(arenas: int = 2) -> None:
    """Let the server's threads share ``arenas`` glibc malloc arenas (the default is 8 per
    core). A photo's memory freed by one request thread is then reused by the next instead of
    staying in that thread's arena: three 59 MP uploads at once add about 1.5 GB, not 2 GB
    (``make bench``). Does nothing where the C library is not glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_ARENA_MAX, arenas)
    except (OSError, AttributeError):
        pass
