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
"""Every API route on one router, in this order (each module's router gives its routes the
``/api/v1`` prefix and the problems every operation may answer: ``resurface.web.api.v1``)."""
for module in (
    health,
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
    router.routes.extend(module.router.routes)

__all__ = ["router"]
