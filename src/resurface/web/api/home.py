"""API: the clinic's day (what the home page shows)."""

from __future__ import annotations

from fastapi import APIRouter

from resurface.services import home
from resurface.web.api.followup_schemas import HomeOut
from resurface.web.deps import ActorDep, RuntimeDep

router = APIRouter(tags=["home"])


@router.get("/home", response_model=HomeOut)
def clinic_home(runtime: RuntimeDep, actor: ActorDep) -> HomeOut:
    with runtime.uow() as uow:
        view = home.clinic_home(uow, actor, runtime.today())
    return HomeOut.of(view)
