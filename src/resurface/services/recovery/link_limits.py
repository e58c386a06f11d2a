"""How many bad tokens one client may send, and how often one patient link may be used.

A token that does not work is counted against the client that sent it; past
:data:`REFUSED_TOKENS` that client's bad tokens are answered "too many requests" for a while. A
working token is never refused because of bad tokens, whoever sent them: patients behind one
address (a clinic's Wi-Fi, a carrier's NAT) are not locked out because one of them, or someone
else, mistyped or guessed. (Guessing is hopeless anyway: a token is a 256-bit HMAC.) A working
link has limits of its own, counted per link: :data:`LINK_USES` and :data:`CHECKINS`.

Counts are kept in the database (see :mod:`resurface.services.throttles`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from resurface.services import throttles
from resurface.services.errors import LinkNotUsable
from resurface.services.recovery import patient_links
from resurface.services.recovery.links import access_in, hash_token
from resurface.services.throttles import Limit

if TYPE_CHECKING:
    from resurface.services.context import Context

REFUSED_TOKENS = Limit("link-refused-token", 30, dt.timedelta(minutes=10))
"""Per client address: tokens that did not work."""

LINK_USES = Limit("link-use", 120, dt.timedelta(minutes=1))
"""Per link: pages, photos and check-ins asked for through it."""

CHECKINS = Limit("link-checkin", 12, dt.timedelta(hours=1))
"""Per link: check-ins sent. A patient checks in about once a day; a dozen an hour leaves room
for corrections and an offline queue being flushed, and stops a script filling the chart."""


def admit(ctx: Context, token: str, client: str) -> None:
    """Let a request through ``token`` from ``client`` go on, counting it.

    A token that does not work raises :class:`LinkNotUsable` and counts against ``client``; once
    ``client`` is at :data:`REFUSED_TOKENS` it raises :class:`Throttled` instead. A working
    token is counted against its own link only, and raises :class:`Throttled` only when that
    link is at :data:`LINK_USES`.
    """
    now, secret = ctx.clock.now(), ctx.links.secret
    with ctx.uow() as uow:
        try:
            access = access_in(uow, secret, token, now)
        except LinkNotUsable:
            throttles.hit_in(uow, secret, REFUSED_TOKENS, client, now)
            uow.commit()
            raise
        throttles.hit_in(uow, secret, LINK_USES, access.link.token_hash, now)
        uow.commit()


def admit_patient(ctx: Context, token: str, client: str) -> None:
    """:func:`admit` for the patient's link of the whole series (``/p/{token}``): the same
    limits, counted the same way (per client for bad tokens, per link for working ones)."""
    now, secret = ctx.clock.now(), ctx.links.secret
    with ctx.uow() as uow:
        try:
            access = patient_links.access_in(uow, secret, token, now, ctx.rules)
        except LinkNotUsable:
            throttles.hit_in(uow, secret, REFUSED_TOKENS, client, now)
            uow.commit()
            raise
        throttles.hit_in(uow, secret, LINK_USES, access.link.token_hash, now)
        uow.commit()


def count_checkin(ctx: Context, token: str) -> None:
    """Count a check-in sent through ``token`` (already admitted), or raise :class:`Throttled`."""
    throttles.hit(ctx, CHECKINS, hash_token(token))
