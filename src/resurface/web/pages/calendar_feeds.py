"""Calendars people already use: the private feed addresses (a page to make and revoke them) and
the feed itself, an iCalendar file any calendar app subscribes to without signing in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from resurface.domain.clinic_setup import CalendarFeed, FeedSubject
from resurface.interop.icalendar_files import ics
from resurface.services.access import Permission
from resurface.services.context import Context
from resurface.services.scheduling import feeds, setup
from resurface.web.deps import CheckedSessionDep, ContextDep, Session, SessionDep
from resurface.web.pages.render import page

router = APIRouter()
CALENDAR = "text/calendar; charset=utf-8"


def _page(
    request: Request, ctx: Context, session: Session, new: tuple[CalendarFeed, str] | None = None
) -> Response:
    actor = session.actor
    book = setup.view_setup(ctx, actor) if actor.may(Permission.MANAGE_CLINIC) else None
    return page(
        request, "book_calendars.html", session, feeds=feeds.list_feeds(ctx, actor), setup=book,
        new=new, base=str(request.base_url).rstrip("/"),
    )  # fmt: skip


@router.get("/book/calendars")
def calendars(request: Request, ctx: ContextDep, session: SessionDep) -> Response:
    return _page(request, ctx, session)


@router.post("/book/calendars")
def make(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    subject: Annotated[FeedSubject, Form()],
    subject_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
) -> Response:
    """The new address is shown this once: only its hash is kept."""
    made = feeds.create_feed(ctx, session.actor, subject, subject_id)
    return _page(request, ctx, session, new=(made.feed, made.token))


@router.post("/book/calendars/{feed_id}/revoke")
def revoke(ctx: ContextDep, session: CheckedSessionDep, feed_id: int) -> Response:
    feeds.revoke_feed(ctx, session.actor, feed_id)
    return RedirectResponse("/book/calendars", status_code=303)


@router.get("/calendar/{token}.ics")
def feed(ctx: ContextDep, token: str) -> Response:
    calendar = feeds.feed_calendar(ctx, token)
    body = ics(calendar, now=ctx.clock.now())
    headers = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}
    return Response(body, media_type=CALENDAR, headers=headers)
