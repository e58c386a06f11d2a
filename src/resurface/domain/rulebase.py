"""The clinic's rule base as plain dataclasses.

``resurface.protocols.load_rule_base`` reads the YAML files in ``protocols/`` and builds these
objects; the domain rules take them as arguments, so every clinical number reaches the code from a
file that names its source (or says it is the clinic's own expert-opinion setting).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from resurface.domain.codes import (
    AlertCode,
    Area,
    Concern,
    Contraindication,
    FitzpatrickType,
    Modality,
    PreTreatment,
    RedFlag,
    Score,
    ScreeningAction,
    Severity,
    Urgency,
)
from resurface.domain.photo_metrics import RepeatabilityRules

if TYPE_CHECKING:  # domain.consent reads Provenance from here
    from resurface.domain.consent import ConsentRules

# --- provenance -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Provenance:
    """Where numbers or rules come from: published sources and/or the clinic's expert opinion.

    ``expert_notes`` holds one note per clinic-set (expert-opinion) value; ``notes`` are remarks
    on sourced values.
    """

    sources: tuple[str, ...] = ()
    expert_notes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def expert_opinion(self) -> bool:
        return bool(self.expert_notes)

    @property
    def labels(self) -> tuple[str, ...]:
        """Human-readable source list; each expert-opinion setting is named as such."""
        flagged = tuple(f"expert opinion (clinic setting): {note}" for note in self.expert_notes)
        return self.sources + flagged

    def merged(self, other: Provenance) -> Provenance:
        """Both provenances together, in order, without repeats."""
        return Provenance(
            _unique(self.sources + other.sources),
            _unique(self.expert_notes + other.expert_notes),
            _unique(self.notes + other.notes),
        )


def _unique(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


@dataclass(frozen=True)
class Span:
    """An inclusive range of a clinical quantity, with where the figures come from."""

    min: float
    max: float
    provenance: Provenance = field(default_factory=Provenance)


# --- scales -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grade:
    """One grade of a scale. ``up_to`` is the highest score that still falls in this grade."""

    code: str
    label: str
    description: str
    up_to: float | None = None


@dataclass(frozen=True)
class GradedScale:
    """A published grading scale: grades looked up by code, or by score when bands are given."""

    name: str
    title: str
    grades: tuple[Grade, ...]
    provenance: Provenance
    score_min: float | None = None


@dataclass(frozen=True)
class FitzpatrickQuestionnaire:
    """The skin-type questionnaire: ``items`` answers of ``answer_min``..``answer_max`` each."""

    items: int
    answer_min: int
    answer_max: int
    types: tuple[Grade, ...]  # codes I..VI with their ``up_to`` cut-offs
    provenance: Provenance


@dataclass(frozen=True)
class ScaleRules:
    fitzpatrick: FitzpatrickQuestionnaire
    scales: Mapping[str, GradedScale]


# --- screening ----------------------------------------------------------------------------------


class TriggerKind(StrEnum):
    """What in the patient's record sets a screening rule off."""

    ANSWER_YES = "answer_yes"  # a yes/no history answer is "yes"
    ANSWER_BELOW = "answer_below"  # a numeric history answer is present and below a limit
    SKIN_TYPE_FROM = "skin_type_from"  # Fitzpatrick type at or above a type
    DELICATE_AREA = "delicate_area"  # a goal is in a delicate area


@dataclass(frozen=True)
class Trigger:
    kind: TriggerKind
    answer: str = ""
    below: float | None = None
    skin_type: FitzpatrickType | None = None


@dataclass(frozen=True)
class SettingsFactors:
    """Multipliers of the full-face default maximum energy and density (1.0 = no change)."""

    density: float
    energy: float
    provenance: Provenance = field(default_factory=Provenance)


@dataclass(frozen=True)
class ScreeningRule:
    code: Contraindication
    action: ScreeningAction
    modalities: frozenset[Modality]
    trigger: Trigger
    reason: str
    provenance: Provenance
    settings: SettingsFactors | None = None


@dataclass(frozen=True)
class PreTreatmentRule:
    """A step before treatment. Applies when the plan uses one of ``modalities`` (empty: any) and,
    if ``when_found`` is not empty, when screening found one of those codes."""

    code: PreTreatment
    detail: str
    modalities: frozenset[Modality]
    when_found: frozenset[Contraindication]
    provenance: Provenance


@dataclass(frozen=True)
class ScreeningRules:
    rules: tuple[ScreeningRule, ...]
    pre_treatment: tuple[PreTreatmentRule, ...]


# --- planning -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModalityProfile:
    """What a modality costs the patient: healing time, social downtime, session interval."""

    modality: Modality
    name: str
    healing_days: Span
    downtime_days: Span
    interval_weeks: Span


@dataclass(frozen=True)
class Indication:
    """A published (or clinic-set) session range for a modality treating some concerns.

    ``areas`` empty means every area; an indication naming the area wins over one that does not.
    """

    modality: Modality
    concerns: frozenset[Concern]
    areas: frozenset[Area]
    sessions: Span
    interval_weeks: Span | None = None


@dataclass(frozen=True)
class SeverityStep:
    """Where in the published range a severity lands: 0 = low end, 1 = high end."""

    severity: Severity
    position: float
    extra_max: int


@dataclass(frozen=True)
class PlanningRules:
    profiles: Mapping[Modality, ModalityProfile]
    indications: tuple[Indication, ...]
    preference: Mapping[Concern, tuple[Modality, ...]]
    severity_steps: Mapping[Severity, SeverityStep]
    severity_provenance: Provenance
    gentler_first_from: FitzpatrickType
    gentler_first_provenance: Provenance
    area_healing_factor: Mapping[Area, float]
    area_healing_provenance: Provenance


# --- settings limits ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceDefaults:
    """Full-face default maxima for a modality, set by the clinic from its device manual."""

    modality: Modality
    energy_max: float
    energy_unit: str
    density_max_pct: float | None
    passes_max: int | None
    provenance: Provenance


@dataclass(frozen=True)
class PlausibleRanges:
    """What a resurfacing laser can deliver at all, per recorded setting (``energy_mj`` ...):
    outside it a value is a typing error, not a setting beyond the limits."""

    ranges: Mapping[str, tuple[float, float]]
    provenance: Provenance


@dataclass(frozen=True)
class SettingsRules:
    device_defaults: Mapping[Modality, DeviceDefaults]
    area_factors: Mapping[Area, SettingsFactors]
    plausible: PlausibleRanges


# --- recovery and triage ------------------------------------------------------------------------


@dataclass(frozen=True)
class CurvePoint:
    day: float
    low: float
    high: float


@dataclass(frozen=True)
class RecoveryProfile:
    """Expected score bands on key days after treatment; days in between are interpolated."""

    modality: Modality
    curves: Mapping[Score, tuple[CurvePoint, ...]]
    provenance: Provenance


@dataclass(frozen=True)
class RecoveryRules:
    course_days: int
    profiles: Mapping[Modality, RecoveryProfile]
    skin_type_healing_factor: Mapping[FitzpatrickType, float]
    skin_type_provenance: Provenance
    checkin_days: Mapping[ModalityFamily, tuple[int, ...]] = field(default_factory=dict)
    """Days after treatment on which the patient checks in, per modality family."""
    checkin_provenance: Provenance = field(default_factory=Provenance)


@dataclass(frozen=True)
class AlertSpec:
    code: AlertCode
    urgency: Urgency


@dataclass(frozen=True)
class RedFlagRule:
    """How one red-flag answer becomes an alert.

    ``with_score``/``score_at_least``: the flag is only as urgent as ``urgency`` when that score is
    high enough, otherwise ``otherwise`` (``None``: no alert). ``from_day``: ignore earlier answers.
    ``darker_from``: skin types at or above it get ``darker_urgency``.
    """

    flag: RedFlag
    code: AlertCode
    urgency: Urgency
    provenance: Provenance
    from_day: int = 0
    with_score: Score | None = None
    score_at_least: int | None = None
    otherwise: Urgency | None = None
    darker_from: FitzpatrickType | None = None
    darker_urgency: Urgency | None = None


@dataclass(frozen=True)
class AlertText:
    staff: str
    patient: str


@dataclass(frozen=True)
class TriageRules:
    above_range: Mapping[Score, AlertSpec]
    far_above_margin: float
    far_above: Mapping[Score, AlertSpec]
    rising_after_day: int
    min_rise: int
    rising: Mapping[Score, AlertSpec]
    red_flags: tuple[RedFlagRule, ...]
    texts: Mapping[AlertCode, AlertText]
    patient_action: Mapping[Urgency, str]
    provenance: Provenance


# --- response and re-estimate -------------------------------------------------------------------


@dataclass(frozen=True)
class ImprovementTarget:
    """Expected improvement of a concern over the whole course (percent of the tied metric)."""

    concern: Concern
    improvement_pct: float
    provenance: Provenance
    modality: Modality | None = None
    area: Area | None = None


@dataclass(frozen=True)
class ResponseRules:
    concern_metric: Mapping[Concern, str | None]
    redness_metric: str
    lower_is_better: frozenset[str]
    targets: tuple[ImprovementTarget, ...]
    max_extra_sessions: int
    reestimate_provenance: Provenance


# --- aftercare ----------------------------------------------------------------------------------


class ModalityFamily(StrEnum):
    FULLY_ABLATIVE = "fully_ablative"
    FRACTIONAL_ABLATIVE = "fractional_ablative"
    NONABLATIVE = "nonablative"

    @classmethod
    def of(cls, modality: Modality) -> ModalityFamily:
        if modality.is_fully_ablative:
            return cls.FULLY_ABLATIVE
        return cls.FRACTIONAL_ABLATIVE if modality.is_ablative else cls.NONABLATIVE


@dataclass(frozen=True)
class AftercarePhase:
    from_day: int
    to_day: int | None  # None: from ``from_day`` on
    title: str
    cleansing: str
    moisturising: str
    sun_protection: str
    avoid: tuple[str, ...]


@dataclass(frozen=True)
class AftercareRules:
    phases: Mapping[ModalityFamily, tuple[AftercarePhase, ...]]
    provenance: Mapping[ModalityFamily, Provenance]


@dataclass(frozen=True)
class BookRules:
    """Default lengths of appointments, in minutes, by kind (``AppointmentKind`` values); the
    clinic's own settings replace them."""

    durations: Mapping[str, int]

    def minutes(self, kind: str) -> int:
        return self.durations.get(kind, 30)


# --- the patient's guide ------------------------------------------------------------------------


@dataclass(frozen=True)
class ConcernGuide:
    """A concern in the patient's words: its name, what is measured, what treatment does."""

    name: str
    measure: str
    text: str
    provenance: Provenance


@dataclass(frozen=True)
class FamilyGuide:
    """One kind of treatment explained to the patient."""

    name: str
    explained: str
    day_of: str
    normal: str
    makeup_from_day: int
    sun: str
    judge_results: str
    provenance: Provenance


@dataclass(frozen=True)
class SessionTexts:
    one: str
    range: str
    severity: str
    delicate_area: str
    darker_skin: str
    reestimate: str
    interval: str
    provenance: Provenance


@dataclass(frozen=True)
class DeferredTexts:
    heading: str
    general: str
    reasons: Mapping[Contraindication, str]
    other: str
    provenance: Provenance


@dataclass(frozen=True)
class WarningTexts:
    signs: tuple[str, ...]
    call: str
    call_without_phone: str
    emergency: str
    questions: str
    questions_without_phone: str
    provenance: Provenance


@dataclass(frozen=True)
class ResultTexts:
    expect: str
    studied: str
    unstudied: str
    provenance: Provenance


@dataclass(frozen=True)
class GuideRules:
    """Every text of the patient's guide (clinic-editable templates) and the patient link's
    margin after the series. Sources are for staff only."""

    link_margin_days: int
    link_provenance: Provenance
    concerns: Mapping[Concern, ConcernGuide]
    families: Mapping[ModalityFamily, FamilyGuide]
    sessions: SessionTexts
    preparation: Mapping[PreTreatment, str]
    preparation_provenance: Provenance
    deferred: DeferredTexts
    warnings: WarningTexts
    results: ResultTexts
    pending: str
    """Shown while the patient has no decided plan yet."""


# --- the whole rule base ------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleBase:
    scales: ScaleRules
    screening: ScreeningRules
    planning: PlanningRules
    settings: SettingsRules
    recovery: RecoveryRules
    triage: TriageRules
    response: ResponseRules
    aftercare: AftercareRules
    consent: ConsentRules
    guide: GuideRules
    book: BookRules = field(default_factory=lambda: BookRules({}))
    repeatability: RepeatabilityRules = field(default_factory=RepeatabilityRules)
