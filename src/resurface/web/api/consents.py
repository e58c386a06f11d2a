"""Consents: a patient's treatment consents (list, sign on the clinic's device, a signing link
for the patient's phone), the signed PDF and its hash check; photo consent per use (record,
withdraw) and the medical director's teaching or marketing set."""

from __future__ import annotations

from typing import Literal

from fastapi import Response

from resurface.domain.consent import PhotoUse
from resurface.services import consents, photo_consents
from resurface.web.api.schemas.consents import (
    ConsentLinkOut,
    ConsentOut,
    ConsentsOut,
    ExportedPhotoOut,
    IssuedLinkOut,
    LinkIn,
    PhotoConsentIn,
    PhotoConsentOut,
    PhotoConsentsOut,
    PhotoSetOut,
    SignIn,
    VerificationOut,
)
from resurface.web.api.v1 import v1_router
from resurface.web.deps import ActorDep, CheckedSessionDep, ContextDep

router = v1_router(tags=["consents"])


@router.get("/patients/{patient_id}/consents", response_model=ConsentsOut)
def list_consents(ctx: ContextDep, actor: ActorDep, patient_id: int) -> ConsentsOut:
    return ConsentsOut.of(consents.consents_overview(ctx, actor, patient_id))


@router.post("/patients/{patient_id}/consents", response_model=ConsentOut, status_code=201)
def sign_consent(
    ctx: ContextDep, session: CheckedSessionDep, patient_id: int, body: SignIn
) -> ConsentOut:
    """The patient signs on the clinic's device (the signed-in clinician present). 409 when the
    screening deferred treatment or there is no plan; 422 naming each bad field."""
    signed = consents.sign_at_clinic(
        ctx, session.actor, patient_id, body.modality.value, body.signature()
    )
    return ConsentOut.of(signed)


@router.post("/patients/{patient_id}/consent-links", response_model=IssuedLinkOut, status_code=201)
def create_consent_link(
    ctx: ContextDep, session: CheckedSessionDep, patient_id: int, body: LinkIn
) -> IssuedLinkOut:
    issued = consents.issue_link(ctx, session.actor, patient_id, body.modality.value)
    return IssuedLinkOut(
        id=issued.link.id,
        modality=issued.link.modality,
        url=issued.url,
        expires_at=issued.link.expires_at,
    )


@router.post("/patients/{patient_id}/consent-links/{link_id}/revoke", response_model=ConsentLinkOut)
def revoke_consent_link(
    ctx: ContextDep, session: CheckedSessionDep, patient_id: int, link_id: int
) -> ConsentLinkOut:
    """The link stops working at once (409 when it was used or revoked already)."""
    return ConsentLinkOut.of(consents.revoke_link(ctx, session.actor, patient_id, link_id))


@router.get(
    "/consents/{consent_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the signed PDF"}},
)
def consent_pdf(ctx: ContextDep, actor: ActorDep, consent_id: int) -> Response:
    consent, data = consents.signed_pdf(ctx, actor, consent_id)
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="consent-{consent.id}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/consents/{consent_id}/verification", response_model=VerificationOut)
def verify_consent(ctx: ContextDep, actor: ActorDep, consent_id: int) -> VerificationOut:
    return VerificationOut.of(consents.verify(ctx, actor, consent_id))


@router.get("/patients/{patient_id}/photo-consents", response_model=PhotoConsentsOut)
def list_photo_consents(ctx: ContextDep, actor: ActorDep, patient_id: int) -> PhotoConsentsOut:
    return PhotoConsentsOut.of(photo_consents.photo_consents(ctx, actor, patient_id))


@router.post(
    "/patients/{patient_id}/photo-consents", response_model=PhotoConsentOut, status_code=201
)
def record_photo_consent(
    ctx: ContextDep, session: CheckedSessionDep, patient_id: int, body: PhotoConsentIn
) -> PhotoConsentOut:
    """Give (``granted: true``) or withdraw (``false``) the patient's consent to one use."""
    decision = photo_consents.record_photo_consent(
        ctx, session.actor, patient_id, body.use.value, body.granted, body.note
    )
    return PhotoConsentOut.of(decision)


@router.get("/photo-sets/{use}", response_model=PhotoSetOut)
def photo_set(
    ctx: ContextDep, actor: ActorDep, use: Literal["teaching", "marketing"]
) -> PhotoSetOut:
    """The medical director's teaching or marketing set: only photos of patients whose consent
    to that use is in force."""
    found = photo_consents.consented_photos(ctx, actor, use)
    return PhotoSetOut(use=PhotoUse(use), photos=[ExportedPhotoOut.of(e) for e in found])
