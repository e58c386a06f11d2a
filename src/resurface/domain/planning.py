"""Treatment planning: for each goal (concern x area x severity) a modality, a session estimate,
intervals, downtime, settings limits, alternatives and the reasons; then one schedule for all
goals.

Every figure comes from ``protocols/modalities.yaml`` (session ranges from Manuskiatti 2010,
Chapas 2008, Hedelund 2014, Tierney & Hanke 2009, Manstein 2004, Fisher & Geronemus 2005, Jih 2008,
Polder & Bruce 2011 ...; the rest flagged as the clinic's expert opinion). This is decision
support: the clinician accepts or overrides each recommendation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from resurface.domain.codes import (
    Area,
    Concern,
    FitzpatrickType,
    Modality,
    ScreeningAction,
    Severity,
)
from resurface.domain.errors import InvalidInput
from resurface.domain.intake import Goal, MedicalHistory, Preferences
from resurface.domain.rulebase import (
    Indication,
    ModalityProfile,
    PlanningRules,
    PreTreatmentRule,
    Provenance,
    RuleBase,
    SettingsFactors,
    SeverityStep,
    Span,
)
from resurface.domain.screening import Finding, ScreeningResult, screen
from resurface.domain.settings_limits import settings_factors


@dataclass(frozen=True)
class PatientFacts:
    """What planning needs to know about the person (besides history, goals, preferences)."""

    age: int
    sex: str
    skin_type: FitzpatrickType


@dataclass(frozen=True)
class SessionEstimate:
    min: int
    expected: int
    max: int


@dataclass(frozen=True)
class Recommendation:
    """A proposed treatment for one goal. ``sources`` lists papers and expert-opinion settings."""

    goal: Goal
    modality: Modality
    sessions: SessionEstimate
    interval_weeks: Span
    downtime_days: Span
    settings: SettingsFactors
    alternatives: tuple[Modality, ...]
    rationale: tuple[str, ...]
    sources: tuple[str, ...]
    expert_opinion: bool

    @property
    def area(self) -> Area:
        return self.goal.area

    @property
    def concern(self) -> Concern:
        return self.goal.concern

    @property
    def severity(self) -> Severity:
        return self.goal.severity


@dataclass(frozen=True)
class UnplannedGoal:
    """A goal no modality fits, and why."""

    goal: Goal
    reason: str


@dataclass(frozen=True)
class PreTreatmentStep:
    code: str
    detail: str
    source: str


@dataclass(frozen=True)
class ScheduledSession:
    """One visit: the areas treated with one modality in the same session."""

    session: int
    week: int
    modality: Modality
    areas: tuple[Area, ...]


@dataclass(frozen=True)
class TreatmentProposal:
    eligible: bool
    skin_type: FitzpatrickType
    contraindications: tuple[Finding, ...]
    pre_treatment: tuple[PreTreatmentStep, ...]
    recommendations: tuple[Recommendation, ...]
    unplanned: tuple[UnplannedGoal, ...]
    schedule: tuple[ScheduledSession, ...]


def propose_treatment(
    rules: RuleBase,
    patient: PatientFacts,
    history: MedicalHistory,
    goals: Sequence[Goal],
    preferences: Preferences | None = None,
) -> TreatmentProposal:
    """Screen the patient, plan every goal and combine the plans into one schedule."""
    if not goals:
        raise InvalidInput("goals", "give at least one goal")
    wishes = preferences or Preferences()
    screening = screen(rules.screening, history, patient.skin_type, (g.area for g in goals))
    recommendations: list[Recommendation] = []
    unplanned: list[UnplannedGoal] = []
    for goal in goals:
        if not screening.eligible:
            unplanned.append(UnplannedGoal(goal, _deferred_reason(screening)))
            continue
        planned = plan_goal(rules, goal, patient.skin_type, screening, wishes)
        if isinstance(planned, Recommendation):
            recommendations.append(planned)
        else:
            unplanned.append(planned)
    return TreatmentProposal(
        eligible=screening.eligible,
        skin_type=patient.skin_type,
        contraindications=screening.findings,
        pre_treatment=pre_treatment_steps(
            rules.screening.pre_treatment, screening, {r.modality for r in recommendations}
        ),
        recommendations=tuple(recommendations),
        unplanned=tuple(unplanned),
        schedule=build_schedule(recommendations),
    )


def plan_goal(
    rules: RuleBase,
    goal: Goal,
    skin_type: FitzpatrickType,
    screening: ScreeningResult,
    preferences: Preferences,
) -> Recommendation | UnplannedGoal:
    """Choose the first modality in the clinic's order that treats the goal and fits the patient."""
    planning = rules.planning
    fitting: list[tuple[Modality, Indication]] = []
    left_out: list[str] = []
    for modality in candidate_order(planning, goal.concern, skin_type):
        indication = best_indication(planning, modality, goal.concern, goal.area)
        if indication is None:
            continue
        why_not = _why_not(planning, modality, goal.area, screening, preferences)
        if why_not:
            left_out.append(why_not)
        else:
            fitting.append((modality, indication))
    if not fitting:
        reason = "; ".join(left_out) or f"no modality in the rule base treats {goal.concern.value}"
        return UnplannedGoal(goal, f"No modality fits: {reason}")
    modality, indication = fitting[0]
    return _recommend(
        rules,
        goal,
        skin_type,
        screening,
        modality,
        indication,
        [m for m, _ in fitting[1:]],
        left_out,
    )


def candidate_order(
    planning: PlanningRules, concern: Concern, skin_type: FitzpatrickType
) -> tuple[Modality, ...]:
    """The clinic's preference order for the concern; darker skin types get fully ablative last."""
    listed = planning.preference.get(concern, ())
    order = list(dict.fromkeys((*listed, *Modality)))
    if skin_type.number >= planning.gentler_first_from.number:
        order.sort(key=lambda m: m.is_fully_ablative)
    return tuple(order)


def best_indication(
    planning: PlanningRules, modality: Modality, concern: Concern, area: Area
) -> Indication | None:
    """The indication for this modality and concern; one naming the area wins over a general one."""
    matches = [
        i
        for i in planning.indications
        if i.modality is modality and concern in i.concerns and (not i.areas or area in i.areas)
    ]
    matches.sort(key=lambda i: not i.areas)
    return matches[0] if matches else None


def estimate_sessions(sessions: Span, step: SeverityStep) -> SessionEstimate:
    """Place a severity in the published range: mild at the low end, severe at the top or beyond."""
    low, high = int(sessions.min), int(sessions.max)
    expected = low + math.floor(step.position * (high - low) + 0.5)
    return SessionEstimate(low, expected, high + step.extra_max)


def downtime_days(planning: PlanningRules, profile: ModalityProfile, area: Area) -> Span:
    """Downtime for the area: delicate areas heal more slowly."""
    factor = planning.area_healing_factor.get(area, 1.0)
    span = profile.downtime_days
    provenance = span.provenance
    if factor != 1.0:
        provenance = provenance.merged(planning.area_healing_provenance)
    return Span(round(span.min * factor, 1), round(span.max * factor, 1), provenance)


def pre_treatment_steps(
    steps: Sequence[PreTreatmentRule], screening: ScreeningResult, modalities: set[Modality]
) -> tuple[PreTreatmentStep, ...]:
    """Steps that apply to the chosen modalities and findings; the first rule per code wins."""
    chosen: dict[str, PreTreatmentStep] = {}
    for step in steps:
        if step.code.value in chosen:
            continue
        if step.modalities.isdisjoint(modalities):
            continue
        if step.when_found and step.when_found.isdisjoint(screening.found):
            continue
        chosen[step.code.value] = PreTreatmentStep(
            step.code.value, step.detail, "; ".join(step.provenance.labels)
        )
    return tuple(chosen.values())


class _Count(Protocol):
    @property
    def expected(self) -> int: ...


class _Weeks(Protocol):
    @property
    def min(self) -> float: ...


class Schedulable(Protocol):
    """What a schedule needs of a treatment: the engine's proposal or the clinician's decision."""

    @property
    def area(self) -> Area: ...
    @property
    def modality(self) -> Modality: ...
    @property
    def sessions(self) -> _Count: ...
    @property
    def interval_weeks(self) -> _Weeks: ...


def build_schedule(recommendations: Sequence[Schedulable]) -> tuple[ScheduledSession, ...]:
    """One schedule for every goal: areas treated with the same modality share sessions.

    Sessions with one modality are spaced by the longest minimum interval among its areas, so no
    area is treated sooner than its own minimum; the next modality starts one interval later.
    """
    groups: dict[Modality, list[Schedulable]] = {}
    for recommendation in recommendations:
        groups.setdefault(recommendation.modality, []).append(recommendation)
    sessions: list[ScheduledSession] = []
    week = 0
    for modality, group in groups.items():
        interval = max(math.ceil(r.interval_weeks.min) for r in group)
        count = max(r.sessions.expected for r in group)
        for number in range(1, count + 1):
            areas = tuple(dict.fromkeys(r.area for r in group if r.sessions.expected >= number))
            sessions.append(ScheduledSession(len(sessions) + 1, week, modality, areas))
            week += interval
    return tuple(sessions)


def _deferred_reason(screening: ScreeningResult) -> str:
    reasons = [f.reason for f in screening.findings if f.action is ScreeningAction.DEFER]
    return "Treatment deferred: " + " ".join(reasons)


def _why_not(
    planning: PlanningRules,
    modality: Modality,
    area: Area,
    screening: ScreeningResult,
    preferences: Preferences,
) -> str:
    """Why this modality cannot be used for the area ('' if it can)."""
    excluded = screening.exclusions(modality, area)
    if excluded:
        codes = ", ".join(dict.fromkeys(f.code.value for f in excluded))
        return f"{modality.value} left out ({codes}): {excluded[0].reason}"
    limit = preferences.max_downtime_days
    downtime = downtime_days(planning, planning.profiles[modality], area)
    if limit is not None and downtime.max > limit:
        return (
            f"{modality.value} left out: downtime up to {downtime.max:g} days is more than "
            f"the patient's limit of {limit:g} days"
        )
    return ""


def _recommend(
    rules: RuleBase,
    goal: Goal,
    skin_type: FitzpatrickType,
    screening: ScreeningResult,
    modality: Modality,
    indication: Indication,
    alternatives: list[Modality],
    left_out: list[str],
) -> Recommendation:
    planning = rules.planning
    profile = planning.profiles[modality]
    sessions = estimate_sessions(indication.sessions, planning.severity_steps[goal.severity])
    interval = indication.interval_weeks or profile.interval_weeks
    downtime = downtime_days(planning, profile, goal.area)
    precautions = screening.precautions(modality, goal.area)
    factors = settings_factors(rules.settings, goal.area, precautions)
    provenance = (
        indication.sessions.provenance.merged(planning.severity_provenance)
        .merged(interval.provenance)
        .merged(downtime.provenance)
        .merged(factors.provenance)
    )
    rationale = [
        f"{profile.name} treats {goal.concern.value.replace('_', ' ')} on the "
        f"{goal.area.value.replace('_', ' ')}: {_range(indication.sessions)} sessions "
        f"({_cite(indication.sessions.provenance)}).",
        f"{goal.severity.value.capitalize()} severity: expect {sessions.expected} "
        f"(from {sessions.min} up to {sessions.max}), every {_range(interval)} weeks.",
        f"Expected downtime {_range(downtime)} days.",
    ]
    if skin_type.number >= planning.gentler_first_from.number:
        rationale.append(
            f"Skin type {skin_type.value}: fractional and non-ablative options come before fully "
            f"ablative ({_cite(planning.gentler_first_provenance)})."
        )
    if factors.density < 1.0 or factors.energy < 1.0:
        why = ", ".join(dict.fromkeys(_gentler_because(goal.area, precautions, rules)))
        rationale.append(
            f"Gentler settings: density x{factors.density:g}, energy x{factors.energy:g} of the "
            f"full-face default ({why})."
        )
    rationale.extend(f"{line.rstrip('.')}." for line in left_out)
    return Recommendation(
        goal=goal,
        modality=modality,
        sessions=sessions,
        interval_weeks=interval,
        downtime_days=downtime,
        settings=factors,
        alternatives=tuple(alternatives),
        rationale=tuple(rationale),
        sources=provenance.labels,
        expert_opinion=provenance.expert_opinion,
    )


def _gentler_because(area: Area, precautions: Sequence[Finding], rules: RuleBase) -> list[str]:
    reasons = []
    if area in rules.settings.area_factors:
        kind = "a delicate area" if area.is_delicate else "an area with its own factor"
        reasons.append(f"{area.value} is {kind}")
    reasons += [f.code.value.replace("_", " ") for f in precautions if f.settings is not None]
    return reasons


def _range(span: Span) -> str:
    return f"{span.min:g}" if span.min == span.max else f"{span.min:g}-{span.max:g}"


def _cite(provenance: Provenance) -> str:
    if provenance.sources:
        return "; ".join(provenance.sources)
    return "clinic setting, expert opinion"
