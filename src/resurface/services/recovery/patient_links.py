"""The patient's own link for the whole series: handed over after the consultation, it opens the
patient's page (their guide, their visits, the check-ins of every session in recovery).

Tokens work like recovery links (:mod:`resurface.services.recovery.links`): an HMAC with the
server's secret over the link's clinic, patient and creation time, of which only the SHA-256 is
stored. The link expires when the series' last possible session has finished its recovery course,
plus the clinic's margin (``guide.yaml`` ``patient_link.margin_days``); it can be revoked. Every
way a token can fail raises the same :class:`LinkNotUsable`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING

from resurface.domain.audit import AuditEntry
from resurface.domain.chart import Chart, TreatmentSession, standing
from resurface.domain.errors import InvalidInput
from resurface.domain.guide import last_possible_session
from resurface.domain.links import PatientLink, patient_link_expiry
from resurface.domain.messages import Notification, NotificationKind
from resurface.domain.people import Clinic, Patient
from resurface.domain.plans import decide, plan_in_treatment
from resurface.domain.rulebase import RuleBase
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.errors import LinkNotUsable, NotFound
from resurface.services.patients import find_patient_audited
from resurface.services.ports import UnitOfWork
from resurface.services.recovery.links import LinkSigner, PatientAccess, hash_token, url_for

if TYPE_CHECKING:
    from resurface.services.context import Context

_TOKEN_CONTEXT = "resurface-patient-link"  # noqa: S105 - an HMAC domain label, not a secret


@dataclass(frozen=True)
class IssuedPatientLink:
    link: PatientLink
    token: str
    url: str


@dataclass(frozen=True)
class PatientLinkPage:
    """The clinic's view of a patient's links: the newest usable one and all the others."""

    patient: Patient
    clinic: Clinic
    active: IssuedPatientLink | None
    links: tuple[PatientLink, ...]
    now: dt.datetime


@dataclass(frozen=True)
class PatientLinkAccess:
    """What a valid patient-link token opens: one patient of one clinic."""

    link: PatientLink
    clinic: Clinic
    patient: Patient


# --- tokens -----------------------------------------------------------------------------------


def token_for(secret: str, link: PatientLink) -> str:
    created = link.created_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    message = f"{_TOKEN_CONTEXT}|{link.clinic_id}|{link.patient_id}|{created}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def page_url(public_url: str, token: str) -> str:
    """The patient's page: ``/p/{token}`` (a session's recovery page stays ``/r/{token}``)."""
    return url_for(public_url, token).replace("/r/", "/p/", 1)


def _issued(keys: LinkSigner, link: PatientLink) -> IssuedPatientLink:
    token = token_for(keys.secret, link)
    return IssuedPatientLink(link, token, page_url(keys.public_url, token))


def series_expiry(rules: RuleBase, chart: Chart, issued_at: dt.datetime) -> dt.datetime:
    """When a link issued at ``issued_at`` stops working: the last possible session of the
    decided plan, counted from its first session (done, else the issue day), plus the recovery
    course and the clinic's margin; without a decided plan, the margin from the issue."""
    plan = plan_in_treatment(chart.plans)
    last: dt.date | None = None
    if plan is not None:
        done = sorted(s.performed_on for s in chart.sessions if s.plan_id == plan.id)
        anchor = done[0] if done else issued_at.date()
        last = last_possible_session(decide(plan), anchor)
    return patient_link_expiry(
        issued_at, last, rules.recovery.course_days, rules.guide.link_margin_days
    )


def _renewed(
    uow: UnitOfWork, rules: RuleBase, link: PatientLink, now: dt.datetime
) -> PatientLink | None:
    """A link handed over before the plan was decided (or before the series grew) follows the
    series: past its stored expiry it is extended to the series' end when that is later, provided
    the link still worked when the plan in treatment was made. A revoked link stays revoked.
    ``None``: the link has really expired."""
    if link.revoked_at is not None:
        return None
    chart = standing(uow.charts.chart(link.clinic_id, link.patient_id))
    plan = plan_in_treatment(chart.plans)
    if plan is None or plan.created_on > link.expires_at.date():
        return None  # a link that lapsed is not revived by a later plan: hand over a new one
    later = series_expiry(rules, chart, link.created_at)
    if later <= now:
        return None
    uow.patient_links.extend(link.clinic_id, link.id, later)
    return PatientLink(**{**link.__dict__, "expires_at": later})


def current_links(
    uow: UnitOfWork, rules: RuleBase, clinic_id: int, patient_id: int, now: dt.datetime
) -> list[PatientLink]:
    """The patient's links as they stand now: one past its stored expiry whose series runs
    longer is renewed (as opening it would), so the clinic sees the link the patient holds."""
    links = []
    for link in uow.patient_links.for_patient(clinic_id, patient_id):
        if link.revoked_at is None and not link.usable(now):
            link = _renewed(uow, rules, link, now) or link
        links.append(link)
    return links


# --- the clinic's side ------------------------------------------------------------------------


def link_page(ctx: Context, actor: Actor, patient_id: int) -> PatientLinkPage:
    """The clinic's view of the patient's links, with the active one to hand over."""
    with ctx.uow() as uow:
        require(actor, Permission.VIEW_CHART)
        patient = find_patient_audited(uow, actor, patient_id)
        clinic = _clinic(uow, actor.clinic_id)
        now = ctx.clock.now()
        links = tuple(current_links(uow, ctx.rules, actor.clinic_id, patient.id, now))
        usable = [link for link in links if link.usable(now)]
        keys = ctx.links.for_clinic(clinic)
        active = _issued(keys, usable[-1]) if usable else None
        audit.record(uow, actor, "read_links", "patient", patient.id, patient_id=patient.id)
        uow.commit()
        return PatientLinkPage(patient, clinic, active, links, now)


def create_link(ctx: Context, actor: Actor, patient_id: int) -> IssuedPatientLink:
    """A new link for the patient (older ones keep working until they expire or are revoked)."""
    with ctx.uow() as uow:
        require(actor, Permission.WRITE_CHART)
        patient = find_patient_audited(uow, actor, patient_id)
        issued = _new_link(uow, ctx, actor, patient)
        uow.commit()
        return issued


def _new_link(uow: UnitOfWork, ctx: Context, actor: Actor, patient: Patient) -> IssuedPatientLink:
    now = ctx.clock.now()
    chart = standing(uow.charts.chart(actor.clinic_id, patient.id))
    draft = PatientLink(
        id=0,
        clinic_id=actor.clinic_id,
        patient_id=patient.id,
        token_hash="",
        created_by=actor.user_id,
        created_at=now,
        expires_at=series_expiry(ctx.rules, chart, now),
    )
    token = token_for(ctx.links.secret, draft)
    saved = uow.patient_links.add(
        PatientLink(**{**draft.__dict__, "token_hash": hash_token(token)})
    )
    keys = ctx.links.for_clinic(_clinic(uow, actor.clinic_id))
    detail = f"expires {saved.expires_at.date().isoformat()}"
    audit.record(
        uow, actor, "create", "patient_link", saved.id, patient_id=patient.id, detail=detail
    )
    return IssuedPatientLink(saved, token, page_url(keys.public_url, token))


def revoke_link(ctx: Context, actor: Actor, patient_id: int, link_id: int) -> PatientLink:
    """Stop a link from working. Revoking twice is harmless; a link of another patient (or
    another clinic) is NotFound."""
    with ctx.uow() as uow:
        require(actor, Permission.WRITE_CHART)
        patient = find_patient_audited(uow, actor, patient_id)
        links = uow.patient_links.for_patient(actor.clinic_id, patient.id)
        link = next((candidate for candidate in links if candidate.id == link_id), None)
        if link is None:
            audit.record(
                uow, actor, "read_not_found", "patient_link", link_id, patient_id=patient.id
            )
            uow.commit()
            raise NotFound("patient link", link_id)
        now = ctx.clock.now()
        if uow.patient_links.revoke(actor.clinic_id, link.id, now):
            audit.record(uow, actor, "revoke", "patient_link", link.id, patient_id=patient.id)
            link = PatientLink(**{**link.__dict__, "revoked_at": now})
        uow.commit()
        return link


def email_link(ctx: Context, actor: Actor, patient_id: int) -> Notification:
    """Queue an e-mail with the patient's link (the active one, or a new one) in the outbox."""
    with ctx.uow() as uow:
        require(actor, Permission.WRITE_CHART)
        patient = find_patient_audited(uow, actor, patient_id)
        if not patient.email.strip():
            raise InvalidInput("email", "the patient has no e-mail address: add one first")
        clinic = _clinic(uow, actor.clinic_id)
        now = ctx.clock.now()
        issued = working_link(uow, ctx, actor, patient)
        message = uow.notifications.add(
            Notification(
                id=0,
                clinic_id=clinic.id,
                kind=NotificationKind.PATIENT_LINK,
                recipient=patient.email.strip(),
                subject=f"{clinic.name}: your own page for your treatment",
                body=_body(clinic, patient, issued),
                created_at=now,
                patient_id=patient.id,
            )
        )
        detail = f"patient link {issued.link.id}"
        audit.record(
            uow,
            actor,
            "email",
            "patient_link",
            issued.link.id,
            patient_id=patient.id,
            detail=detail,
        )
        uow.commit()
        return message


def working_link(
    uow: UnitOfWork, ctx: Context, actor: Actor, patient: Patient
) -> IssuedPatientLink:
    """Inside the caller's unit of work: the patient's active link, or a new one (audited) when
    none works; for what the clinic e-mails the patient."""
    now = ctx.clock.now()
    usable = [
        link
        for link in current_links(uow, ctx.rules, actor.clinic_id, patient.id, now)
        if link.usable(now)
    ]
    if usable:
        return _issued(ctx.links.for_clinic(_clinic(uow, actor.clinic_id)), usable[-1])
    return _new_link(uow, ctx, actor, patient)


def _body(clinic: Clinic, patient: Patient, issued: IssuedPatientLink) -> str:
    call = f"\nIf something worries you, call the clinic: {clinic.phone}\n" if clinic.phone else ""
    return (
        f"Hello {patient.given_name},\n\n"
        "Here is your own page for your treatment: your personal guide, your coming visits and "
        "your recovery check-ins.\n\n"
        f"{issued.url}\n\n"
        "The link is your own: please do not share it. It works until "
        f"{issued.link.expires_at.strftime('%d %B %Y')}.\n"
        f"{call}\n"
        f"{clinic.name}\n"
    )


def _clinic(uow: UnitOfWork, clinic_id: int) -> Clinic:
    clinic = uow.clinics.get(clinic_id)
    if clinic is None:
        raise NotFound("clinic", clinic_id)
    return clinic


# --- the patient's side -----------------------------------------------------------------------


def access_in(
    uow: UnitOfWork, secret: str, token: str, now: dt.datetime, rules: RuleBase
) -> PatientLinkAccess:
    """The patient a token opens now, or :class:`LinkNotUsable` whatever the reason. A link past
    its stored expiry is renewed when the patient's series now runs longer (the caller commits)."""
    if not 20 <= len(token) <= 100:
        raise LinkNotUsable()
    link = uow.patient_links.by_token_hash(hash_token(token))
    if link is None or not hmac.compare_digest(token_for(secret, link), token):
        raise LinkNotUsable()
    if not link.usable(now):
        renewed = _renewed(uow, rules, link, now)
        if renewed is None:
            raise LinkNotUsable()
        link = renewed
    clinic = uow.clinics.get(link.clinic_id)
    patient = uow.patients.get(link.clinic_id, link.patient_id)
    if clinic is None or patient is None:
        raise LinkNotUsable()
    return PatientLinkAccess(link, clinic, patient)


def session_access(
    uow: UnitOfWork, secret: str, token: str, session_id: int, now: dt.datetime, rules: RuleBase
) -> PatientAccess:
    """One of the patient's own sessions through their patient link (for its check-ins). A
    session of someone else, or one entered in error, is refused like a bad token."""
    access = access_in(uow, secret, token, now, rules)
    session = session_of(uow, access, session_id)
    return PatientAccess(access.link, access.clinic, access.patient, session)


def session_of(uow: UnitOfWork, access: PatientLinkAccess, session_id: int) -> TreatmentSession:
    session = uow.charts.session(access.clinic.id, session_id)
    if session is None or not _patients_session(session, access.patient):
        raise LinkNotUsable()
    return session


def _patients_session(session: TreatmentSession, patient: Patient) -> bool:
    return session.patient_id == patient.id and not session.entered_in_error and bool(session.areas)


def record_patient_event(
    uow: UnitOfWork,
    access: PatientLinkAccess,
    action: str,
    record_type: str,
    record_id: object,
    *,
    source: str,
    now: dt.datetime,
) -> None:
    """An audit event whose actor is the patient holding the link (no user account)."""
    uow.audit.append(
        AuditEntry(
            at=now,
            actor=f"patient via patient link {access.link.id}",
            action=action,
            record_type=record_type,
            record_id=str(record_id),
            clinic_id=access.clinic.id,
            patient_id=access.patient.id,
            source=source,
        )
    )
