"""The access log and request ids: one line per request, and an ``X-Request-ID`` on every answer.

A line names the method, the route's path template (``/r/{token}``, never the token itself),
the status, the time taken, the signed-in user's id and the request id. Query strings, bodies and
path values are never logged: they can carry a patient's link or health data.

An error nothing else handled is logged once, with its request id and traceback, and answered
with a 500 that shows the request id, so a user can quote it and an operator find the traceback.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from resurface.web.errors import every_route, server_error
from resurface.web.security import SECURITY_HEADERS

log = logging.getLogger("resurface.access")
errors_log = logging.getLogger("resurface.errors")

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,99}")
"""A proxy's or client's id is kept when it looks like one (no spaces, quotes or newlines that
could forge a log line); anything else is replaced by our own."""

UNMATCHED = "(no route)"
"""What a request that matched no route logs instead of its path, which could hold a token."""


def request_id_of(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == b"x-request-id":
            given = value.decode("latin-1").strip()
            if _SANE_ID.fullmatch(given):
                return given
    return uuid.uuid4().hex


def path_template(scope: Scope) -> str:
    """The path as the route declares it, e.g. ``/patients/{patient_id}``, with the prefixes of
    the routers that include it; :data:`UNMATCHED` when no route took the request."""
    route, app = scope.get("route"), scope.get("app")
    if route is None or app is None:
        return UNMATCHED
    templates: dict[int, str] | None = getattr(app.state, "path_templates", None)
    if templates is None:
        templates = _path_templates(app.routes)
        app.state.path_templates = templates
    return templates.get(id(route), UNMATCHED)


def _path_templates(routes: list[Any]) -> dict[int, str]:
    """Each route the app serves (the route object a request is handed to) -> its full path."""
    templates: dict[int, str] = {}
    for served in every_route(routes):
        original = getattr(served, "original_route", served)
        template = getattr(served, "path_format", None)
        if isinstance(template, str):
            templates.setdefault(id(original), template)
    return templates


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope["headers"])
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status, response_started = message["status"], True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            errors_log.exception(
                "request %s failed: %s %s", request_id, scope["method"], path_template(scope)
            )
            if response_started:
                raise
            status = 500
            response = await server_error(Request(scope), request_id, path_template(scope))
            # Made outside the header middleware, so it adds the headers every answer carries.
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            await response(scope, receive, send_with_id)
        finally:
            _log_line(scope, state, status, started, request_id)


def _log_line(
    scope: Scope, state: dict[str, Any], status: int, started: float, request_id: str
) -> None:
    millis = (time.perf_counter() - started) * 1000
    user = state.get("user_id")
    template = path_template(scope)
    log.info(
        "%s %s %d %.1fms user=%s request=%s",
        scope["method"],
        template,
        status,
        millis,
        user if user is not None else "-",
        request_id,
        extra={
            "http_method": scope["method"],
            "path_template": template,
            "status": status,
            "duration_ms": round(millis, 1),
            "user_id": user,
            "request_id": request_id,
        },
    )
