"""How much a request may bring: the body is measured before anything parses it.

A form or JSON body is small (``Settings.max_body_kb``); a photo upload may bring the photo
(``Settings.max_upload_mb``) and a little more. A larger ``Content-Length`` is answered 413 at
once; a body sent without one is counted as it arrives and refused as soon as it passes the cap
(the rest is never read).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from resurface.web.errors import PROBLEM

_MULTIPART = b"multipart/form-data"
_UPLOAD_MARGIN = 1024 * 1024  # the form's other fields and the multipart boundaries


class BodyLimit:
    def __init__(self, app: ASGIApp, *, body_bytes: int, upload_bytes: int) -> None:
        self.app = app
        self.body_bytes = body_bytes
        self.upload_bytes = upload_bytes + _UPLOAD_MARGIN

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if b"content-length" not in headers and b"transfer-encoding" not in headers:
            # HTTP/1.1 frames a body by one of these two: without either the request has none
            # (the server reads nothing more), so there is nothing to count.
            await self.app(scope, receive, send)
            return
        most = (
            self.upload_bytes
            if _MULTIPART in headers.get(b"content-type", b"")
            else self.body_bytes
        )
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > most:
            await _refuse(scope, send, most)
            return
        await _CountedRequest(scope, receive, send, most).run(self.app)


class _CountedRequest:
    """Counts the body as it arrives. Past the cap the app is handed the end of the body, and
    whatever it answers to the truncated request is replaced by the 413."""

    def __init__(self, scope: Scope, receive: Receive, send: Send, most: int) -> None:
        self.scope, self._receive, self._send, self.most = scope, receive, send, most
        self.seen = 0
        self.over = False

    async def run(self, app: ASGIApp) -> None:
        await app(self.scope, self.receive, self.send)

    async def receive(self) -> Message:
        if self.over:
            return {"type": "http.request", "body": b"", "more_body": False}
        message = await self._receive()
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.most:
                self.over = True
                return {"type": "http.request", "body": b"", "more_body": False}
        return message

    async def send(self, message: Message) -> None:
        if not self.over:
            await self._send(message)
        elif message["type"] == "http.response.start":
            await _refuse(self.scope, self._send, self.most)


async def _refuse(scope: Scope, send: Send, most: int) -> None:
    problem = {
        "type": "about:blank",
        "title": "Request too large",
        "status": 413,
        "detail": f"the request is larger than {_size(most)}, the most this server accepts",
        "instance": scope["path"],
    }
    body = json.dumps(problem).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", PROBLEM.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _size(most: int) -> str:
    return f"{most // (1024 * 1024)} MB" if most >= 1024 * 1024 else f"{most // 1024} KB"
