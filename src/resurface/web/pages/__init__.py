"""Server-rendered pages for clinic staff, and the patient's own recovery pages."""

from fastapi import APIRouter

from resurface.web.pages import (
    account,
    account_sessions,
    admin,
    appointments,
    assessments,
    audit,
    calendar_feeds,
    clinic_setup,
    consents,
    consultations,
    corrections,
    home,
    patient_page,
    patient_recovery,
    patients,
    photos,
    plans,
    recovery,
    results,
    second_factor,
    sessions,
    signin,
    visit_links,
)

router = APIRouter(include_in_schema=False)
for module in (
    signin,
    account,
    home,
    appointments,
    patients,
    consultations,
    assessments,
    photos,
    plans,
    sessions,
    recovery,
    results,
    patient_recovery,
    patient_page,
    admin,
    clinic_setup,
    calendar_feeds,
    audit,
    corrections,
    consents,
    account_sessions,
    second_factor,
    visit_links,
):
    router.include_router(module.router)

__all__ = ["router"]
