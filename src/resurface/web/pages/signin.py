"""Sign in (password, then the authenticator code for users with a second factor) and sign out."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from resurface.domain.errors import InvalidInput
from resurface.services import auth
from resurface.services.errors import AuthenticationFailed, NotSignedIn
from resurface.services.sign_in_throttle import SignInThrottled
from resurface.web.deps import CheckedOwnSessionDep, ContextDep, RuntimeDep
from resurface.web.errors import CsrfRejected
from resurface.web.pages.render import page
from resurface.web.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    client_address,
    new_login_csrf,
    set_cookie,
    tokens_match,
    user_agent,
)

router = APIRouter()
LOGIN_CSRF_SECONDS = 3600


def _safe_next(target: str) -> str:
    """Only a path on this site: never redirect a signed-in user to another host."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _idle_minutes(request: Request) -> int:
    value = request.query_params.get("idle", "")
    return int(value) if value.isdigit() and 0 < int(value) <= 1000 else 0


def _login_page(
    request: Request,
    runtime: RuntimeDep,
    *,
    error: str = "",
    username: str = "",
    status: int = 200,
    retry_after: int = 0,
) -> Response:
    csrf = new_login_csrf()
    response = page(
        request,
        "signin.html",
        None,
        status_code=status,
        login_csrf=csrf,
        error=error,
        username=username,
        next=_safe_next(request.query_params.get("next", "/")),
        expired=request.query_params.get("expired") == "1",
        idle_minutes=_idle_minutes(request),
    )
    secure = runtime.settings.secure_cookies
    set_cookie(response, LOGIN_CSRF_COOKIE, csrf, secure=secure, max_age=LOGIN_CSRF_SECONDS)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


@router.get("/login")
def login_form(request: Request, runtime: RuntimeDep) -> Response:
    return _login_page(request, runtime)


@router.post("/login")
def login(
    request: Request,
    runtime: RuntimeDep,
    ctx: ContextDep,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        raise CsrfRejected()
    source, agent = client_address(request), user_agent(request)
    try:
        signed_in = auth.sign_in(ctx, username, password, source, agent)
    except SignInThrottled as error:
        return _login_page(
            request,
            runtime,
            error=str(error),
            username=username,
            status=429,
            retry_after=error.retry_after,
        )
    except AuthenticationFailed as error:
        return _login_page(request, runtime, error=str(error), username=username, status=401)
    target = _safe_next(next)
    if signed_in.awaits_code:
        target = f"/login/code?next={quote(target)}"
    response = RedirectResponse(target, status_code=303)
    _set_session_cookie(response, runtime, ctx, signed_in)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


def _set_session_cookie(
    response: Response, runtime: RuntimeDep, ctx: ContextDep, signed_in: auth.SignedIn
) -> None:
    policy = ctx.login_policy
    lasts = policy.code_time if signed_in.awaits_code else policy.session_length
    secure = runtime.settings.secure_cookies
    set_cookie(
        response,
        SESSION_COOKIE,
        signed_in.token,
        secure=secure,
        max_age=int(lasts.total_seconds()),
    )


# --- the second step: the code from the authenticator app ---------------------------------------


def _code_page(
    request: Request,
    ctx: ContextDep,
    token: str,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
    retry_after: int = 0,
) -> Response:
    name, csrf = auth.awaiting_code(ctx, token)
    response = page(
        request,
        "signin_code.html",
        None,
        status_code=status,
        name=name,
        code_csrf=csrf,
        errors=errors or {},
        next=_safe_next(request.query_params.get("next", "/")),
    )
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _back_to_sign_in(error: NotSignedIn) -> Response:
    response = RedirectResponse("/login?expired=1" if error.expired else "/login", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/login/code")
def code_form(request: Request, ctx: ContextDep) -> Response:
    try:
        return _code_page(request, ctx, request.cookies.get(SESSION_COOKIE, ""))
    except NotSignedIn as error:
        return _back_to_sign_in(error)


@router.post("/login/code")
def confirm_code(
    request: Request,
    runtime: RuntimeDep,
    ctx: ContextDep,
    code: Annotated[str, Form(max_length=40)] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    try:
        _, expected_csrf = auth.awaiting_code(ctx, token)
        if not tokens_match(expected_csrf, csrf_token):
            raise CsrfRejected()
        signed_in = auth.confirm_code(
            ctx, token, code, client_address(request), user_agent(request)
        )
    except NotSignedIn as error:
        return _back_to_sign_in(error)
    except InvalidInput as error:
        return _code_page(request, ctx, token, errors=error.by_field(), status=422)
    except SignInThrottled as error:
        errors = {"code": str(error)}
        return _code_page(
            request, ctx, token, errors=errors, status=429, retry_after=error.retry_after
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    _set_session_cookie(response, runtime, ctx, signed_in)
    return response


@router.post("/login/code/cancel")
def cancel_code(request: Request, ctx: ContextDep) -> Response:
    """Back to the password: the half-open session ends (no CSRF needed: it can only end it)."""
    auth.sign_out_waiting(ctx, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(ctx: ContextDep, session: CheckedOwnSessionDep) -> Response:
    auth.sign_out(ctx, session.actor, session.token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
