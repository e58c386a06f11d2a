"""The clinic home page: the day's sessions, open alerts, who is due for a check-in or session."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from resurface.services import home
from resurface.services.access import Permission
from resurface.services.scheduling import views
from resurface.web.deps import ContextDep, SessionDep
from resurface.web.pages.render import page

router = APIRouter()


@router.get("/")
def clinic_home(request: Request, ctx: ContextDep, session: SessionDep) -> Response:
    view = home.clinic_home(ctx, session.actor)
    day_book = None
    if session.actor.may(Permission.BOOK):
        today = views.clinic_today(ctx, session.actor)
        day_book = views.read_book(ctx, session.actor, today, today)
    return page(request, "home.html", session, view=view, day_book=day_book)
