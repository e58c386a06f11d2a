"""resurface serve: run the web app."""

from __future__ import annotations

import ctypes
import datetime as dt
import logging

import typer

from resurface.cli.context import CliContext

_M_ARENA_MAX = -8  # glibc's mallopt parameter number


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    show_logins: bool = typer.Option(False, help="Print the demo clinics' sign-ins first."),
    access_log: bool = typer.Option(True, help="Log one line per request to stderr."),
) -> None:
    """Serve the web app (pages and /api/v1) until stopped with Ctrl-C."""
    import uvicorn

    from resurface.demo.story import logins_text
    from resurface.web import create_app

    context: CliContext = ctx.obj
    log_to_stderr(access_log=access_log)
    fewer_memory_arenas()
    _tidy_photo_store(context)
    web_app = create_app(context.settings, context.runtime)
    if show_logins:
        typer.echo(logins_text())
    typer.echo(f"Resurface is at http://{host}:{port}/  (Ctrl-C stops it)")
    # proxy_headers=False: uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1.
    # The app believes it only from RESURFACE_TRUSTED_PROXIES (see create_app).
    uvicorn.run(
        web_app,
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=False,
        server_header=False,
        access_log=False,
    )


def log_to_stderr(*, access_log: bool) -> None:
    """Resurface's own log (the access log, errors with their request id) on stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("resurface")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logging.getLogger("resurface.access").disabled = not access_log


def _tidy_photo_store(context: CliContext) -> None:
    """Before serving, no upload is in flight: remove the files a crash left without a record,
    and say when a record's file is missing or damaged."""
    from resurface.cli.photos import report_lines
    from resurface.services.photo_store_check import check_photo_store

    report = check_photo_store(
        context.runtime.context, remove_orphans=True, in_flight=dt.timedelta(0)
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
