"""The patient's recovery links of a session, for the clinic: list, create, revoke."""

from __future__ import annotations

from dataclasses import replace

from resurface.services.recovery import links
from resurface.web.api.schemas.recovery_links import IssuedOut, LinkOut, LinksOut
from resurface.web.api.v1 import v1_router
from resurface.web.deps import ActorDep, CheckedSessionDep, ContextDep

router = v1_router(tags=["recovery links"])
PATH = "/patients/{patient_id}/sessions/{session_id}/links"


@router.get(PATH, response_model=LinksOut)
def list_links(ctx: ContextDep, actor: ActorDep, patient_id: int, session_id: int) -> LinksOut:
    now = ctx.clock.now()
    page = links.link_page(ctx, actor, patient_id, session_id)
    return LinksOut(
        active_url=page.active.url if page.active else None,
        links=[LinkOut.of(link, now) for link in page.links],
    )


@router.post(PATH, response_model=IssuedOut, status_code=201)
def create_link(
    ctx: ContextDep, session: CheckedSessionDep, patient_id: int, session_id: int
) -> IssuedOut:
    now = ctx.clock.now()
    issued = links.create_link(ctx, session.actor, patient_id, session_id)
    return IssuedOut(link=LinkOut.of(issued.link, now), url=issued.url)


@router.post(PATH + "/{link_id}/revoke", response_model=LinkOut)
def revoke_link(
    ctx: ContextDep,
    session: CheckedSessionDep,
    patient_id: int,
    session_id: int,
    link_id: int,
) -> LinkOut:
    now = ctx.clock.now()
    link = links.revoke_link(ctx, session.actor, link_id, patient_id, session_id)
    return LinkOut.of(replace(link, revoked_at=link.revoked_at or now), now)
