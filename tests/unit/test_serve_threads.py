"""``resurface serve --threads N``: each web process works on at most N requests at once."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.testclient import TestClient

from resurface.cli.serve import RouteThreads


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/threads")
    async def threads() -> dict[str, Any]:
        return {"threads": anyio.to_thread.current_default_thread_limiter().total_tokens}

    @app.get("/plain")
    def plain() -> dict[str, str]:  # a plain function, run on the thread pool as the pages are
        return {"ok": "yes"}

    return app


def test_the_process_runs_as_many_routes_at_once_as_it_is_told() -> None:
    with TestClient(RouteThreads(_app(), 3)) as http:
        assert http.get("/threads").json() == {"threads": 3}
        assert http.get("/plain").json() == {"ok": "yes"}
