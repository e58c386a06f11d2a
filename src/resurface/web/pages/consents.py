"""Pages: a patient's consents (what the plan needs, what was signed), reading and signing a
consent on the clinic's tablet, a signing link for the patient's own phone (``/consent/{token}``),
the staff's evidence view, the signed PDF and its hash check."""

from __future__ import annotations

import re
from typing import Any

import segno
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from resurface.domain.consent import PhotoUse
from resurface.domain.errors import InvalidInput
from resurface.services import consents, photo_consents
from resurface.services.consents import ConsentOffer, Signature
from resurface.services.errors import Conflict, LinkNotUsable, Throttled
from resurface.web.deps import CheckedSessionDep, ContextDep, Session, SessionDep
from resurface.web.pages.render import page
from resurface.web.patient_link import PATIENT_HEADERS
from resurface.web.security import CSRF_FIELD, client_address, tokens_match

router = APIRouter()


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/patients/{patient_id}/consents")
def consents_page(
    request: Request, ctx: ContextDep, session: SessionDep, patient_id: int, signed: int = 0
) -> Response:
    overview = consents.consents_overview(ctx, session.actor, patient_id)
    photo = photo_consents.photo_consents(ctx, session.actor, patient_id)
    return page(
        request, "consents.html", session,
        view=overview, photo=photo, photo_uses=list(PhotoUse), just_signed=signed,
    )  # fmt: skip


@router.post("/patients/{patient_id}/photo-consents")
async def record_photo_consent(
    request: Request, ctx: ContextDep, session: CheckedSessionDep, patient_id: int
) -> Response:
    """Give or withdraw the patient's consent to one use of their photos."""
    form = await request.form()
    use, granted = form.get("use"), form.get("granted")
    photo_consents.record_photo_consent(
        ctx, session.actor, patient_id, use if isinstance(use, str) else "", granted == "1"
    )
    return RedirectResponse(f"/patients/{patient_id}/consents#photo-consent", status_code=303)


@router.get("/admin/photo-sets/{use}")
def photo_set_page(request: Request, ctx: ContextDep, session: SessionDep, use: str) -> Response:
    """The medical director's teaching or marketing set: only photos whose patients consented."""
    found = photo_consents.consented_photos(ctx, session.actor, use)
    return page(request, "photo_set.html", session, use=PhotoUse(use), photos=found)


@router.get("/patients/{patient_id}/consents/{modality}/sign")
def sign_page(
    request: Request, ctx: ContextDep, session: SessionDep, patient_id: int, modality: str
) -> Response:
    try:
        offer = consents.consent_offer(ctx, session.actor, patient_id, modality)
    except (Conflict, InvalidInput) as error:
        return _refused(request, session, patient_id, error)
    return _sign_form(request, session, offer, action=request.url.path)


@router.post("/patients/{patient_id}/consents/{modality}/sign")
async def sign(
    request: Request, ctx: ContextDep, session: CheckedSessionDep, patient_id: int, modality: str
) -> Response:
    form = await request.form()
    signature = _signature(form)
    try:
        consents.sign_at_clinic(ctx, session.actor, patient_id, modality, signature)
    except InvalidInput as error:
        offer = consents.consent_offer(ctx, session.actor, patient_id, modality)
        errors = {p.field: p.message for p in error.problems}
        return _sign_form(request, session, offer, request.url.path, signature, errors, 422)
    except Conflict as error:
        return _refused(request, session, patient_id, error)
    return RedirectResponse(f"/patients/{patient_id}/consents?signed=1", status_code=303)


@router.get("/patients/{patient_id}/consents/{modality}/evidence")
def evidence_page(
    request: Request, ctx: ContextDep, session: SessionDep, patient_id: int, modality: str
) -> Response:
    try:
        offer = consents.consent_offer(ctx, session.actor, patient_id, modality)
    except (Conflict, InvalidInput) as error:
        return _refused(request, session, patient_id, error)
    return page(request, "consent_evidence.html", session, offer=offer)


@router.post("/patients/{patient_id}/consents/{modality}/link")
def send_link(
    request: Request, ctx: ContextDep, session: CheckedSessionDep, patient_id: int, modality: str
) -> Response:
    try:
        issued = consents.issue_link(ctx, session.actor, patient_id, modality)
    except (Conflict, InvalidInput) as error:
        return _refused(request, session, patient_id, error)
    qr = Markup(segno.make(issued.url, error="m").svg_inline(scale=4))  # noqa: S704 - segno's own SVG
    return page(request, "consent_link.html", session, issued=issued, qr=qr, patient_id=patient_id)


@router.get("/consents/{consent_id}/pdf")
def signed_pdf(ctx: ContextDep, session: SessionDep, consent_id: int) -> Response:
    consent, data = consents.signed_pdf(ctx, session.actor, consent_id)
    return _pdf(data, f"consent-{consent.id}-{consent.modality.value}.pdf")


@router.get("/consents/{consent_id}/verify")
def verify_page(
    request: Request, ctx: ContextDep, session: SessionDep, consent_id: int
) -> Response:
    verified = consents.verify(ctx, session.actor, consent_id)
    return page(request, "consent_verify.html", session, verified=verified)


# --- the patient's own phone ------------------------------------------------------------------


def _patient_page(
    request: Request, template: str, status_code: int = 200, **context: Any
) -> Response:
    response = page(request, template, None, status_code=status_code, **context)
    response.headers.update(PATIENT_HEADERS)
    return response


@router.get("/consent/{token}")
def patient_sign_page(request: Request, ctx: ContextDep, token: str, signed: int = 0) -> Response:
    if signed:
        return _patient_page(request, "consent_thanks.html")
    try:
        offer = consents.offer_by_link(ctx, token, client_address(request))
    except Throttled as error:
        return _patient_page(request, "patient_throttled.html", 429, retry_after=error.retry_after)
    except LinkNotUsable:
        return _patient_page(request, "patient_link_invalid.html", 404)
    return _patient_form(request, ctx, token, offer)


@router.post("/consent/{token}")
async def patient_sign(request: Request, ctx: ContextDep, token: str) -> Response:
    form = await request.form()
    signature = _signature(form)
    given = form.get(CSRF_FIELD)
    try:
        if not tokens_match(
            consents.patient_csrf(ctx, token), given if isinstance(given, str) else None
        ):
            offer = consents.offer_by_link(ctx, token, client_address(request))
            errors = {"form": "The form had expired: please sign again."}
            return _patient_form(request, ctx, token, offer, signature, errors, 403)
        consents.sign_by_link(ctx, token, signature, client_address(request))
    except InvalidInput as error:
        offer = consents.offer_by_link(ctx, token, client_address(request))
        errors = {p.field: p.message for p in error.problems}
        return _patient_form(request, ctx, token, offer, signature, errors, 422)
    except Throttled as error:
        return _patient_page(request, "patient_throttled.html", 429, retry_after=error.retry_after)
    except LinkNotUsable:
        return _patient_page(request, "patient_link_invalid.html", 404)
    return RedirectResponse(f"/consent/{token}?signed=1", status_code=303)


def _patient_form(
    request: Request,
    ctx: ContextDep,
    token: str,
    offer: ConsentOffer,
    signature: Signature | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return _patient_page(
        request,
        "consent_patient.html",
        status_code,
        offer=offer,
        text=offer.text,
        action=f"/consent/{token}",
        patient_csrf=consents.patient_csrf(ctx, token),
        signature=signature or Signature("", ""),
        errors=errors or {},
    )


# --- helpers ----------------------------------------------------------------------------------


def _sign_form(
    request: Request,
    session: SessionDep,
    offer: ConsentOffer,
    action: str,
    signature: Signature | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "consent_sign.html",
        session,
        status_code,
        offer=offer,
        text=offer.text,
        action=action,
        signature=signature or Signature("", ""),
        errors=errors or {},
    )


def _signature(form: Any) -> Signature:
    name = form.get("signed_name")
    strokes = form.get("strokes")
    return Signature(
        str(name)[:300] if isinstance(name, str) else "",
        str(strokes)[:200_000] if isinstance(strokes, str) else "",
    )


def _reason(error: Exception) -> str:
    if isinstance(error, InvalidInput):
        return "; ".join(p.message for p in error.problems)
    return re.sub(r"\s+", " ", str(error))


def _refused(request: Request, session: Session, patient_id: int, error: Exception) -> Response:
    """Why no consent can be offered or signed now (treatment deferred, no plan, …), in words."""
    return page(
        request, "consent_refused.html", session, 409, patient_id=patient_id, reason=_reason(error)
    )
