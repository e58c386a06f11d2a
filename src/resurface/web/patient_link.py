"""What the patient's page and the patient's API share: the headers every patient response
carries, and waking the outbox after an urgent alert. The limits on patient links are the
services' (:mod:`resurface.services.recovery.link_limits`), counted in the database."""

from __future__ import annotations

from fastapi import Request

PATIENT_HEADERS = {"X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer"}


def wake_outbox(request: Request) -> None:
    outbox = getattr(request.app.state, "outbox", None)
    if outbox is not None:
        outbox.wake()
