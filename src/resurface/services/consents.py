"""Treatment consent: the patient reads the consent to each modality of their plan and signs it
(typed name and drawn signature) on the clinic's tablet or, through a signing link, on their own
phone. The signed PDF is stored in the file store under its SHA-256, which the record keeps with
the template's version and digest and the time; staff download it and check its hash.

Consent is never offered while the screening defers treatment. Every read and write is audited.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from resurface.domain.audit import AuditEntry
from resurface.domain.chart import Consultation, TreatmentPlan
from resurface.domain.codes import Modality, ScreeningAction
from resurface.domain.consent import (
    ConsentDocument,
    ConsentLink,
    ConsentText,
    SignedConsent,
    SignedVia,
    consent_text,
    signature_strokes,
    signature_svg,
    signed_name_problems,
)
from resurface.domain.errors import FieldProblem, InvalidInput
from resurface.domain.people import Clinic, Patient, clinic_public_url
from resurface.domain.plans import current_plan, decide
from resurface.services import audit, throttles
from resurface.services.access import Actor, Permission, require
from resurface.services.context import Context
from resurface.services.errors import Conflict, LinkNotUsable, NotFound, PhotoFileMissing
from resurface.services.patients import find_patient_audited
from resurface.services.ports import UnitOfWork
from resurface.services.throttles import Limit

CONSENT_LINK_DAYS = 7
"""How long a signing link works (not a clinical number: a link is sent shortly before signing)."""

REFUSED_TOKENS = Limit("consent-refused-token", 30, dt.timedelta(minutes=10))
"""Per client address: signing-link tokens that did not work."""
LINK_USES = Limit("consent-link-use", 60, dt.timedelta(minutes=1))
"""Per signing link: pages and signatures asked for through it."""

_TOKEN_CONTEXT = "resurface-consent-link"  # noqa: S105 - an HMAC domain label, not a secret
_CSRF_CONTEXT = "resurface-consent-csrf"


@dataclass(frozen=True)
class Signature:
    """What the patient gives: their typed name and the strokes drawn on the pad (JSON)."""

    signed_name: str
    strokes: str


@dataclass(frozen=True)
class ModalityConsent:
    """One modality of the plan and its consent: signed, or still to sign."""

    modality: Modality
    signed: SignedConsent | None


@dataclass(frozen=True)
class ConsentsOverview:
    patient: Patient
    plan: TreatmentPlan | None
    modalities: tuple[ModalityConsent, ...]
    signed: tuple[SignedConsent, ...]
    deferred: tuple[str, ...]
    """Why the screening deferred treatment; consent is not offered while there is a reason."""
    names: dict[int, str]


@dataclass(frozen=True)
class ConsentOffer:
    """The consent to one modality as the patient reads it."""

    clinic: Clinic
    patient: Patient
    plan: TreatmentPlan
    text: ConsentText
    signed: SignedConsent | None


@dataclass(frozen=True)
class IssuedConsentLink:
    link: ConsentLink
    token: str
    url: str


@dataclass(frozen=True)
class Verified:
    consent: SignedConsent
    patient: Patient
    intact: bool
    actual_sha256: str | None
    """The stored file's hash; None when the file is missing."""


# --- reading --------------------------------------------------------------------------------


def consents_overview(ctx: Context, actor: Actor, patient_id: int) -> ConsentsOverview:
    """The patient's plan's modalities with their consents, and every consent signed. Audited."""
    require(actor, Permission.VIEW_CHART)
    with ctx.uow() as uow:
        patient = find_patient_audited(uow, actor, patient_id)
        chart = uow.charts.chart(actor.clinic_id, patient.id)
        plan = current_plan(chart.plans)
        signed = tuple(uow.consents.signed_for_patient(actor.clinic_id, patient.id))
        modalities: tuple[ModalityConsent, ...] = ()
        if plan is not None:
            used = dict.fromkeys(a.modality for a in decide(plan).areas)
            modalities = tuple(ModalityConsent(m, _latest(signed, m)) for m in used)
        consultation = chart.consultations[-1] if chart.consultations else None
        names = {u.id: u.display_name for u in uow.users.in_clinic(actor.clinic_id)}
        audit.record(uow, actor, "read", "consents", patient.id, patient_id=patient.id)
        uow.commit()
        return ConsentsOverview(patient, plan, modalities, signed, _deferred(consultation), names)


def consent_offer(ctx: Context, actor: Actor, patient_id: int, modality: str) -> ConsentOffer:
    """The consent to ``modality`` of the patient's plan, for the clinic's tablet. Audited."""
    require(actor, Permission.WRITE_CHART)
    with ctx.uow() as uow:
        patient = find_patient_audited(uow, actor, patient_id)
        clinic = _clinic(uow, actor.clinic_id)
        offer = _offer(ctx, uow, clinic, patient, _modality(modality))
        audit.record(
            uow,
            actor,
            "read",
            "consent_form",
            patient.id,
            patient_id=patient.id,
            detail=f"{offer.text.modality.value} v{offer.text.version}",
        )
        uow.commit()
        return offer


def _offer(
    ctx: Context, uow: UnitOfWork, clinic: Clinic, patient: Patient, modality: Modality
) -> ConsentOffer:
    chart = uow.charts.chart(clinic.id, patient.id)
    consultation = chart.consultations[-1] if chart.consultations else None
    deferred = _deferred(consultation)
    if deferred:
        raise Conflict(
            "The screening deferred treatment, so consent is not asked for: " + " ".join(deferred)
        )
    plan = current_plan(chart.plans)
    if plan is None:
        raise Conflict("Make a treatment plan first: the consent names the planned treatment.")
    decided = decide(plan)
    if modality not in {a.modality for a in decided.areas}:
        raise InvalidInput("modality", "the patient's plan does not use this treatment")
    text = consent_text(ctx.rules.consent, decided, modality)
    signed = _latest(uow.consents.signed_for_patient(clinic.id, patient.id), modality)
    return ConsentOffer(clinic, patient, plan, text, signed)


# --- signing ----------------------------------------------------------------------------------


def sign_at_clinic(
    ctx: Context, actor: Actor, patient_id: int, modality: str, signature: Signature
) -> SignedConsent:
    """The patient signs on the clinic's device, the clinician present. Audited."""
    require(actor, Permission.WRITE_CHART)
    with ctx.uow() as uow:
        patient = find_patient_audited(uow, actor, patient_id)
        clinic = _clinic(uow, actor.clinic_id)
        offer = _offer(ctx, uow, clinic, patient, _modality(modality))
        witness = actor.name
        signed = _sign(ctx, uow, offer, signature, SignedVia.CLINIC_DEVICE, actor.user_id, witness)
        audit.record(
            uow,
            actor,
            "sign",
            "consent",
            signed.id,
            patient_id=patient.id,
            detail=_detail(signed),
        )
        uow.commit()
        return signed


def _sign(
    ctx: Context,
    uow: UnitOfWork,
    offer: ConsentOffer,
    signature: Signature,
    via: SignedVia,
    recorded_by: int | None,
    witness: str,
    link_id: int | None = None,
) -> SignedConsent:
    problems: list[FieldProblem] = list(
        signed_name_problems(signature.signed_name, offer.patient.full_name)
    )
    try:
        strokes = signature_strokes(signature.strokes)
    except InvalidInput as error:
        problems += error.problems
        strokes = ()
    if problems:
        raise InvalidInput.of(problems)
    if ctx.printer is None:
        raise RuntimeError("no consent printer is configured (bootstrap wires reports.consent)")
    now = ctx.clock.now()
    zone = ctx.clock.zone_of(offer.clinic)
    name = " ".join(signature.signed_name.split())
    document = ConsentDocument(
        clinic_name=offer.clinic.name,
        clinic_phone=offer.clinic.phone,
        clinic_address=offer.clinic.address,
        patient_name=offer.patient.full_name,
        date_of_birth=offer.patient.date_of_birth,
        text=offer.text,
        signed_name=name,
        signed_at_local=now.astimezone(zone),
        signature_svg=signature_svg(strokes),
        via=via,
        witness=witness,
        reference=f"{offer.clinic.slug}-{offer.patient.id}-{now.astimezone(dt.UTC):%Y%m%d%H%M%S}",
    )
    pdf = ctx.printer(document)
    key = ctx.photos.put(pdf)
    return uow.consents.add_signed(
        SignedConsent(
            id=0,
            clinic_id=offer.clinic.id,
            patient_id=offer.patient.id,
            plan_id=offer.plan.id,
            modality=offer.text.modality,
            template_version=offer.text.version,
            template_digest=offer.text.digest,
            signed_name=name,
            signed_at=now,
            pdf_sha256=key,
            via=via,
            recorded_by=recorded_by,
            link_id=link_id,
        )
    )


def _detail(signed: SignedConsent) -> str:
    return (
        f"{signed.modality.value} template v{signed.template_version} "
        f"({signed.template_digest[:12]}) {signed.via.value}; pdf sha256 {signed.pdf_sha256}"
    )


# --- the patient's own phone ------------------------------------------------------------------


def issue_link(ctx: Context, actor: Actor, patient_id: int, modality: str) -> IssuedConsentLink:
    """A link for the patient to read and sign the consent to ``modality`` on their own phone."""
    require(actor, Permission.WRITE_CHART)
    with ctx.uow() as uow:
        patient = find_patient_audited(uow, actor, patient_id)
        clinic = _clinic(uow, actor.clinic_id)
        offer = _offer(ctx, uow, clinic, patient, _modality(modality))
        now = ctx.clock.now()
        token = _new_token(ctx.links.secret, offer, now)
        link = uow.consents.add_link(
            ConsentLink(
                id=0,
                clinic_id=clinic.id,
                patient_id=patient.id,
                plan_id=offer.plan.id,
                modality=offer.text.modality,
                token_hash=hash_token(token),
                created_by=actor.user_id,
                created_at=now,
                expires_at=now + dt.timedelta(days=CONSENT_LINK_DAYS),
            )
        )
        audit.record(
            uow,
            actor,
            "create",
            "consent_link",
            link.id,
            patient_id=patient.id,
            detail=f"{link.modality.value}; works until {link.expires_at:%Y-%m-%d %H:%M} UTC",
        )
        uow.commit()
        base = clinic_public_url(clinic, ctx.links.public_url).rstrip("/")
        return IssuedConsentLink(link, token, f"{base}/consent/{token}")


def revoke_link(ctx: Context, actor: Actor, patient_id: int, link_id: int) -> ConsentLink:
    require(actor, Permission.WRITE_CHART)
    with ctx.uow() as uow:
        patient = find_patient_audited(uow, actor, patient_id)
        links = {k.id: k for k in uow.consents.links_for_patient(actor.clinic_id, patient.id)}
        link = links.get(link_id)
        if link is None:
            audit.record(uow, actor, "write_not_found", "consent_link", link_id)
            uow.commit()
            raise NotFound("consent link", link_id)
        now = ctx.clock.now()
        if not uow.consents.close_link(link.id, revoked_at=now):
            raise Conflict("This link was already used or revoked.")
        audit.record(uow, actor, "revoke", "consent_link", link.id, patient_id=patient.id)
        uow.commit()
        return ConsentLink(**{**link.__dict__, "revoked_at": now})


def offer_by_link(ctx: Context, token: str, client: str) -> ConsentOffer:
    """The consent a signing link opens. Every refusal is the same ``LinkNotUsable``."""
    with ctx.uow() as uow:
        link = _admit(ctx, uow, token, client)
        clinic, patient = _link_people(uow, link)
        try:
            offer = _offer(ctx, uow, clinic, patient, link.modality)
        except (Conflict, InvalidInput):
            uow.commit()
            raise LinkNotUsable() from None
        _audit_patient(uow, link, "read", "consent_form", patient.id, client)
        uow.commit()
        return offer


def sign_by_link(ctx: Context, token: str, signature: Signature, client: str) -> SignedConsent:
    """The patient signs on their own phone; the link is used up. Audited."""
    with ctx.uow() as uow:
        link = _admit(ctx, uow, token, client)
        clinic, patient = _link_people(uow, link)
        try:
            offer = _offer(ctx, uow, clinic, patient, link.modality)
        except (Conflict, InvalidInput):
            uow.commit()
            raise LinkNotUsable() from None
        creator = uow.users.get(clinic.id, link.created_by)
        witness = creator.display_name if creator else ""
        uow.commit()  # the throttle count stands even if the signature is refused
        signed = _sign(
            ctx, uow, offer, signature, SignedVia.PATIENT_LINK, link.created_by, witness, link.id
        )
        if not uow.consents.close_link(link.id, consent_id=signed.id):
            raise LinkNotUsable()
        _audit_patient(uow, link, "sign", "consent", signed.id, client, _detail(signed))
        uow.commit()
        return signed


def patient_csrf(ctx: Context, token: str) -> str:
    """The signing form's token: tied to the link token, needs no cookie."""
    message = f"{_CSRF_CONTEXT}|{hash_token(token)}".encode()
    return hmac.new(ctx.links.secret.encode(), message, hashlib.sha256).hexdigest()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token(secret: str, offer: ConsentOffer, now: dt.datetime) -> str:
    nonce = secrets.token_hex(16)
    message = (
        f"{_TOKEN_CONTEXT}|{offer.clinic.id}|{offer.patient.id}|{offer.plan.id}|"
        f"{offer.text.modality.value}|{now.isoformat()}|{nonce}"
    ).encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _admit(ctx: Context, uow: UnitOfWork, token: str, client: str) -> ConsentLink:
    now, secret = ctx.clock.now(), ctx.links.secret
    link = uow.consents.link_by_hash(hash_token(token)) if 20 <= len(token) <= 100 else None
    if link is None or not link.usable(now):
        throttles.hit_in(uow, secret, REFUSED_TOKENS, client, now)
        uow.commit()
        raise LinkNotUsable()
    throttles.hit_in(uow, secret, LINK_USES, link.token_hash, now)
    return link


def _link_people(uow: UnitOfWork, link: ConsentLink) -> tuple[Clinic, Patient]:
    clinic = _clinic(uow, link.clinic_id)
    patient = uow.patients.get(link.clinic_id, link.patient_id)
    if patient is None:
        raise LinkNotUsable()
    return clinic, patient


def _audit_patient(
    uow: UnitOfWork,
    link: ConsentLink,
    action: str,
    record_type: str,
    record_id: int,
    client: str,
    detail: str = "",
) -> None:
    uow.audit.append(
        AuditEntry(
            at=uow.clock.now(),
            actor=f"patient via consent link {link.id}",
            action=action,
            record_type=record_type,
            record_id=str(record_id),
            clinic_id=link.clinic_id,
            patient_id=link.patient_id,
            source=client,
            detail=detail or f"signing link {link.id}",
        )
    )


# --- the signed PDF and its hash --------------------------------------------------------------


def signed_pdf(ctx: Context, actor: Actor, consent_id: int) -> tuple[SignedConsent, bytes]:
    """The signed PDF as stored. Audited."""
    require(actor, Permission.VIEW_CHART)
    with ctx.uow() as uow:
        consent = _consent(uow, actor, consent_id)
        audit.record(
            uow,
            actor,
            "read",
            "consent",
            consent.id,
            patient_id=consent.patient_id,
            detail="signed PDF",
        )
        uow.commit()
    return consent, ctx.photos.get(consent.pdf_sha256)


def verify(ctx: Context, actor: Actor, consent_id: int) -> Verified:
    """Whether the stored PDF is the one signed: its SHA-256 against the record's. Audited."""
    require(actor, Permission.VIEW_CHART)
    with ctx.uow() as uow:
        consent = _consent(uow, actor, consent_id)
        patient = uow.patients.get(actor.clinic_id, consent.patient_id)
        assert patient is not None
        try:
            actual: str | None = hashlib.sha256(ctx.photos.get(consent.pdf_sha256)).hexdigest()
        except PhotoFileMissing:
            actual = None
        intact = actual == consent.pdf_sha256
        audit.record(
            uow,
            actor,
            "verify",
            "consent",
            consent.id,
            patient_id=consent.patient_id,
            detail="intact" if intact else f"NOT intact: stored file hash {actual or 'missing'}",
        )
        uow.commit()
        return Verified(consent, patient, intact, actual)


def _consent(uow: UnitOfWork, actor: Actor, consent_id: int) -> SignedConsent:
    consent = uow.consents.signed(actor.clinic_id, consent_id)
    if consent is None:
        audit.record(uow, actor, "read_not_found", "consent", consent_id)
        uow.commit()
        raise NotFound("consent", consent_id)
    return consent


# --- helpers ----------------------------------------------------------------------------------


def _latest(
    signed: list[SignedConsent] | tuple[SignedConsent, ...], m: Modality
) -> SignedConsent | None:
    found = [c for c in signed if c.modality is m]
    return found[-1] if found else None


def _deferred(consultation: Consultation | None) -> tuple[str, ...]:
    if consultation is None:
        return ()
    return tuple(f.reason for f in consultation.findings if f.action is ScreeningAction.DEFER)


def _modality(value: str) -> Modality:
    try:
        return Modality(value)
    except ValueError:
        choices = ", ".join(m.value for m in Modality)
        raise InvalidInput("modality", f"choose one of {choices}") from None


def _clinic(uow: UnitOfWork, clinic_id: int) -> Clinic:
    clinic = uow.clinics.get(clinic_id)
    if clinic is None:
        raise NotFound("clinic", clinic_id)
    return clinic


__all__ = [
    "CONSENT_LINK_DAYS",
    "ConsentOffer",
    "ConsentsOverview",
    "IssuedConsentLink",
    "ModalityConsent",
    "Signature",
    "Verified",
    "consent_offer",
    "consents_overview",
    "issue_link",
    "offer_by_link",
    "patient_csrf",
    "revoke_link",
    "sign_at_clinic",
    "sign_by_link",
    "signed_pdf",
    "verify",
]
