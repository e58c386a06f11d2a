"""The recovery links API's shapes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from resurface.domain.links import RecoveryLink


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
