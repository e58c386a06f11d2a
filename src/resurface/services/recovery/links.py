"""The patient's own link to the recovery page of one treatment session.

A token is an HMAC (the server's secret key) over the link's clinic, patient, session and creation
time; only its SHA-256 is stored. So a stolen database copy reveals no usable link, the clinic can
show the active link again (it is re-derived from the row), and changing the secret key retires
every link. A token opens exactly one session's recovery page: nothing else of the record.

Every way a token can fail (unknown, tampered, expired, revoked, pointing at a session that is not
the link's) raises the same :class:`LinkNotUsable`, so a refusal leaks nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from resurface.domain.appointments import AppointmentKind
from resurface.domain.audit import AuditEntry
from resurface.domain.chart import TreatmentSession
from resurface.domain.links import PatientLink, RecoveryLink
from resurface.domain.people import Clinic, Patient, clinic_public_url
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.errors import LINK_NOT_USABLE, LinkNotUsable, NotFound, Throttled
from resurface.services.patients import find_patient
from resurface.services.ports import UnitOfWork

if TYPE_CHECKING:
    from resurface.services.context import Context

_TOKEN_CONTEXT = "resurface-recovery-link"  # noqa: S105 - an HMAC domain label, not a secret
_CSRF_CONTEXT = "resurface-recovery-csrf"


@dataclass(frozen=True)
class LinkSigner:
    """Signs and checks patients' links: the server's secret, the address patients' phones reach,
    and how many days a link works."""

    secret: str
    public_url: str
    days: int

    def for_clinic(self, clinic: Clinic) -> LinkSigner:
        """The signer for one clinic's links: its own public address when it set one."""
        return replace(self, public_url=clinic_public_url(clinic, self.public_url))

    def token_for(self, link: RecoveryLink) -> str:
        return token_for(self.secret, link)

    def url_for(self, token: str) -> str:
        return url_for(self.public_url, token)

    def patient_csrf(self, token: str) -> str:
        return patient_csrf(self.secret, token)


@dataclass(frozen=True)
class IssuedLink:
    link: RecoveryLink
    token: str
    url: str


@dataclass(frozen=True)
class LinkPage:
    """The clinic's view of a session's links: the newest usable one and all the others."""

    patient: Patient
    session: TreatmentSession
    active: IssuedLink | None
    links: tuple[RecoveryLink, ...]
    now: dt.datetime


@dataclass(frozen=True)
class PatientAccess:
    """What a valid token opens: one session of one patient of one clinic (through the session's
    recovery link, or through the patient's link for the whole series)."""

    link: RecoveryLink | PatientLink
    clinic: Clinic
    patient: Patient
    session: TreatmentSession


# --- tokens -----------------------------------------------------------------------------------


CHECKIN_GRACE = dt.timedelta(days=7)
"""How long after the last booked check-in the link still works."""


def token_for(secret: str, link: RecoveryLink) -> str:
    created = link.created_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    message = (
        f"{_TOKEN_CONTEXT}|{link.clinic_id}|{link.patient_id}|{link.session_id}|{created}"
    ).encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def url_for(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/r/{token}"


def patient_csrf(secret: str, token: str) -> str:
    """The form token of a patient page: tied to the link token, needs no cookie."""
    message = f"{_CSRF_CONTEXT}|{hash_token(token)}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _issued(keys: LinkSigner, link: RecoveryLink) -> IssuedLink:
    token = token_for(keys.secret, link)
    return IssuedLink(link, token, url_for(keys.public_url, token))


def _new_link(
    uow: UnitOfWork, keys: LinkSigner, session: TreatmentSession, created_by: int, now: dt.datetime
) -> IssuedLink:
    draft = RecoveryLink(
        id=0,
        clinic_id=session.clinic_id,
        patient_id=session.patient_id,
        session_id=session.id,
        token_hash="",
        created_by=created_by,
        created_at=now,
        expires_at=_expiry(uow, keys, session, now),
    )
    token = token_for(keys.secret, draft)
    saved = uow.recovery_links.add(
        RecoveryLink(**{**draft.__dict__, "token_hash": hash_token(token)})
    )
    return IssuedLink(
        saved, token, url_for(_clinic_keys(uow, keys, session.clinic_id).public_url, token)
    )


def _clinic_keys(uow: UnitOfWork, keys: LinkSigner, clinic_id: int) -> LinkSigner:
    clinic = uow.clinics.get(clinic_id)
    return keys.for_clinic(clinic) if clinic is not None else keys


def _expiry(
    uow: UnitOfWork, keys: LinkSigner, session: TreatmentSession, now: dt.datetime
) -> dt.datetime:
    """The link works for the configured days, and at least until a week after the last
    check-in the session booked (a late answer to the day-90 check-in still gets through)."""
    booked = [
        a.due_on
        for a in uow.appointments.for_patient(session.clinic_id, session.patient_id)
        if a.after_session_id == session.id and a.kind is AppointmentKind.CHECKIN
    ]
    expires = now + dt.timedelta(days=keys.days)
    if booked:
        last = dt.datetime.combine(max(booked), dt.time(23, 59), tzinfo=dt.UTC)
        expires = max(expires, last + CHECKIN_GRACE)
    return expires


# --- the clinic's side ------------------------------------------------------------------------


def _session_of(
    uow: UnitOfWork, actor: Actor, patient_id: int, session_id: int
) -> tuple[Patient, TreatmentSession]:
    patient = find_patient(uow, actor, patient_id)
    session = uow.charts.session(actor.clinic_id, session_id)
    if session is None or session.patient_id != patient.id:
        audit.record(uow, actor, "read_not_found", "session", session_id, patient_id=patient.id)
        uow.commit()
        raise NotFound("session", session_id)
    return patient, session


def link_page(ctx: Context, actor: Actor, patient_id: int, session_id: int) -> LinkPage:
    """The clinic's view of a session's links, with the active one to hand over."""
    with ctx.uow() as uow:
        return _link_page(uow, actor, ctx.links, patient_id, session_id, ctx.clock.now())


def _link_page(
    uow: UnitOfWork,
    actor: Actor,
    keys: LinkSigner,
    patient_id: int,
    session_id: int,
    now: dt.datetime,
) -> LinkPage:
    require(actor, Permission.VIEW_CHART)
    patient, session = _session_of(uow, actor, patient_id, session_id)
    links = tuple(uow.recovery_links.for_session(actor.clinic_id, session.id))
    usable = [link for link in links if link.usable(now)]
    active = _issued(_clinic_keys(uow, keys, actor.clinic_id), usable[-1]) if usable else None
    audit.record(uow, actor, "read_links", "session", session.id, patient_id=patient.id)
    uow.commit()
    return LinkPage(patient, session, active, links, now)


def create_link(ctx: Context, actor: Actor, patient_id: int, session_id: int) -> IssuedLink:
    """A new link for the session (older ones keep working until they expire or are revoked)."""
    with ctx.uow() as uow:
        return _create_link(uow, actor, ctx.links, patient_id, session_id, ctx.clock.now())


def _create_link(
    uow: UnitOfWork,
    actor: Actor,
    keys: LinkSigner,
    patient_id: int,
    session_id: int,
    now: dt.datetime,
) -> IssuedLink:
    require(actor, Permission.WRITE_CHART)
    patient, session = _session_of(uow, actor, patient_id, session_id)
    issued = _new_link(uow, keys, session, actor.user_id, now)
    detail = f"session {session.id}, expires {issued.link.expires_at.date().isoformat()}"
    audit.record(
        uow, actor, "create", "recovery_link", issued.link.id, patient_id=patient.id, detail=detail
    )
    uow.commit()
    return issued


def revoke_link(
    ctx: Context, actor: Actor, link_id: int, patient_id: int, session_id: int
) -> RecoveryLink:
    """Stop a link from working. Revoking twice is harmless; a link that is not one of this
    session's (or another clinic's) is NotFound."""
    with ctx.uow() as uow:
        return _revoke_link(uow, actor, link_id, patient_id, session_id, ctx.clock.now())


def _revoke_link(
    uow: UnitOfWork,
    actor: Actor,
    link_id: int,
    patient_id: int,
    session_id: int,
    now: dt.datetime,
) -> RecoveryLink:
    require(actor, Permission.WRITE_CHART)
    patient, session = _session_of(uow, actor, patient_id, session_id)
    links = uow.recovery_links.for_session(actor.clinic_id, session.id)
    link = next((candidate for candidate in links if candidate.id == link_id), None)
    if link is None:
        audit.record(uow, actor, "read_not_found", "recovery_link", link_id, patient_id=patient.id)
        uow.commit()
        raise NotFound("recovery link", link_id)
    if uow.recovery_links.revoke(actor.clinic_id, link.id, now):
        audit.record(uow, actor, "revoke", "recovery_link", link.id, patient_id=patient.id)
    uow.commit()
    return link


def issue_for_reminder(
    uow: UnitOfWork, keys: LinkSigner, session: TreatmentSession, now: dt.datetime
) -> IssuedLink:
    """A fresh link for a reminder e-mail, issued on behalf of the treating clinician. The caller
    commits (with the message that carries it)."""
    issued = _new_link(uow, keys, session, session.clinician_id, now)
    uow.audit.append(
        AuditEntry(
            at=now,
            actor="system (check-in reminder)",
            action="create",
            record_type="recovery_link",
            record_id=str(issued.link.id),
            clinic_id=session.clinic_id,
            patient_id=session.patient_id,
            source="system",
            detail=f"session {session.id}, expires {issued.link.expires_at.date().isoformat()}",
        )
    )
    return issued


# --- the patient's side -----------------------------------------------------------------------


def open_link(ctx: Context, token: str) -> PatientAccess:
    """The session a token opens now, or :class:`LinkNotUsable` whatever the reason."""
    with ctx.uow() as uow:
        return access_in(uow, ctx.links.secret, token, ctx.clock.now())


def access_in(uow: UnitOfWork, secret: str, token: str, now: dt.datetime) -> PatientAccess:
    """:func:`open_link` inside the caller's unit of work."""
    if not 20 <= len(token) <= 100:
        raise LinkNotUsable()
    link = uow.recovery_links.by_token_hash(hash_token(token))
    if link is None or not link.usable(now):
        raise LinkNotUsable()
    # A token signed with another secret (rotated key) or for another row never matches.
    if not hmac.compare_digest(token_for(secret, link), token):
        raise LinkNotUsable()
    clinic = uow.clinics.get(link.clinic_id)
    patient = uow.patients.get(link.clinic_id, link.patient_id)
    session = uow.charts.session(link.clinic_id, link.session_id)
    if clinic is None or patient is None or session is None or session.patient_id != patient.id:
        raise LinkNotUsable()
    return PatientAccess(link, clinic, patient, session)


def record_patient_event(
    uow: UnitOfWork,
    access: PatientAccess,
    action: str,
    record_type: str,
    record_id: object,
    *,
    source: str,
    now: dt.datetime,
    detail: str = "",
) -> None:
    """An audit event whose actor is the patient holding the link (no user account)."""
    uow.audit.append(
        AuditEntry(
            at=now,
            actor=f"patient via {_kind(access.link)} {access.link.id}",
            action=action,
            record_type=record_type,
            record_id=str(record_id),
            clinic_id=access.clinic.id,
            patient_id=access.patient.id,
            source=source,
            detail=detail,
        )
    )


def _kind(link: RecoveryLink | PatientLink) -> str:
    return "patient link" if isinstance(link, PatientLink) else "recovery link"


__all__ = [
    "LINK_NOT_USABLE",
    "IssuedLink",
    "LinkNotUsable",
    "LinkPage",
    "LinkSigner",
    "PatientAccess",
    "Throttled",
    "access_in",
    "create_link",
    "hash_token",
    "issue_for_reminder",
    "link_page",
    "open_link",
    "patient_csrf",
    "record_patient_event",
    "revoke_link",
    "token_for",
    "url_for",
]
