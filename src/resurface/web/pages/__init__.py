"""Server-rendered pages for clinic staff, and the patient's own recovery pages."""

from fastapi import APIRouter
from fastapi.routing import APIRoute

from resurface.web.pages import (
    account,
    account_sessions,
    admin,
    alerts,
    appointments,
    assessments,
    audit,
    calendar_feeds,
    clinic_setup,
    consents,
    consultations,
    corrections,
    due,
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

router = APIRouter()
"""Every page's route, in this order, on one router: FastAPI matches a request against each
included router in turn and again inside it, so 23 included routers cost a chart read more
than its routes do. Each request is tried against the routes in turn, so the pages read most
(Today, the patient list, the chart) come first; no earlier route's path can be theirs."""
for module in (
    home,
    patients,
    alerts,
    due,
    signin,
    account,
    appointments,
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
    for route in module.router.routes:
        if isinstance(route, APIRoute):
            route.include_in_schema = False  # pages are not in the API's document
        router.routes.append(route)

__all__ = ["router"]
