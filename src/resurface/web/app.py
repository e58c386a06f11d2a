"""The app factory. Settings come in; nothing is read from the environment at import time."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from resurface import __version__, bootstrap
from resurface.config import Settings
from resurface.domain.codes import Modality
from resurface.web import errors
from resurface.web.api import router as api_router
from resurface.web.background import OutboxLoop
from resurface.web.limits import BodyLimit
from resurface.web.pages import router as pages_router
from resurface.web.security import SECURITY_HEADERS

HERE = Path(__file__).parent


def create_app(settings: Settings, runtime: bootstrap.Runtime | None = None) -> FastAPI:
    runtime = runtime or bootstrap.build(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        outbox = OutboxLoop(runtime) if settings.smtp_host else None
        _app.state.outbox = outbox
        if outbox is not None:
            outbox.start()
        yield
        if outbox is not None:
            await outbox.stop()
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
    app.middleware("http")(_security_headers)
    app.add_middleware(
        BodyLimit,
        body_bytes=settings.max_body_kb * 1024,
        upload_bytes=int(settings.max_upload_mb * 1024 * 1024),
    )
    return app


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters["words"] = words
    templates.env.filters["field_label"] = field_label
    return templates


_ROW = re.compile(r"^(goal|areas|photos)[-\[](\d+)\]?[.-]?(.*)$")
_ROW_WORD = {"goal": "Goal", "areas": "Area", "photos": "Photo"}


def field_label(name: str) -> str:
    """A form field's name as the person filling it in sees it, rows counted from 1:
    ``goal-0`` -> "Goal 1", ``areas[1].energy_mj`` -> "Area 2: energy mj",
    ``photos-0-file`` -> "Photo 1: file"."""
    row = _ROW.match(name)
    if row:
        kind, index, rest = row.groups()
        label = f"{_ROW_WORD[kind]} {int(index) + 1}"
        return f"{label}: {rest.replace('_', ' ')}" if rest else label
    text = name.replace("_", " ").replace("-", " ")
    return text[:1].upper() + text[1:]


def words(code: object) -> str:
    """A code in plain words for a page: modalities by their name, others with spaces."""
    text = str(code)
    try:
        return Modality(text).label
    except ValueError:
        return text.replace("_", " ")


async def _security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        if name == "Cache-Control" and request.url.path.startswith("/static/"):
            continue
        response.headers.setdefault(name, value)
    return response
