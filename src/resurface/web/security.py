"""Session cookies, CSRF tokens and response headers."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "resurface_session"
LOGIN_CSRF_COOKIE = "resurface_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'"
    ),
    "Cache-Control": "no-store",
}

HSTS_HEADER = "Strict-Transport-Security"
HSTS_VALUE = "max-age=31536000"
"""Browsers that reached the server over HTTPS come back only over HTTPS for a year. Sent on
HTTPS answers outside development only (a browser ignores it over HTTP anyway). No
``includeSubDomains``: the clinic's other sites under the same domain are not ours to pin."""


def security_headers(*, scheme: str, path: str, hsts: bool) -> dict[str, str]:
    """The headers every answer carries: static files may be cached; HTTPS ones pin HTTPS."""
    headers = {
        name: value
        for name, value in SECURITY_HEADERS.items()
        if not (name == "Cache-Control" and path.startswith("/static/"))
    }
    if hsts and scheme == "https":
        headers[HSTS_HEADER] = HSTS_VALUE
    return headers


class SecurityHeaders:
    """Adds :func:`security_headers` to every answer that does not set them itself. A plain
    ASGI middleware: it touches only the start of the answer (Starlette's ``BaseHTTPMiddleware``
    would hand each request and answer across a task and a stream). The headers, which depend
    only on the scheme and whether the path is a static file's, are encoded once for each case,
    not built again for every answer."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self._raw = {
            (https, static): [
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in security_headers(
                    scheme="https" if https else "http",
                    path="/static/" if static else "/",
                    hsts=hsts,
                ).items()
            ]
            for https in (False, True)
            for static in (False, True)
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        wanted = self._raw[scope["scheme"] == "https", scope["path"].startswith("/static/")]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = MutableHeaders(scope=message).raw  # the answer's own list, as a list
                present = {name for name, _ in raw}
                raw.extend(header for header in wanted if header[0] not in present)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def tokens_match(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def new_login_csrf() -> str:
    return secrets.token_urlsafe(32)


def set_cookie(response: Response, name: str, value: str, *, secure: bool, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="lax", secure=secure, path="/"
    )


def client_address(request: Request) -> str:
    """The client's IP address: the connection's peer, or, when that peer is one of
    ``RESURFACE_TRUSTED_PROXIES``, the address the proxy says it serves (see ``create_app``)."""
    return request.client.host if request.client else "unknown"


def user_agent(request: Request) -> str:
    """The browser as it names itself, for the user's list of their sessions (never trusted)."""
    return request.headers.get("user-agent", "")[:200]
