"""Errors become RFC 9457 problem responses on the API and readable pages in the browser.

WebError
├── CsrfRejected           a form or API call that changes something came without its CSRF token
└── SecondFactorRequired   the clinic requires a second factor of this medical director, who has
                           none yet: every page but enrolment sends them there
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Match

from resurface.domain.appointments import BookingClash, TransitionRefused
from resurface.domain.errors import DomainError, InvalidInput, ProtocolError, VersionConflict
from resurface.imaging.errors import ImagingError
from resurface.services import audit, auth
from resurface.services.access import Actor, Permission
from resurface.services.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    NotSignedIn,
    PasswordChangeRequired,
    PermissionDenied,
    ServiceError,
    Throttled,
    Unavailable,
)
from resurface.web.labels import field_label
from resurface.web.security import SESSION_COOKIE, client_address

PROBLEM = "application/problem+json"
PASSWORD_PAGE = "/account/password"  # noqa: S105 - an address, not a password


class WebError(Exception):
    pass


class CsrfRejected(WebError):
    def __init__(self) -> None:
        super().__init__("the form's security token is missing or stale; reload the page and retry")


ENROL_PAGE = "/account/second-factor"


class SecondFactorRequired(WebError):
    def __init__(self) -> None:
        super().__init__(
            "your clinic requires medical directors to sign in with a second factor; "
            f"turn it on at {ENROL_PAGE} first"
        )


_STATUS: list[tuple[type[Exception], int, str]] = [
    (InvalidInput, 422, "Invalid input"),
    (VersionConflict, 409, "Changed by someone else"),
    (BookingClash, 409, "Clashes with the appointment book"),
    (TransitionRefused, 409, "Not possible in the appointment's status"),
    (ProtocolError, 500, "Protocol file error"),
    (DomainError, 422, "Not allowed by the clinical rules"),
    (ImagingError, 422, "Photo cannot be analysed"),
    (NotFound, 404, "Not found"),
    (PasswordChangeRequired, 403, "Password change required"),
    (PermissionDenied, 403, "Not allowed"),
    (Throttled, 429, "Too many attempts"),
    (NotSignedIn, 401, "Not signed in"),
    (AuthenticationFailed, 401, "Sign-in failed"),
    (Conflict, 409, "Conflict"),
    (Unavailable, 503, "Temporarily unavailable"),
    (ServiceError, 400, "Request refused"),
    (CsrfRejected, 403, "Security token missing"),
    (SecondFactorRequired, 403, "Second factor required"),
]


def status_of(error: Exception) -> tuple[int, str]:
    for kind, status, title in _STATUS:
        if isinstance(error, kind):
            return status, title
    return 500, "Server error"


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def problem(status: int, title: str, detail: str, instance: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body |= {"instance": instance, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _field_errors(error: Exception) -> dict[str, Any]:
    """Every refused field, with the limit a setting went beyond when there is one."""
    if isinstance(error, BookingClash):
        return {
            "clashes": [
                {"kind": c.kind.value, "message": c.message, "appointment_id": c.appointment_id}
                for c in error.clashes
            ]
        }
    if isinstance(error, InvalidInput):
        return {
            "errors": [
                {k: v for k, v in vars(p).items() if v not in ("", None)} for p in error.problems
            ]
        }
    return {}


_PLAIN = {
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "float_parsing": "must be a number",
    "date_from_datetime_parsing": "must be a date like 2026-12-05",
    "date_parsing": "must be a date like 2026-12-05",
    "missing": "is missing",
    "greater_than_equal": "is too small",
    "less_than_equal": "is too large",
    "enum": "is not one of the choices",
    "string_too_long": "is too long",
}


_CHOICES = re.compile(r"\^\(([\w|-]+)\)\$")
"""A pattern that only lists the values a parameter takes, such as ``^(provider|room|device)$``."""


def _plain(error: Mapping[str, Any]) -> str:
    """A validation error as a page says it to a person (the API keeps pydantic's words)."""
    kind = str(error.get("type"))
    context = error.get("ctx") or {}
    choices = _CHOICES.fullmatch(str(context.get("pattern", "")))
    if kind == "string_pattern_mismatch" and choices:
        *first, last = choices.group(1).split("|")
        return f"must be {', '.join(first)} or {last}" if first else f"must be {last}"
    if kind in ("enum", "literal_error") and context.get("expected"):
        return f"must be {context['expected']}"
    return _PLAIN.get(kind, str(error.get("msg", "is not valid")))


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    async def on_error(request: Request, error: Exception) -> Response:
        status, title = status_of(error)
        if isinstance(error, PermissionDenied):
            _record_refusal(request, str(error))
        if is_api(request):
            response: Response = problem(
                status, title, str(error), request.url.path, **_field_errors(error)
            )
        elif isinstance(error, NotSignedIn):
            target = quote(request.url.path)
            expired = "&expired=1" if error.expired else ""
            idle = f"&idle={error.idle_minutes}" if error.idle_minutes else ""
            return RedirectResponse(f"/login?next={target}{expired}{idle}", status_code=303)
        elif isinstance(error, PasswordChangeRequired):
            return RedirectResponse(PASSWORD_PAGE + "?required=1", status_code=303)
        elif isinstance(error, SecondFactorRequired):
            return RedirectResponse(ENROL_PAGE, status_code=303)
        else:
            response = await render_error(request, status, title, str(error))
        if isinstance(error, Throttled):
            response.headers["Retry-After"] = str(error.retry_after)
        return response

    async def on_validation(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        fields = [
            {
                "field": ".".join(str(p) for p in e["loc"] if p not in ("body", "query", "path")),
                "message": e["msg"],
            }
            for e in error.errors()
        ]
        detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        if is_api(request):
            return problem(422, "Invalid input", detail, request.url.path, errors=fields)
        said = "; ".join(
            f"{field_label(f['field'])}: {_plain(e)}"
            for f, e in zip(fields, error.errors(), strict=True)
        )
        return await render_error(request, 422, "This address is not right", said)

    async def on_http(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        detail = str(error.detail)
        if is_api(request):
            response: Response = problem(error.status_code, detail, detail, request.url.path)
        else:
            response = await render_error(request, error.status_code, detail, "")
        response.headers.update(error.headers or {})
        if error.status_code == 405:
            response.headers["Allow"] = ", ".join(sorted(allowed_methods(request)))
        return response

    for kind in (DomainError, ServiceError, ImagingError, WebError):
        app.add_exception_handler(kind, on_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)


async def render_error(
    request: Request,
    status: int,
    title: str,
    detail: str,
    *,
    request_id: str = "",
    look_up_session: bool = True,
) -> Response:
    """The error page, with the navigation and sign-out of whoever is signed in."""
    templates = request.app.state.templates
    actor, csrf_token = _signed_in(request) if look_up_session else (None, "")
    response: Response = templates.TemplateResponse(
        request,
        "error.html",
        {
            "status": status,
            "title": title,
            "detail": detail,
            "actor": actor,
            "csrf_token": csrf_token,
            "Permission": Permission,
            "request_id": request_id,
            "way_back": way_back(request.url.path, actor, status),
        },
        status_code=status,
    )
    return response


_SECTIONS = (
    ("/book", "/book", "Back to the book"),
    ("/patients", "/patients", "Back to the patient list"),
    ("/sessions", "/patients", "Back to the patient list"),
    ("/consultations", "/patients", "Back to the patient list"),
    ("/photos", "/patients", "Back to the patient list"),
    ("/admin/users", "/admin/users", "Back to the users"),
    ("/admin/audit", "/admin/audit", "Back to the audit trail"),
    ("/admin", "/admin/clinic", "Back to the clinic's settings"),
    ("/account", "/account/password", "Back to your account"),
)
"""Where an error page leads back to, by the section of the address that failed."""

PATIENT_PAGES = ("/p/", "/r/")
"""The patient's own pages (their personal link): no way into the clinic's pages from there."""


def way_back(path: str, actor: Actor | None, status: int) -> tuple[str, str] | None:
    """The link an error page offers: into the section that failed for the signed-in staff
    (Today when the section itself was refused), to the sign-in for anyone else, none on a
    patient's own pages (they hold only their link)."""
    if path.startswith(PATIENT_PAGES):
        return None
    if actor is None or actor.must_change_password:
        return ("/login", "Sign in")
    if status == 403:
        return ("/", "Back to Today")
    for prefix, href, label in _SECTIONS:
        if path == prefix or path.startswith(prefix + "/"):
            return (href, label)
    return ("/", "Back to Today")


_SERVER_ERROR = "something went wrong on the server; what you sent may not have been saved"


async def server_error(request: Request, request_id: str, path_template: str) -> Response:
    """The answer to an error nothing else handled: the request id to quote, nothing else of
    the error (the traceback is in the server's log under the same id). The page does not look
    up who is signed in: the database may be what failed."""
    if is_api(request):
        detail = f"{_SERVER_ERROR}; quote request id {request_id} when you report it"
        return problem(500, "Server error", detail, path_template, request_id=request_id)
    try:
        return await render_error(
            request,
            500,
            "Server error",
            _SERVER_ERROR,
            request_id=request_id,
            look_up_session=False,
        )
    except Exception:  # the page itself failed: say it plainly
        return PlainTextResponse(f"Server error. Request id: {request_id}", status_code=500)


def _record_refusal(request: Request, reason: str) -> None:
    """Audit a refused request of a signed-in user: method and route (never the query)."""
    actor, _ = _signed_in(request)
    if actor is None:
        return
    from resurface.web.access_log import path_template  # it imports this module

    what = f"{request.method} {path_template(request.scope)}"
    context = request.app.state.runtime.context
    named = str(request.path_params.get("patient_id", ""))
    patient_id = int(named) if named.isascii() and named.isdigit() and len(named) < 12 else None
    audit.record_refusal(context, actor, what[:40], f"{what}: {reason}", patient_id)


def _signed_in(request: Request) -> tuple[Actor | None, str]:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None, ""
    try:
        found = auth.session_actor(
            request.app.state.runtime.context, token, client_address(request)
        )
    except (NotSignedIn, ServiceError):
        return None, ""
    return (None, "") if found.must_enrol else (found.actor, found.csrf_token)


def allowed_methods(request: Request) -> set[str]:
    """Every method some route takes at this path (Starlette's 405 names only the first route's,
    and a resource's GET and POST may be two routes)."""
    methods: set[str] = set()
    for route in every_route(request.app.routes):
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return methods or {"GET"}


def every_route(routes: list[Any]) -> Iterator[Any]:
    """Every route as the app serves it (an included router's routes with their full paths)."""
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        yield from (contexts() if contexts is not None else (route,))
