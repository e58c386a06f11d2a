"""The expected recovery course: for a modality, area and skin type, the expected band of each
check-in score (0-10) for every day from treatment to at least day 90, and the healing time.

After ablative treatment redness and swelling are marked and fade over about two weeks while new
skin forms, with pinkness for weeks (Nanni & Alster 1998; Tanzi & Alster 2003); after non-ablative
fractional treatment they settle within days (Fisher & Geronemus 2005). Bands are key points in
``protocols/recovery.yaml``, interpolated day by day. Delicate areas heal more slowly, so their
course is stretched by the area healing factor in ``protocols/modalities.yaml``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from resurface.domain.chart import AreaSettings, Consultation, TreatmentSession
from resurface.domain.codes import Area, FitzpatrickType, Modality, Score
from resurface.domain.errors import InvalidInput
from resurface.domain.people import Patient
from resurface.domain.rulebase import CurvePoint, RuleBase, Span

_DECIMALS = 1


@dataclass(frozen=True)
class Band:
    """Expected range of a 0-10 score on one day."""

    low: float
    high: float

    def holds(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class ExpectedDay:
    day: int
    bands: Mapping[Score, Band]


@dataclass(frozen=True)
class ExpectedCourse:
    modality: Modality
    area: Area
    skin_type: FitzpatrickType
    healing_days: Span
    days: tuple[ExpectedDay, ...]
    sources: tuple[str, ...]

    def band(self, day: int, score: Score) -> Band:
        """The band on ``day``; past the last day of the course, the last day's band."""
        index = min(max(day, 0), len(self.days) - 1)
        return self.days[index].bands[score]


@dataclass(frozen=True)
class CourseBasis:
    """What a session's expected course follows: one treated area and one skin type.

    Every page that shows a band (the patient's page, the clinician's chart) and triage use
    the same basis, so they never disagree about what is "usual" for a day.
    """

    modality: Modality
    area: Area
    skin_type: FitzpatrickType
    skin_type_recorded: bool
    treated_on: dt.date

    def in_words(self) -> str:
        """E.g. "around the mouth, fractional ablative CO₂ (10,600 nm), skin type III": stated
        next to every band, on the clinician's chart and the patient's page alike."""
        area = self.area.label
        modality = self.modality.label
        skin = f"skin type {self.skin_type.value}"
        if not self.skin_type_recorded:
            skin += " (not recorded yet)"
        return f"{area}, {modality}, {skin}"


def primary_area(session: TreatmentSession) -> AreaSettings:
    """The area whose recovery is the longest: fully ablative before fractional before
    non-ablative, and a delicate area before the others (it heals more slowly)."""
    if not session.areas:
        raise InvalidInput("session.areas", "has no treated area")
    return max(
        session.areas,
        key=lambda a: (a.modality.is_fully_ablative, a.modality.is_ablative, a.area.is_delicate),
    )


def skin_type_for(
    patient: Patient, consultations: Sequence[Consultation]
) -> FitzpatrickType | None:
    """The patient's recorded type, else the type found at the latest consultation by the date it
    was held (the same day: the later record), else None (not known)."""
    if patient.fitzpatrick_type is not None:
        return patient.fitzpatrick_type
    latest = max(consultations, key=lambda c: (c.held_on, c.id), default=None)
    return latest.fitzpatrick_type if latest is not None else None


def course_for(
    session: TreatmentSession,
    patient: Patient,
    consultations: Sequence[Consultation],
    area: Area | None = None,
) -> CourseBasis:
    """The course a session's recovery follows: the most demanding treated area (or ``area``,
    when the clinician picks one) and the patient's skin type. Without a known type the course
    is type I's, the one listed in the protocol (no skin-type adjustment)."""
    settings = primary_area(session) if area is None else _treated(session, area)
    skin_type = skin_type_for(patient, consultations)
    return CourseBasis(
        modality=settings.modality,
        area=settings.area,
        skin_type=skin_type or FitzpatrickType.I,
        skin_type_recorded=skin_type is not None,
        treated_on=session.performed_on,
    )


def _treated(session: TreatmentSession, area: Area) -> AreaSettings:
    for settings in session.areas:
        if settings.area is area:
            return settings
    raise InvalidInput("area", f"{area.value} was not treated in this session")


def course_stretch(rules: RuleBase, area: Area, skin_type: FitzpatrickType) -> float:
    """How much slower than a full face of this skin type the course runs (1.0 = as listed)."""
    area_factor = rules.planning.area_healing_factor.get(area, 1.0)
    return area_factor * rules.recovery.skin_type_healing_factor.get(skin_type, 1.0)


def healing_days(
    rules: RuleBase, modality: Modality, area: Area, skin_type: FitzpatrickType
) -> Span:
    """Expected time until the surface has healed (re-epithelialisation), in days."""
    base = rules.planning.profiles[modality].healing_days
    stretch = course_stretch(rules, area, skin_type)
    provenance = base.provenance
    if stretch != 1.0:
        provenance = provenance.merged(rules.planning.area_healing_provenance)
        provenance = provenance.merged(rules.recovery.skin_type_provenance)
    return Span(
        round(base.min * stretch, _DECIMALS), round(base.max * stretch, _DECIMALS), provenance
    )


def modality_healing_days(rules: RuleBase, modality: Modality | None) -> int:
    """Whole days after a session with ``modality`` during which the patient counts as recovering:
    the longest expected healing time of the modality in the rule base (0 without a session)."""
    if modality is None:
        return 0
    return math.ceil(rules.planning.profiles[modality].healing_days.max)


def expected_course_for(rules: RuleBase, basis: CourseBasis) -> ExpectedCourse:
    """The expected course of ``basis`` (see :func:`course_for`)."""
    return expected_course(rules, basis.modality, basis.area, basis.skin_type)


def expected_course(
    rules: RuleBase, modality: Modality, area: Area, skin_type: FitzpatrickType
) -> ExpectedCourse:
    """Expected score bands for days 0 to the end of the course (at least 90)."""
    profile = rules.recovery.profiles[modality]
    stretch = course_stretch(rules, area, skin_type)
    days = tuple(
        ExpectedDay(
            day,
            {score: band_on_day(points, day / stretch) for score, points in profile.curves.items()},
        )
        for day in range(rules.recovery.course_days + 1)
    )
    healing = healing_days(rules, modality, area, skin_type)
    sources = profile.provenance.merged(healing.provenance).labels
    return ExpectedCourse(modality, area, skin_type, healing, days, sources)


def band_on_day(points: Sequence[CurvePoint], day: float) -> Band:
    """Interpolate the band between key days; after the last key day it stays put."""
    before = points[0]
    for after in points[1:]:
        if day <= after.day:
            share = (day - before.day) / (after.day - before.day)
            low = before.low + share * (after.low - before.low)
            high = before.high + share * (after.high - before.high)
            return Band(round(low, _DECIMALS), round(high, _DECIMALS))
        before = after
    return Band(before.low, before.high)
