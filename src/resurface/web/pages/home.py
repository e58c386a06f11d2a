"""The clinic home page: the day's sessions, open alerts, who is due for a check-in or session."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from resurface.services import home
from resurface.web.deps import ContextDep, SessionDep
from resurface.web.pages.render import page

router = APIRouter()


@router.get("/")
def clinic_home(request: Request, ctx: ContextDep, session: SessionDep) -> Response:
    view, day_book = home.today_page(ctx, session.actor, session.clinic)
    return page(request, "home.html", session, view=view, day_book=day_book)
