"""Triage of recovery check-ins: alerts with an urgency, and an overall status.

Rules (``protocols/triage.yaml``): a score above its expected band for the day; a score rising
after day 3 while it should be settling; red flags - yellow crust or pus with pain (infection,
Fife 2009), clustered blisters (HSV), white pustules with itch (candida, Alam 2003), raw areas after
day 10 (delayed healing, Ramsdell 2012), dark patches from week 3, above all in types IV-VI
(post-inflammatory hyperpigmentation, Nanni & Alster 1998), firm raised areas (early scarring).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from resurface.domain.band_position import ScorePosition, band_positions
from resurface.domain.checkin import CheckIn
from resurface.domain.codes import (
    AlertCode,
    Area,
    FitzpatrickType,
    Modality,
    RecoveryStatus,
    Urgency,
)
from resurface.domain.errors import InvalidInput
from resurface.domain.recovery import (
    CourseBasis,
    ExpectedCourse,
    expected_course,
    expected_course_for,
)
from resurface.domain.rulebase import AlertSpec, RedFlagRule, RuleBase, TriageRules

_STATUS = {
    0: RecoveryStatus.AS_EXPECTED,
    1: RecoveryStatus.WATCH,
    2: RecoveryStatus.CONTACT_CLINIC,
    3: RecoveryStatus.URGENT,
}


@dataclass(frozen=True)
class Alert:
    """``message`` is for clinic staff; ``patient_message`` is plain words for the patient: what
    was found (``patient_finding``) and what to do about it."""

    code: AlertCode
    urgency: Urgency
    day: int
    message: str
    patient_message: str
    patient_finding: str = ""


@dataclass(frozen=True)
class TriageResult:
    status: RecoveryStatus
    alerts: tuple[Alert, ...]


def triage(
    rules: RuleBase,
    modality: Modality,
    area: Area,
    skin_type: FitzpatrickType,
    treated_on: dt.date,
    checkins: Sequence[CheckIn],
) -> TriageResult:
    """Compare the check-ins with the expected course and the warning signs.

    Each alert code is reported once: at its highest urgency, on the latest day it was seen.
    """
    course = expected_course(rules, modality, area, skin_type)
    ordered = sorted(enumerate(checkins), key=lambda pair: pair[1].date)
    found: list[Alert] = []
    previous: CheckIn | None = None
    for index, checkin in ordered:
        found += _signs_of(rules, course, skin_type, treated_on, index, previous, checkin)
        previous = checkin
    alerts = _strongest_per_code(found)
    top = max((a.urgency.rank for a in alerts), default=0)
    return TriageResult(_STATUS[top], alerts)


@dataclass(frozen=True)
class DayResult:
    """What one check-in showed on its own day: where each score sat in the expected band, and
    the alerts triage reported for that day with only the check-ins up to this one (as the patient
    saw it then)."""

    checkin: CheckIn
    day: int
    positions: tuple[ScorePosition, ...]
    alerts: tuple[Alert, ...]


def triage_by_day(
    rules: RuleBase, basis: CourseBasis, checkins: Sequence[CheckIn]
) -> tuple[DayResult, ...]:
    """One :class:`DayResult` per check-in, in date order (same date: the given order).

    One pass: the strongest alert per sign so far is carried forward, so each day's answer equals
    :func:`triage` over the check-ins up to that day, restricted to alerts of that day.
    """
    course = expected_course_for(rules, basis)
    ordered = sorted(enumerate(checkins), key=lambda pair: pair[1].date)
    strongest: dict[AlertCode, Alert] = {}
    previous: CheckIn | None = None
    results = []
    for index, checkin in ordered:
        found = _signs_of(
            rules, course, basis.skin_type, basis.treated_on, index, previous, checkin
        )
        for alert in found:
            _keep_strongest(strongest, alert)
        day = checkin.day_after(basis.treated_on)
        today = tuple(a for a in _sorted(strongest.values()) if a.day == day)
        positions = band_positions(course, day, checkin.scores)
        results.append(DayResult(checkin, day, positions, today))
        previous = checkin
    return tuple(results)


def _signs_of(
    rules: RuleBase,
    course: ExpectedCourse,
    skin_type: FitzpatrickType,
    treated_on: dt.date,
    index: int,
    previous: CheckIn | None,
    checkin: CheckIn,
) -> list[Alert]:
    """Every warning sign one check-in shows (the rise compared with the check-in before it)."""
    day = checkin.day_after(treated_on)
    if day < 0:
        raise InvalidInput(f"checkins[{index}].date", "is before the treatment date")
    found = _score_alerts(rules.triage, course, checkin, day)
    if previous is not None:
        found += _rising_alerts(rules.triage, course, previous, checkin, treated_on)
    found += _red_flag_alerts(rules.triage, skin_type, checkin, day)
    return found


def _alert(rules: TriageRules, spec: AlertSpec, day: int, detail: str) -> Alert:
    text = rules.texts[spec.code]
    message = f"{text.staff.rstrip('.')} ({detail})."
    patient = f"{text.patient} {rules.patient_action[spec.urgency]}"
    return Alert(spec.code, spec.urgency, day, message, patient, text.patient)


def _score_alerts(
    rules: TriageRules, course: ExpectedCourse, checkin: CheckIn, day: int
) -> list[Alert]:
    alerts = []
    for score, value in checkin.scores.items():
        band = course.band(day, score)
        if value <= band.high:
            continue
        far = value > band.high + rules.far_above_margin and score in rules.far_above
        spec = rules.far_above[score] if far else rules.above_range[score]
        detail = f"{score.value} {value} on day {day}; expected {band.low:g}-{band.high:g}"
        alerts.append(_alert(rules, spec, day, detail))
    return alerts


def _rising_alerts(
    rules: TriageRules,
    course: ExpectedCourse,
    before: CheckIn,
    now: CheckIn,
    treated_on: dt.date,
) -> list[Alert]:
    day, day_before = now.day_after(treated_on), before.day_after(treated_on)
    if day <= rules.rising_after_day:
        return []
    alerts = []
    for score, spec in rules.rising.items():
        if score not in now.scores or score not in before.scores:
            continue
        rise = now.scores[score] - before.scores[score]
        expected_rise = course.band(day, score).high > course.band(day_before, score).high
        if rise >= rules.min_rise and not expected_rise:
            detail = (
                f"{score.value} rose from {before.scores[score]} on day {day_before} "
                f"to {now.scores[score]} on day {day}"
            )
            alerts.append(_alert(rules, spec, day, detail))
    return alerts


def _red_flag_alerts(
    rules: TriageRules, skin_type: FitzpatrickType, checkin: CheckIn, day: int
) -> list[Alert]:
    alerts = []
    for rule in rules.red_flags:
        if rule.flag not in checkin.red_flags or day < rule.from_day:
            continue
        urgency = _red_flag_urgency(rule, skin_type, checkin)
        if urgency is not None:
            detail = f"{rule.flag.value.replace('_', ' ')} on day {day}"
            alerts.append(_alert(rules, AlertSpec(rule.code, urgency), day, detail))
    return alerts


def _red_flag_urgency(
    rule: RedFlagRule, skin_type: FitzpatrickType, checkin: CheckIn
) -> Urgency | None:
    if rule.with_score is not None and rule.score_at_least is not None:
        value = checkin.scores.get(rule.with_score, 0)
        if value < rule.score_at_least:
            return rule.otherwise
    if rule.darker_from is not None and skin_type.number >= rule.darker_from.number:
        return rule.darker_urgency
    return rule.urgency


def _strongest_per_code(alerts: list[Alert]) -> tuple[Alert, ...]:
    best: dict[AlertCode, Alert] = {}
    for alert in alerts:
        _keep_strongest(best, alert)
    return _sorted(best.values())


def _keep_strongest(best: dict[AlertCode, Alert], alert: Alert) -> None:
    """Each sign once: at its highest urgency, on the latest day it was seen."""
    kept = best.get(alert.code)
    if kept is None or (alert.urgency.rank, alert.day) >= (kept.urgency.rank, kept.day):
        best[alert.code] = alert


def _sorted(alerts: Iterable[Alert]) -> tuple[Alert, ...]:
    return tuple(sorted(alerts, key=lambda a: (-a.urgency.rank, a.day, a.code.value)))
