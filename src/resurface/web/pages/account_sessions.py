"""My sessions: where I am signed in, and signing out of one of them or everywhere else."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from resurface.services import account_sessions
from resurface.services.errors import NotFound
from resurface.web.deps import CheckedOwnSessionDep, ContextDep, OwnSessionDep, Session
from resurface.web.pages.render import page
from resurface.web.security import SESSION_COOKIE

router = APIRouter(prefix="/account")


def _sessions_page(
    request: Request, ctx: ContextDep, session: Session, *, notice: str = "", status: int = 200
) -> Response:
    zone = ctx.clock.zone

    def shown(moment: dt.datetime) -> str:
        return moment.astimezone(zone).strftime("%d %b %Y, %H:%M")

    return page(
        request,
        "account_sessions.html",
        session,
        status_code=status,
        sessions=account_sessions.my_sessions(ctx, session.actor, session.token),
        shown=shown,
        notice=notice or _ended(request.query_params.get("ended", "")),
    )


def _ended(what: str) -> str:
    return {"others": "Signed out everywhere else.", "one": "Signed out of that session."}.get(
        what, ""
    )


@router.get("/sessions")
def sessions_page(request: Request, ctx: ContextDep, session: OwnSessionDep) -> Response:
    return _sessions_page(request, ctx, session)


@router.post("/sessions/others/end")
def end_others(ctx: ContextDep, session: CheckedOwnSessionDep) -> Response:
    account_sessions.end_other_sessions(ctx, session.actor, session.token)
    return RedirectResponse("/account/sessions?ended=others", status_code=303)


@router.post("/sessions/end")
def end_one(
    request: Request,
    ctx: ContextDep,
    session: CheckedOwnSessionDep,
    ref: Annotated[str, Form(max_length=40)],
) -> Response:
    current = next(
        (s for s in account_sessions.my_sessions(ctx, session.actor, session.token) if s.current),
        None,
    )
    try:
        account_sessions.end_session(ctx, session.actor, ref)
    except NotFound:
        notice = "That session had already ended."
        return _sessions_page(request, ctx, session, notice=notice, status=404)
    if current is not None and current.ref == ref:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
    return RedirectResponse("/account/sessions?ended=one", status_code=303)
