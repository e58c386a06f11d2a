"""The patient's own page (``/p/{token}``, no account): their guide, coming visits and the
check-ins of every session in recovery; and the clinic's side: handing the link over (QR, print,
e-mail), revoking it, the guide with its evidence, and a session's aftercare sheet."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from resurface.domain.errors import InvalidInput
from resurface.services import patient_page, result_sharing, results_report
from resurface.services.errors import LinkNotUsable, Throttled
from resurface.services.recovery import link_limits, patient_links
from resurface.web.deps import CheckedSessionDep, ContextDep, RuntimeDep, SessionDep
from resurface.web.pages.patient_recovery import (
    Through,
    checkin_sent,
    not_usable,
    photo_sent,
    qr_svg,
    tel,
    throttled,
    view_page,
)
from resurface.web.pages.patient_recovery import (
    patient_page as patient_response,
)
from resurface.web.pages.render import page
from resurface.web.patient_link import PATIENT_HEADERS
from resurface.web.security import client_address

router = APIRouter()

# --- the patient's side -------------------------------------------------------------------------


@router.get("/p/{token}")
def home(request: Request, ctx: ContextDep, token: str) -> Response:
    try:
        link_limits.admit_patient(ctx, token, client_address(request))
        view = patient_page.patient_home(ctx, token, source=client_address(request))
    except Throttled as error:
        return throttled(request, error)
    except LinkNotUsable:
        return not_usable(request)
    return patient_response(
        request, "patient_home.html", view=view, token=token, phone_href=tel(view.clinic_phone)
    )


@router.get("/p/{token}/guide")
def guide(request: Request, ctx: ContextDep, token: str) -> Response:
    try:
        link_limits.admit_patient(ctx, token, client_address(request))
        view = patient_page.patient_guide_of(ctx, token, source=client_address(request))
    except Throttled as error:
        return throttled(request, error)
    except LinkNotUsable:
        return not_usable(request)
    return patient_response(
        request,
        "patient_guide.html",
        guide=view.guide,
        token=token,
        phone_href=tel(view.guide.clinic_phone),
    )


@router.get("/p/{token}/guide.pdf")
def guide_pdf(request: Request, runtime: RuntimeDep, ctx: ContextDep, token: str) -> Response:
    try:
        link_limits.admit_patient(ctx, token, client_address(request))
        view = patient_page.patient_guide_of(ctx, token, source=client_address(request))
    except Throttled as error:
        return throttled(request, error)
    except LinkNotUsable:
        return not_usable(request)
    return _pdf(runtime.guide_pdf(view.guide, view.page_url), "your-guide.pdf", patient=True)


@router.get("/p/{token}/sessions/{session_id}")
def checkin_page(
    request: Request, ctx: ContextDep, token: str, session_id: int, sent: int = 0
) -> Response:
    through = Through(token, session_id)
    try:
        through.admit(ctx, client_address(request))
        return view_page(request, ctx, token, sent=bool(sent), through=through)
    except Throttled as error:
        return throttled(request, error)
    except LinkNotUsable:
        return not_usable(request)


@router.post("/p/{token}/sessions/{session_id}")
async def send_checkin(request: Request, ctx: ContextDep, token: str, session_id: int) -> Response:
    return await checkin_sent(request, ctx, Through(token, session_id))


@router.get("/p/{token}/sessions/{session_id}/photos/{photo_id}")
def checkin_photo(
    request: Request, ctx: ContextDep, token: str, session_id: int, photo_id: int
) -> Response:
    return photo_sent(request, ctx, Through(token, session_id), photo_id)


@router.get("/p/{token}/results/{share_id}/{which}")
def shared_photo(
    request: Request, ctx: ContextDep, token: str, share_id: int, which: str
) -> Response:
    """A photo of a result the clinic shared with the patient."""
    try:
        link_limits.admit_patient(ctx, token, client_address(request))
        photo, data = result_sharing.shared_photo(
            ctx, token, share_id, which[:10], source=client_address(request)
        )
    except Throttled as error:
        return throttled(request, error)
    except LinkNotUsable:
        return not_usable(request)
    return Response(
        data, media_type=photo.media_type, headers={"Cache-Control": "private", **PATIENT_HEADERS}
    )


@router.get("/p/{token}/results-report.pdf")
def patient_results_report(request: Request, ctx: ContextDep, token: str) -> Response:
    """The latest results report the clinic sent the patient, as it was sent."""
    try:
        link_limits.admit_patient(ctx, token, client_address(request))
        data = results_report.patient_sent_report(ctx, token, source=client_address(request))
    except Throttled as error:
        return throttled(request, error)
    except LinkNotUsable:
        return not_usable(request)
    return _pdf(data, "your-results.pdf", patient=True)


@router.get("/p/{token}/sessions/{session_id}/aftercare.pdf")
def patient_aftercare_pdf(
    request: Request, runtime: RuntimeDep, ctx: ContextDep, token: str, session_id: int
) -> Response:
    try:
        link_limits.admit_patient(ctx, token, client_address(request))
        sheet = patient_page.patient_aftercare(
            ctx, token, session_id, source=client_address(request)
        )
    except Throttled as error:
        return throttled(request, error)
    except LinkNotUsable:
        return not_usable(request)
    return _pdf(runtime.aftercare_pdf(sheet), "aftercare.pdf", patient=True)


def _pdf(data: bytes, filename: str, *, patient: bool = False) -> Response:
    headers = {
        "Content-Disposition": f'inline; filename="{filename}"',
        "Cache-Control": "private, no-store",
    }
    if patient:
        headers |= PATIENT_HEADERS
    return Response(data, media_type="application/pdf", headers=headers)


def _file_name(family_name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", family_name).strip("-") or "patient"


# --- the clinic's side: hand over, e-mail, revoke -----------------------------------------------


def _link_page(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    patient_id: int,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
) -> Response:
    view = patient_links.link_page(ctx, session.actor, patient_id)
    qr = qr_svg(view.active.url) if view.active else None
    return page(
        request,
        "patient_link.html",
        session,
        status_code=status_code,
        view=view,
        qr=qr,
        errors=errors or {},
    )


@router.get("/patients/{patient_id}/patient-link")
def link_page(request: Request, ctx: ContextDep, session: SessionDep, patient_id: int) -> Response:
    return _link_page(request, ctx, session, patient_id)


@router.post("/patients/{patient_id}/patient-link")
def create_link(ctx: ContextDep, session: CheckedSessionDep, patient_id: int) -> Response:
    patient_links.create_link(ctx, session.actor, patient_id)
    return RedirectResponse(f"/patients/{patient_id}/patient-link?created=1", status_code=303)


@router.post("/patients/{patient_id}/patient-link/email")
def email_link(
    request: Request, ctx: ContextDep, session: CheckedSessionDep, patient_id: int
) -> Response:
    try:
        patient_links.email_link(ctx, session.actor, patient_id)
    except InvalidInput as error:
        return _link_page(
            request, ctx, session, patient_id, status_code=422, errors=error.by_field()
        )
    return RedirectResponse(f"/patients/{patient_id}/patient-link?emailed=1", status_code=303)


@router.post("/patients/{patient_id}/patient-link/{link_id}/revoke")
def revoke_link(
    ctx: ContextDep, session: CheckedSessionDep, patient_id: int, link_id: int
) -> Response:
    patient_links.revoke_link(ctx, session.actor, patient_id, link_id)
    return RedirectResponse(f"/patients/{patient_id}/patient-link?revoked=1", status_code=303)


# --- the clinic's side: the guide, its evidence, the aftercare sheet ----------------------------


@router.get("/patients/{patient_id}/guide")
def staff_guide(
    request: Request, ctx: ContextDep, session: SessionDep, patient_id: int
) -> Response:
    view = patient_page.staff_guide(ctx, session.actor, patient_id)
    return page(request, "guide_staff.html", session, view=view, evidence=False)


@router.get("/patients/{patient_id}/guide/evidence")
def guide_evidence(
    request: Request, ctx: ContextDep, session: SessionDep, patient_id: int
) -> Response:
    view = patient_page.staff_guide(ctx, session.actor, patient_id)
    return page(request, "guide_staff.html", session, view=view, evidence=True)


@router.get("/patients/{patient_id}/guide.pdf")
def staff_guide_pdf(
    runtime: RuntimeDep, ctx: ContextDep, session: SessionDep, patient_id: int
) -> Response:
    view = patient_page.staff_guide(ctx, session.actor, patient_id)
    name = _file_name(view.patient.family_name)
    return _pdf(runtime.guide_pdf(view.guide, view.page_url), f"guide-{name}.pdf")


@router.get("/patients/{patient_id}/sessions/{session_id}/aftercare")
def aftercare_page(
    request: Request, ctx: ContextDep, session: SessionDep, patient_id: int, session_id: int
) -> Response:
    sheet = patient_page.aftercare_sheet(ctx, session.actor, patient_id, session_id)
    qr = qr_svg(sheet.page_url) if sheet.page_url else None
    return page(request, "aftercare_sheet.html", session, sheet=sheet, qr=qr)


@router.get("/patients/{patient_id}/sessions/{session_id}/aftercare.pdf")
def aftercare_pdf(
    runtime: RuntimeDep,
    ctx: ContextDep,
    session: SessionDep,
    patient_id: int,
    session_id: int,
) -> Response:
    sheet = patient_page.aftercare_sheet(ctx, session.actor, patient_id, session_id)
    name = _file_name(sheet.patient.family_name)
    return _pdf(runtime.aftercare_pdf(sheet), f"aftercare-{name}-{session_id}.pdf")
