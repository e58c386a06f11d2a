"""The JSON API under /api/v1 (and /healthz for monitoring)."""

from fastapi import APIRouter

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

router = APIRouter()
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
