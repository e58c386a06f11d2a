"""The JSON API under /api/v1 (and /healthz for monitoring)."""

from fastapi import APIRouter
from starlette.routing import Match
from starlette.types import Scope

from resurface.web.api import (
    admin,
    alerts,
    appointments,
    assessments,
    audit,
    capture,
    checkins,
    clinic_setup,
    consents,
    consultations,
    corrections,
    health,
    home,
    me,
    patient_links,
    patient_recovery,
    patients,
    photos,
    plans,
    recovery,
    recovery_links,
    results,
    sessions,
)
from resurface.web.api.problems import PROBLEM_RESPONSES


class _ApiRouter(APIRouter):
    """The API's routes, passed over at once by a request whose path cannot be one of them
    (every page): FastAPI would otherwise try each API route in turn before the pages, a
    tenth of a page's CPU. A path with ``/api/`` in it, or ending in ``/healthz``, is
    matched as before."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path: str = scope.get("path", "")
        if "/api/" not in path and not path.endswith("/healthz"):
            return Match.NONE, {}
        return super().matches(scope)


router = _ApiRouter()
router.include_router(health.router)
v1 = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)
for module in (
    me,
    home,
    patients,
    consultations,
    assessments,
    photos,
    capture,
    plans,
    sessions,
    recovery,
    alerts,
    checkins,
    results,
    patient_recovery,
    recovery_links,
    patient_links,
    admin,
    audit,
    corrections,
    appointments,
    clinic_setup,
    consents,
):
    v1.include_router(module.router)
router.include_router(v1)

__all__ = ["router"]
