"""Clinic alerts: a warning sign found in a patient's check-in, for the clinic to act on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from resurface.domain.codes import AlertCode, Urgency
from resurface.domain.triage import Alert


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


PRESSING_GROUPS: tuple[tuple[AlertStatus, Urgency], ...] = tuple(
    (status, urgency)
    for status in (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)
    for urgency in sorted(Urgency, key=lambda u: -u.rank)
)
"""The order the clinic sees the alerts not yet closed in: not yet acknowledged first, then
urgent before soon before routine; newest first within each group."""


@dataclass(frozen=True)
class ClinicAlert:
    """A warning sign found in a patient's check-in, for the clinic to act on."""

    id: int
    clinic_id: int
    patient_id: int
    session_id: int
    code: AlertCode
    urgency: Urgency
    day: int
    message: str
    patient_message: str
    raised_at: dt.datetime
    checkin_id: int | None = None
    status: AlertStatus = AlertStatus.OPEN
    acknowledged_by: int | None = None
    acknowledged_at: dt.datetime | None = None
    closed_by: int | None = None
    closed_at: dt.datetime | None = None
    note: str = ""
    version: int = 1


@dataclass(frozen=True)
class Supersession:
    """What a check-in's findings change: alerts to open, and open alerts they replace."""

    to_open: tuple[Alert, ...]
    to_close: tuple[ClinicAlert, ...]


def supersede(open_alerts: Sequence[ClinicAlert], found: Sequence[Alert]) -> Supersession:
    """One alert per sign per session: a sign found again at the same or a milder urgency than an
    alert still open (or acknowledged) for it changes nothing; found worse, it opens a new alert
    and closes the milder ones. Closed alerts are history and are ignored."""
    live = [a for a in open_alerts if a.status is not AlertStatus.CLOSED]
    to_open: list[Alert] = []
    to_close: list[ClinicAlert] = []
    for alert in found:
        same_sign = [a for a in live if a.code is alert.code]
        if any(a.urgency.rank >= alert.urgency.rank for a in same_sign):
            continue
        to_open.append(alert)
        to_close += same_sign
    return Supersession(tuple(to_open), tuple(to_close))
