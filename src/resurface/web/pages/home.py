"""The clinic home page: the day's sessions, open alerts, who is due for a check-in or session."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from resurface.services import home
from resurface.web.deps import RuntimeDep, SessionDep
from resurface.web.pages.render import page

router = APIRouter()


@router.get("/")
def clinic_home(request: Request, runtime: RuntimeDep, session: SessionDep) -> Response:
    with runtime.uow() as uow:
        view = home.clinic_home(uow, session.actor, runtime.today())
    return page(request, "home.html", session, view=view)
