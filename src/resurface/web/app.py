"""The app factory. Settings come in; nothing is read from the environment at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from resurface import __version__, bootstrap
from resurface.config import Environment, Settings
from resurface.domain.codes import Area, Modality
from resurface.domain.photo_metrics import metric_name
from resurface.web import errors
from resurface.web.access_log import AccessLog
from resurface.web.api import router as api_router
from resurface.web.background import CheckpointLoop, Leadership, OutboxLoop, TidyLoop
from resurface.web.jobs import JobWorker
from resurface.web.labels import field_label
from resurface.web.limits import BodyLimit
from resurface.web.pages import router as pages_router
from resurface.web.security import SecurityHeaders

HERE = Path(__file__).parent


def create_app(settings: Settings, runtime: bootstrap.Runtime | None = None) -> FastAPI:
    runtime = runtime or bootstrap.build(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        leadership = Leadership(runtime)  # the background work runs in one process at a time
        await leadership.start()
        outbox = OutboxLoop(runtime, leadership) if settings.smtp_host else None
        _app.state.outbox = outbox
        if outbox is not None:
            outbox.start()
        checkpoints = CheckpointLoop(runtime, leadership)
        checkpoints.start()
        tidy = TidyLoop(runtime, leadership)
        tidy.start()
        jobs = JobWorker(runtime)
        jobs.start()
        yield
        await jobs.stop()
        await tidy.stop()
        if outbox is not None:
            await outbox.stop()
        await checkpoints.stop()
        await leadership.stop()
        runtime.dispose()

    app = FastAPI(
        title="Resurface",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.runtime = runtime
    app.state.templates = _templates()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api_router)
    app.include_router(pages_router)
    errors.install(app)
    app.add_middleware(SecurityHeaders, hsts=settings.environment != Environment.DEVELOPMENT)
    app.add_middleware(
        BodyLimit,
        body_bytes=settings.max_body_kb * 1024,
        upload_bytes=int(settings.max_upload_mb * 1024 * 1024),
    )
    app.add_middleware(AccessLog)
    if settings.proxies:
        # Outermost, so everything inside sees the client's address and scheme. Only these
        # peers are believed; `resurface serve` turns uvicorn's own (trust 127.0.0.1) off.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.proxies)
    return app


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=HERE / "templates")
    # The templates change only with a new release, which restarts the server: no look at each
    # template file's time on every render.
    templates.env.auto_reload = False
    templates.env.filters["words"] = words
    templates.env.filters["field_label"] = field_label
    templates.env.filters["metric_name"] = metric_name
    return templates


def words(code: object) -> str:
    """A code in plain words for a page: modalities and areas by their names, others with
    spaces."""
    text = str(code)
    for kind in (Modality, Area):
        if text in kind._value2member_map_:
            return str(kind(text).label)
    return text.replace("_", " ")
