"""Before a session is recorded: what should stop the clinician, as the settings limits do.

A guard is shown with its reason. The clinician may go on past it only by giving their own
reason, which is kept with the session and shown on it and on the chart. An urgent alert that
nobody has acknowledged is stronger: it must be acknowledged (on the recovery page) first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from resurface.domain.alerts import AlertStatus, ClinicAlert
from resurface.domain.chart import Consultation, TreatmentSession
from resurface.domain.codes import Modality, ScreeningAction, Urgency
from resurface.domain.plans import DecidedPlan


class Guard(StrEnum):
    BEYOND_PLAN = "beyond_plan"
    TOO_SOON = "too_soon"
    URGENT_ALERT = "urgent_alert"
    TREATMENT_DEFERRED = "treatment_deferred"
    NO_CONSENT = "no_consent"


@dataclass(frozen=True)
class SessionGuard:
    guard: Guard
    message: str
    must_acknowledge: bool = False
    """Not passed with a reason: the urgent alert is acknowledged first."""
    needs_consent: bool = False
    """Not passed with a reason: the patient signs the consent first."""


def session_guards(
    decided: DecidedPlan,
    sessions: Sequence[TreatmentSession],
    on: dt.date,
    alerts: Sequence[ClinicAlert],
    consultation: Consultation | None,
    unconsented: Sequence[Modality] = (),
) -> tuple[SessionGuard, ...]:
    """What stands in the way of recording a session of ``decided`` on ``on``; ``sessions`` are
    the patient's recorded sessions, ``alerts`` their alerts, ``consultation`` the latest,
    ``unconsented`` the modalities about to be used for the first time without a signed consent
    (``consent.consents_missing``)."""
    done = [s for s in sessions if s.plan_id == decided.plan.id]
    found = [
        *_beyond_plan(decided, len(done)),
        *_too_soon(decided, done, on),
        *_urgent(alerts),
        *_deferred(consultation),
        *_no_consent(unconsented),
    ]
    return tuple(found)


def _beyond_plan(decided: DecidedPlan, done: int) -> list[SessionGuard]:
    planned = decided.sessions_planned
    if done < planned:
        return []
    message = (
        f"The plan has {planned} session{'s' if planned != 1 else ''} and "
        f"{done} {'have' if done != 1 else 'has'} been recorded: this would be session {done + 1}."
    )
    return [SessionGuard(Guard.BEYOND_PLAN, message)]


def _too_soon(
    decided: DecidedPlan, done: Sequence[TreatmentSession], on: dt.date
) -> list[SessionGuard]:
    if not done or not decided.areas:
        return []
    last = max(s.performed_on for s in done)
    weeks = max(area.interval_weeks.min for area in decided.areas)
    waited = (on - last).days
    if waited >= weeks * 7:
        return []
    message = (
        f"The last session was {waited} day{'s' if waited != 1 else ''} earlier "
        f"({last:%d %b %Y}); the plan's interval is at least {weeks:g} weeks."
    )
    return [SessionGuard(Guard.TOO_SOON, message)]


def _urgent(alerts: Sequence[ClinicAlert]) -> list[SessionGuard]:
    found = []
    for alert in alerts:
        if alert.urgency is not Urgency.URGENT or alert.status is AlertStatus.CLOSED:
            continue
        if alert.status is AlertStatus.OPEN:
            message = f"Urgent alert not yet acknowledged: {alert.message}"
            found.append(SessionGuard(Guard.URGENT_ALERT, message, must_acknowledge=True))
        else:
            message = f"Urgent alert acknowledged but not closed: {alert.message}"
            found.append(SessionGuard(Guard.URGENT_ALERT, message))
    return found


def _deferred(consultation: Consultation | None) -> list[SessionGuard]:
    if consultation is None:
        return []
    return [
        SessionGuard(Guard.TREATMENT_DEFERRED, f"The screening deferred treatment: {f.reason}")
        for f in consultation.findings
        if f.action is ScreeningAction.DEFER
    ]


def _no_consent(unconsented: Sequence[Modality]) -> list[SessionGuard]:
    return [
        SessionGuard(
            Guard.NO_CONSENT,
            f"No signed consent to {m.label} treatment: the first session of a treatment needs "
            "the patient's signed consent.",
            needs_consent=True,
        )
        for m in unconsented
    ]
