"""The answers every operation may give besides its own: RFC 9457 problems, declared in the
OpenAPI document with their media type, so that a client (and Schemathesis) knows them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from resurface.web.errors import PROBLEM


class FieldProblemOut(BaseModel):
    field: str = Field(description="the input it is about, e.g. areas[0].energy_mj")
    message: str
    setting: str | None = None
    recorded: float | None = None
    limit: float | None = None
    unit: str | None = None


class ProblemOut(BaseModel):
    """``application/problem+json`` (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldProblemOut] | None = Field(
        default=None, description="every refused field at once (422)"
    )


_WHEN = {
    400: "The request was refused.",
    401: "Not signed in, or the session has ended.",
    403: "The role may not do this, or the CSRF token (X-CSRF-Token) is missing or stale.",
    404: "No such record in your clinic (another clinic's record answers the same).",
    405: "The path does not take this method; Allow lists those it does.",
    409: "Someone else saved the record first: reload it and apply the change again.",
    413: "The body is larger than the server accepts.",
    422: "A field is invalid, or a clinical rule refuses the request even though it matches "
    "the schema (a setting beyond its limit without a reason, a session past its guards "
    "without one, a date in the future ...): errors names every field.",
    429: "Too many requests or sign-in attempts; Retry-After says when to try again.",
    500: "The server failed; nothing was saved.",
}

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "description": description,
        "model": ProblemOut,
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/ProblemOut"}}},
    }
    for status, description in _WHEN.items()
}
