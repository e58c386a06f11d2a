"""Sign in and sign out."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from resurface.services import auth
from resurface.services.errors import AccountLocked, AuthenticationFailed
from resurface.web.deps import CheckedSessionDep, ContextDep, RuntimeDep
from resurface.web.errors import CsrfRejected
from resurface.web.pages.render import page
from resurface.web.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    client_address,
    new_login_csrf,
    set_cookie,
    tokens_match,
)

router = APIRouter()
LOGIN_CSRF_SECONDS = 3600


def _safe_next(target: str) -> str:
    """Only a path on this site: never redirect a signed-in user to another host."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _login_page(
    request: Request, runtime: RuntimeDep, *, error: str = "", username: str = "", status: int = 200
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
    )
    secure = runtime.settings.secure_cookies
    set_cookie(response, LOGIN_CSRF_COOKIE, csrf, secure=secure, max_age=LOGIN_CSRF_SECONDS)
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
    try:
        signed_in = auth.sign_in(ctx, username, password, client_address(request))
    except AccountLocked as error:
        return _login_page(request, runtime, error=str(error), username=username, status=429)
    except AuthenticationFailed as error:
        return _login_page(request, runtime, error=str(error), username=username, status=401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    max_age = int(ctx.login_policy.session_length.total_seconds())
    secure = runtime.settings.secure_cookies
    set_cookie(response, SESSION_COOKIE, signed_in.token, secure=secure, max_age=max_age)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(ctx: ContextDep, session: CheckedSessionDep) -> Response:
    auth.sign_out(ctx, session.actor, session.token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
