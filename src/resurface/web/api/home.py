"""API: the clinic's day (what the home page shows), and the whole lists of who is due."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from resurface.services import home
from resurface.services.scheduling import due
from resurface.services.scheduling.due import DueList
from resurface.web.api.schemas.common import Page
from resurface.web.api.schemas.home import AppointmentOut, HomeOut
from resurface.web.api.v1 import v1_router
from resurface.web.deps import ActorDep, ContextDep

router = v1_router(tags=["home"])


@router.get("/home", response_model=HomeOut)
def clinic_home(ctx: ContextDep, actor: ActorDep) -> HomeOut:
    view = home.clinic_home(ctx, actor)
    return HomeOut.of(view)


@router.get("/due/{which}", response_model=Page[AppointmentOut])
def due_list(
    ctx: ContextDep,
    actor: ActorDep,
    which: DueList,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 25,
) -> Page[AppointmentOut]:
    """Each patient's oldest check-in due by today (``checkins``), or the sessions due in the
    next 7 days or overdue but not today (``sessions``): the oldest first."""
    found = due.due_list(ctx, actor, which, page, per_page)
    items = [AppointmentOut.of(d.appointment, d.patient.full_name) for d in found.items]
    return Page[AppointmentOut].of(found, items)
