"""The patient's own link for the whole series, for the clinic: list, create, e-mail, revoke."""

from __future__ import annotations

from resurface.services.recovery import patient_links
from resurface.web.api.schemas.patient_links import (
    EmailedOut,
    IssuedPatientLinkOut,
    PatientLinkOut,
    PatientLinksOut,
)
from resurface.web.api.v1 import v1_router
from resurface.web.deps import ActorDep, CheckedSessionDep, ContextDep

router = v1_router(tags=["patient links"])
PATH = "/patients/{patient_id}/patient-links"


@router.get(PATH, response_model=PatientLinksOut)
def list_links(ctx: ContextDep, actor: ActorDep, patient_id: int) -> PatientLinksOut:
    page = patient_links.link_page(ctx, actor, patient_id)
    return PatientLinksOut(
        active_url=page.active.url if page.active else None,
        links=[PatientLinkOut.of(link, page.now) for link in page.links],
    )


@router.post(PATH, response_model=IssuedPatientLinkOut, status_code=201)
def create_link(
    ctx: ContextDep, session: CheckedSessionDep, patient_id: int
) -> IssuedPatientLinkOut:
    issued = patient_links.create_link(ctx, session.actor, patient_id)
    return IssuedPatientLinkOut(
        link=PatientLinkOut.of(issued.link, ctx.clock.now()), url=issued.url
    )


@router.post(PATH + "/email", response_model=EmailedOut, status_code=202)
def email_link(ctx: ContextDep, session: CheckedSessionDep, patient_id: int) -> EmailedOut:
    message = patient_links.email_link(ctx, session.actor, patient_id)
    return EmailedOut(notification_id=message.id, recipient=message.recipient)


@router.post(PATH + "/{link_id}/revoke", response_model=PatientLinkOut)
def revoke_link(
    ctx: ContextDep, session: CheckedSessionDep, patient_id: int, link_id: int
) -> PatientLinkOut:
    link = patient_links.revoke_link(ctx, session.actor, patient_id, link_id)
    return PatientLinkOut.of(link, ctx.clock.now())
