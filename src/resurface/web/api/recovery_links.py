"""The patient's recovery links of a session, for the clinic: list, create, revoke."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from fastapi import APIRouter
from pydantic import BaseModel

from resurface.domain.links import RecoveryLink
from resurface.services.recovery import links
from resurface.web.deps import ActorDep, CheckedSessionDep, ContextDep

router = APIRouter(tags=["recovery links"])
PATH = "/patients/{patient_id}/sessions/{session_id}/links"


class LinkOut(BaseModel):
    id: int
    session_id: int
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    usable: bool

    @classmethod
    def of(cls, link: RecoveryLink, now: dt.datetime) -> LinkOut:
        return cls(
            id=link.id,
            session_id=link.session_id,
            created_at=link.created_at,
            expires_at=link.expires_at,
            revoked_at=link.revoked_at,
            usable=link.usable(now),
        )


class LinksOut(BaseModel):
    active_url: str | None
    """The newest working link, to hand to the patient (None when none works)."""
    links: list[LinkOut]


class IssuedOut(BaseModel):
    link: LinkOut
    url: str


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
