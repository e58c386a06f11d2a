"""supersede: one open alert per sign per session; a worse one supersedes a milder one."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from resurface.domain.alerts import AlertStatus, ClinicAlert, supersede
from resurface.domain.codes import AlertCode, Urgency
from resurface.domain.triage import Alert

CODES = list(AlertCode)
PAIN, OTHER = CODES[0], CODES[1]
AT = dt.datetime(2026, 11, 3, 9, tzinfo=dt.UTC)


def found(code: AlertCode, urgency: Urgency) -> Alert:
    return Alert(code, urgency, 2, "staff", "patient")


def saved(id_: int, code: AlertCode, urgency: Urgency, status=AlertStatus.OPEN) -> ClinicAlert:
    return ClinicAlert(id_, 1, 1, 1, code, urgency, 1, "staff", "patient", AT, status=status)


def test_a_new_sign_opens_an_alert() -> None:
    change = supersede([], [found(PAIN, Urgency.SOON)])
    assert change.to_open == (found(PAIN, Urgency.SOON),)
    assert change.to_close == ()


def test_same_sign_worse_replaces_the_milder() -> None:
    milder = saved(1, PAIN, Urgency.SOON)
    change = supersede([milder], [found(PAIN, Urgency.URGENT)])
    assert change.to_open == (found(PAIN, Urgency.URGENT),)
    assert change.to_close == (milder,)


def test_acknowledged_counts_as_still_open() -> None:
    milder = saved(1, PAIN, Urgency.ROUTINE, AlertStatus.ACKNOWLEDGED)
    assert supersede([milder], [found(PAIN, Urgency.SOON)]).to_close == (milder,)


def test_milder_or_equal_does_not_replace_worse() -> None:
    worse = saved(1, PAIN, Urgency.URGENT)
    for urgency in (Urgency.URGENT, Urgency.SOON, Urgency.ROUTINE):
        change = supersede([worse], [found(PAIN, urgency)])
        assert (change.to_open, change.to_close) == ((), ())


def test_different_signs_coexist() -> None:
    other = saved(1, OTHER, Urgency.ROUTINE)
    change = supersede([other], [found(PAIN, Urgency.SOON)])
    assert change.to_open == (found(PAIN, Urgency.SOON),)
    assert change.to_close == ()


def test_closed_alerts_are_ignored() -> None:
    closed = saved(1, PAIN, Urgency.URGENT, AlertStatus.CLOSED)
    change = supersede([closed], [found(PAIN, Urgency.SOON)])
    assert change.to_open == (found(PAIN, Urgency.SOON),)
    assert change.to_close == ()


def test_urgency_rank_orders_urgent_first() -> None:
    alerts = [replace(saved(i, PAIN, u), id=i) for i, u in enumerate(Urgency)]
    ranked = sorted(alerts, key=lambda a: -a.urgency.rank)
    assert [a.urgency for a in ranked] == [Urgency.URGENT, Urgency.SOON, Urgency.ROUTINE]
