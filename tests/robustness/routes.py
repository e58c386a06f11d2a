"""The app's routes as the router holds them, for sweeps that must cover every route (a new
route is swept without anyone adding it to a list)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

PARAMETER = re.compile(r"{(\w+)(?::\w+)?}")


@dataclass(frozen=True)
class RouteInfo:
    method: str
    path: str

    @property
    def parameters(self) -> list[str]:
        return PARAMETER.findall(self.path)

    def url(self, **values: object) -> str:
        return PARAMETER.sub(lambda match: str(values[match.group(1)]), self.path)


def app_routes(app: FastAPI) -> Iterator[RouteInfo]:
    """Every (method, path) the app answers, HEAD left out."""
    for route in _flatten(app.routes):
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD":
                yield RouteInfo(method, route.path)


def _flatten(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:  # a router included in another (FastAPI >= 0.160)
            yield from contexts()
        elif hasattr(route, "path"):
            yield route
