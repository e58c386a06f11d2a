"""API: the clinic's day (what the home page shows)."""

from __future__ import annotations

from resurface.services import home
from resurface.web.api.schemas.home import HomeOut
from resurface.web.api.v1 import v1_router
from resurface.web.deps import ActorDep, ContextDep

router = v1_router(tags=["home"])


@router.get("/home", response_model=HomeOut)
def clinic_home(ctx: ContextDep, actor: ActorDep) -> HomeOut:
    view = home.clinic_home(ctx, actor)
    return HomeOut.of(view)
