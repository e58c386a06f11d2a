"""Who is due, a page at a time: the check-ins due and the sessions due this week, the whole
lists Today shows the first of."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from resurface.services.access import Permission
from resurface.services.scheduling import due
from resurface.services.scheduling.due import DueList
from resurface.web.deps import ContextDep, SessionDep
from resurface.web.pages.render import page

router = APIRouter()


@router.get("/due/{which}")
def due_list(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    which: DueList,
    page_number: Annotated[int, Query(alias="page", ge=1)] = 1,
) -> Response:
    found = due.due_list(ctx, session.actor, which, page_number)
    return page(
        request,
        "due.html",
        session,
        found=found,
        which=which,
        today=ctx.clock.today(),
        ahead=due.SESSIONS_AHEAD_DAYS,
        clinical=session.actor.may(Permission.VIEW_CHART),
    )
