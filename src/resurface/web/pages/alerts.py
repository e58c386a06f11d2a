"""The clinic's alerts, a page at a time: the whole list Today's most pressing few lead to, and
the closed ones, for looking back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from resurface.domain.alerts import AlertStatus
from resurface.domain.errors import InvalidInput
from resurface.services.recovery import alerts
from resurface.web.deps import ContextDep, SessionDep
from resurface.web.pages.render import page

router = APIRouter()

SHOWN = {
    "": "Not yet closed",
    AlertStatus.OPEN.value: "Open, not yet acknowledged",
    AlertStatus.ACKNOWLEDGED.value: "Acknowledged, not yet closed",
    AlertStatus.CLOSED.value: "Closed",
}
"""The choices of the list, by the value the form sends ("": every alert not yet closed)."""


@router.get("/alerts")
def alert_list(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    status: Annotated[str, Query(max_length=20)] = "",
    page_number: Annotated[int, Query(alias="page", ge=1)] = 1,
) -> Response:
    """Not yet closed: the most pressing first (as on Today); closed: the newest first."""
    chosen = _status(status)
    found = alerts.list_alerts(ctx, session.actor, chosen, page_number, per_page=25)
    return page(request, "alerts.html", session, found=found, status=status, shown=SHOWN)


def _status(value: str) -> AlertStatus | None:
    if value not in SHOWN:
        raise InvalidInput("status", f"must be one of {', '.join(v for v in SHOWN if v)}")
    return AlertStatus(value) if value else None
