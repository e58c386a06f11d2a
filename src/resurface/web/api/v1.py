"""The router of each ``/api/v1`` module, with the API's prefix and the problems every operation
may answer already on its routes: the API's routes are then put on one router as they are
(``resurface.web.api``), where FastAPI would try each included router in turn, and again inside
it, on every request."""

from __future__ import annotations

from enum import Enum

from fastapi import APIRouter

from resurface.web.api.problems import PROBLEM_RESPONSES

PREFIX = "/api/v1"


def v1_router(*, tags: list[str | Enum], prefix: str = "") -> APIRouter:
    return APIRouter(prefix=PREFIX + prefix, tags=tags, responses=PROBLEM_RESPONSES)
