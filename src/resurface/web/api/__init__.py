"""The JSON API under /api/v1 (and /healthz for monitoring)."""

from fastapi import APIRouter

from resurface.web.api import health, me, patients, records

router = APIRouter()
router.include_router(health.router)
v1 = APIRouter(prefix="/api/v1")
v1.include_router(me.router)
v1.include_router(patients.router)
v1.include_router(records.router)
router.include_router(v1)

__all__ = ["router"]
