"""Pydantic schemas of the protocol files, and their conversion to the domain's rule-base objects.

Each ``*File`` model is one YAML file. Models only check shape and ranges; what a number means is
the domain's business. Mappings that mix provenance keys with entries (``neck: 0.6`` next to
``source:``) keep the entries under ``entries``, which error messages leave out.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
from resurface.domain.intake import MedicalHistory
from resurface.domain.photo_metrics import REGION_KINDS, DetectableChange
from resurface.domain.rulebase import (
    AftercarePhase,
    AlertSpec,
    AlertText,
    CurvePoint,
    DeviceDefaults,
    FitzpatrickQuestionnaire,
    Grade,
    GradedScale,
    ImprovementTarget,
    Indication,
    ModalityFamily,
    ModalityProfile,
    PlausibleRanges,
    PreTreatmentRule,
    Provenance,
    RedFlagRule,
    ScreeningRule,
    SettingsFactors,
    SeverityStep,
    Span,
    Trigger,
    TriggerKind,
)
from resurface.protocols._provenance import PROVENANCE_KEYS

Fraction = Annotated[float, Field(gt=0, le=1)]
ScoreValue = Annotated[float, Field(ge=0, le=10)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sourced(Strict):
    """A mapping that may say where its numbers come from."""

    source: str | list[str] | None = None
    expert_opinion: bool = False
    note: str = ""

    def provenance(self, inherited: Provenance | None = None) -> Provenance:
        sources = [self.source] if isinstance(self.source, str) else list(self.source or [])
        if not sources and not self.expert_opinion and inherited is not None:
            return inherited
        note = " ".join(self.note.split())
        if self.expert_opinion:
            return Provenance(tuple(sources), (note,))
        return Provenance(tuple(sources), notes=(note,) if note else ())

    @property
    def has_provenance(self) -> bool:
        return bool(self.source) or self.expert_opinion


class WithEntries(Sourced):
    """Provenance keys plus free entries (``area: factor``) in the same YAML mapping."""

    @model_validator(mode="before")
    @classmethod
    def _gather_entries(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        kept = {key: value for key, value in data.items() if key in PROVENANCE_KEYS}
        kept["entries"] = {k: v for k, v in data.items() if k not in PROVENANCE_KEYS}
        return kept


def _modalities(value: Literal["all"] | list[Modality]) -> frozenset[Modality]:
    return frozenset(Modality) if value == "all" else frozenset(value)


# --- scales.yaml --------------------------------------------------------------------------------


class GradeModel(Strict):
    code: str
    label: str
    description: str
    up_to: float | None = None

    def to_domain(self) -> Grade:
        return Grade(self.code, self.label, self.description, self.up_to)


def _check_bands(grades: list[GradeModel], score_min: float | None) -> None:
    bands = [g.up_to for g in grades]
    if all(b is None for b in bands):
        return
    if any(b is None for b in bands) or score_min is None:
        raise ValueError("either every grade has `up_to` (and the scale a `score_min`) or none")
    limits = [float(b) for b in bands if b is not None]
    if limits != sorted(set(limits)) or limits[0] < score_min:
        raise ValueError("`up_to` must rise from grade to grade, starting at or above `score_min`")


class ScaleModel(Sourced):
    title: str
    grades: list[GradeModel] = Field(min_length=1)
    score_min: float | None = None

    @model_validator(mode="after")
    def _valid(self) -> ScaleModel:
        codes = [g.code for g in self.grades]
        if len(set(codes)) != len(codes):
            raise ValueError("grade codes must be unique")
        _check_bands(self.grades, self.score_min)
        return self

    def to_domain(self, name: str) -> GradedScale:
        grades = tuple(g.to_domain() for g in self.grades)
        return GradedScale(name, self.title, grades, self.provenance(), self.score_min)


class QuestionnaireModel(Sourced):
    title: str
    items: int = Field(ge=1)
    answer_min: int = Field(ge=0)
    answer_max: int = Field(ge=1)
    types: list[GradeModel]

    @model_validator(mode="after")
    def _valid(self) -> QuestionnaireModel:
        if [t.code for t in self.types] != [t.value for t in FitzpatrickType]:
            raise ValueError("types must be I, II, III, IV, V, VI in that order")
        _check_bands(self.types, self.items * self.answer_min)
        if self.types[-1].up_to != self.items * self.answer_max:
            raise ValueError("the last type's `up_to` must be the highest possible total")
        return self

    def to_domain(self) -> FitzpatrickQuestionnaire:
        types = tuple(t.to_domain() for t in self.types)
        return FitzpatrickQuestionnaire(
            self.items, self.answer_min, self.answer_max, types, self.provenance()
        )


class ScalesFile(Strict):
    fitzpatrick_questionnaire: QuestionnaireModel
    scales: dict[str, ScaleModel]


# --- screening.yaml -----------------------------------------------------------------------------


_NUMERIC_ANSWERS = frozenset({"isotretinoin_months_since_last_dose"})


class WhenModel(Strict):
    answer: str | None = None
    below: float | None = None
    skin_type_from: FitzpatrickType | None = None
    delicate_area: bool = False

    @model_validator(mode="after")
    def _valid(self) -> WhenModel:
        kinds = [self.answer is not None, self.skin_type_from is not None, self.delicate_area]
        if sum(kinds) != 1:
            raise ValueError("give exactly one of `answer`, `skin_type_from`, `delicate_area`")
        if self.answer is not None:
            if self.answer not in MedicalHistory.question_names():
                raise ValueError(f"`answer` {self.answer!r} is not a medical-history question")
            if (self.below is not None) != (self.answer in _NUMERIC_ANSWERS):
                raise ValueError("`below` goes with (and only with) a numeric history answer")
        elif self.below is not None:
            raise ValueError("`below` goes with a numeric history `answer`")
        return self

    def to_domain(self) -> Trigger:
        if self.delicate_area:
            return Trigger(TriggerKind.DELICATE_AREA)
        if self.skin_type_from is not None:
            return Trigger(TriggerKind.SKIN_TYPE_FROM, skin_type=self.skin_type_from)
        kind = TriggerKind.ANSWER_YES if self.below is None else TriggerKind.ANSWER_BELOW
        return Trigger(kind, answer=self.answer or "", below=self.below)


class FactorModel(Strict):
    density: Fraction
    energy: Fraction

    def to_domain(self, provenance: Provenance) -> SettingsFactors:
        return SettingsFactors(self.density, self.energy, provenance)


class ScreeningRuleModel(Sourced):
    code: Contraindication
    when: WhenModel
    action: ScreeningAction
    modalities: Literal["all"] | list[Modality]
    reason: str = Field(min_length=1)
    settings: FactorModel | None = None

    @model_validator(mode="after")
    def _valid(self) -> ScreeningRuleModel:
        if not self.has_provenance:
            raise ValueError("every rule needs `source:` or `expert_opinion: true` with a note")
        return self

    def to_domain(self) -> ScreeningRule:
        provenance = self.provenance()
        settings = None if self.settings is None else self.settings.to_domain(provenance)
        return ScreeningRule(
            self.code,
            self.action,
            _modalities(self.modalities),
            self.when.to_domain(),
            " ".join(self.reason.split()),
            provenance,
            settings,
        )


class PreTreatmentModel(Sourced):
    code: PreTreatment
    detail: str = Field(min_length=1)
    modalities: Literal["all"] | list[Modality] = "all"
    when_found: list[Contraindication] = []

    @model_validator(mode="after")
    def _valid(self) -> PreTreatmentModel:
        if not self.has_provenance:
            raise ValueError("every step needs `source:` or `expert_opinion: true` with a note")
        return self

    def to_domain(self) -> PreTreatmentRule:
        return PreTreatmentRule(
            self.code,
            " ".join(self.detail.split()),
            _modalities(self.modalities),
            frozenset(self.when_found),
            self.provenance(),
        )


class ScreeningFile(Strict):
    rules: list[ScreeningRuleModel]
    pre_treatment: list[PreTreatmentModel]


# --- modalities.yaml ----------------------------------------------------------------------------


class SpanModel(Sourced):
    min: float = Field(ge=0)
    max: float = Field(ge=0)

    @model_validator(mode="after")
    def _valid(self) -> SpanModel:
        if self.min > self.max:
            raise ValueError("`min` is above `max`")
        return self

    def to_domain(self, inherited: Provenance | None = None) -> Span:
        return Span(self.min, self.max, self.provenance(inherited))


class SessionSpanModel(SpanModel):
    min: float = Field(ge=1, multiple_of=1)
    max: float = Field(ge=1, multiple_of=1)


class ProfileModel(Strict):
    name: str
    healing_days: SpanModel
    downtime_days: SpanModel
    interval_weeks: SpanModel

    def to_domain(self, modality: Modality) -> ModalityProfile:
        return ModalityProfile(
            modality,
            self.name,
            self.healing_days.to_domain(),
            self.downtime_days.to_domain(),
            self.interval_weeks.to_domain(),
        )


class IndicationModel(Strict):
    modality: Modality
    concerns: list[Concern] = Field(min_length=1)
    areas: list[Area] = []
    sessions: SessionSpanModel
    interval_weeks: SpanModel | None = None

    def to_domain(self) -> Indication:
        interval = None if self.interval_weeks is None else self.interval_weeks.to_domain()
        return Indication(
            self.modality,
            frozenset(self.concerns),
            frozenset(self.areas),
            self.sessions.to_domain(),
            interval,
        )


class StepModel(Strict):
    position: float = Field(ge=0, le=1)
    extra_max: int = Field(ge=0)


class SeverityModel(Sourced):
    mild: StepModel
    moderate: StepModel
    severe: StepModel

    @model_validator(mode="after")
    def _valid(self) -> SeverityModel:
        steps = [self.mild, self.moderate, self.severe]
        if [s.position for s in steps] != sorted(s.position for s in steps):
            raise ValueError("`position` must not fall from mild to moderate to severe")
        if [s.extra_max for s in steps] != sorted(s.extra_max for s in steps):
            raise ValueError("`extra_max` must not fall from mild to moderate to severe")
        return self

    def to_domain(self) -> dict[Severity, SeverityStep]:
        steps = {Severity.MILD: self.mild, Severity.MODERATE: self.moderate}
        steps[Severity.SEVERE] = self.severe
        return {sev: SeverityStep(sev, s.position, s.extra_max) for sev, s in steps.items()}


class DarkerSkinModel(Sourced):
    gentler_first_from: FitzpatrickType


class AreaHealingModel(WithEntries):
    entries: dict[Area, Annotated[float, Field(ge=1)]]


class ModalitiesFile(Strict):
    modalities: dict[Modality, ProfileModel]
    indications: list[IndicationModel]
    preference: dict[Concern, list[Modality]]
    severity: SeverityModel
    darker_skin: DarkerSkinModel
    area_healing_factor: AreaHealingModel


# --- settings_limits.yaml -----------------------------------------------------------------------


class DeviceModel(Sourced):
    energy_max: float = Field(gt=0)
    energy_unit: str
    density_max_pct: float | None = Field(default=None, gt=0, le=100)
    passes_max: int | None = Field(default=None, ge=1)

    def to_domain(self, modality: Modality) -> DeviceDefaults:
        return DeviceDefaults(
            modality,
            self.energy_max,
            self.energy_unit,
            self.density_max_pct,
            self.passes_max,
            self.provenance(),
        )


class AreaFactorsModel(WithEntries):
    entries: dict[Area, FactorModel]


PositiveRange = tuple[Annotated[float, Field(gt=0)], Annotated[float, Field(gt=0)]]


class PlausibleModel(Sourced):
    energy_mj: PositiveRange
    fluence_j_cm2: PositiveRange
    spot_size_mm: PositiveRange
    pulse_duration_ms: PositiveRange

    @model_validator(mode="after")
    def _low_below_high(self) -> PlausibleModel:
        for name, (low, high) in self.ranges().items():
            if low >= high:
                raise ValueError(f"{name}: the low end must be below the high end")
        return self

    def ranges(self) -> dict[str, tuple[float, float]]:
        return {
            "energy_mj": self.energy_mj,
            "fluence_j_cm2": self.fluence_j_cm2,
            "spot_size_mm": self.spot_size_mm,
            "pulse_duration_ms": self.pulse_duration_ms,
        }

    def to_domain(self) -> PlausibleRanges:
        return PlausibleRanges(self.ranges(), self.provenance())


class SettingsFile(Strict):
    device_defaults: dict[Modality, DeviceModel]
    plausible_ranges: PlausibleModel
    area_factors: AreaFactorsModel


# --- recovery.yaml ------------------------------------------------------------------------------

Point = tuple[Annotated[float, Field(ge=0)], ScoreValue, ScoreValue]


def _curve(points: list[Point]) -> tuple[CurvePoint, ...]:
    return tuple(CurvePoint(day, low, high) for day, low, high in points)


class CurveModel(Sourced):
    redness: list[Point] = Field(min_length=1)
    swelling: list[Point] = Field(min_length=1)
    irritation: list[Point] = Field(min_length=1)
    pain: list[Point] = Field(min_length=1)
    itch: list[Point] = Field(min_length=1)

    @model_validator(mode="after")
    def _valid(self) -> CurveModel:
        for score in Score:
            points: list[Point] = getattr(self, score.value)
            days = [p[0] for p in points]
            if days[0] != 0 or days != sorted(set(days)):
                raise ValueError(f"{score.value}: key days must start at 0 and rise")
            if any(low > high for _, low, high in points):
                raise ValueError(f"{score.value}: a band has low above high")
        return self

    def curves(self) -> dict[Score, tuple[CurvePoint, ...]]:
        return {score: _curve(getattr(self, score.value)) for score in Score}


class CourseModel(Sourced):
    days: int = Field(ge=90)


class SkinTypeFactorModel(WithEntries):
    entries: dict[FitzpatrickType, Annotated[float, Field(gt=0)]]


class CheckinDaysModel(WithEntries):
    """Days after treatment to check in on, per modality family (rising, from day 1)."""

    entries: dict[ModalityFamily, list[Annotated[int, Field(ge=1)]]]

    @model_validator(mode="after")
    def _valid(self) -> CheckinDaysModel:
        for family, days in self.entries.items():
            if not days or days != sorted(set(days)):
                raise ValueError(f"{family.value}: give at least one day, rising, without repeats")
        return self


class RecoveryFile(Strict):
    course: CourseModel
    curves: dict[Modality, CurveModel]
    skin_type_healing_factor: SkinTypeFactorModel
    checkin_days: CheckinDaysModel


# --- triage.yaml --------------------------------------------------------------------------------


class AlertSpecModel(Strict):
    code: AlertCode
    urgency: Urgency

    def to_domain(self) -> AlertSpec:
        return AlertSpec(self.code, self.urgency)


class ScoreRulesModel(Sourced):
    above_range: dict[Score, AlertSpecModel]
    far_above_margin: float = Field(gt=0)
    far_above: dict[Score, AlertSpecModel]
    rising_after_day: int = Field(ge=0)
    min_rise: int = Field(ge=1)
    rising: dict[Score, AlertSpecModel]


class RedFlagModel(Sourced):
    flag: RedFlag
    code: AlertCode
    urgency: Urgency
    from_day: int = Field(default=0, ge=0)
    with_score: Score | None = None
    score_at_least: int | None = Field(default=None, ge=0, le=10)
    otherwise: Urgency | None = None
    darker_from: FitzpatrickType | None = None
    darker_urgency: Urgency | None = None

    @model_validator(mode="after")
    def _valid(self) -> RedFlagModel:
        if (self.with_score is None) != (self.score_at_least is None):
            raise ValueError("`with_score` and `score_at_least` go together")
        if (self.darker_from is None) != (self.darker_urgency is None):
            raise ValueError("`darker_from` and `darker_urgency` go together")
        return self

    def to_domain(self) -> RedFlagRule:
        return RedFlagRule(
            self.flag,
            self.code,
            self.urgency,
            self.provenance(),
            self.from_day,
            self.with_score,
            self.score_at_least,
            self.otherwise,
            self.darker_from,
            self.darker_urgency,
        )


class MessageModel(Strict):
    staff: str = Field(min_length=1)
    patient: str = Field(min_length=1)

    def to_domain(self) -> AlertText:
        return AlertText(self.staff, self.patient)


class TriageFile(Strict):
    scores: ScoreRulesModel
    red_flags: list[RedFlagModel]
    patient_action: dict[Urgency, str]
    messages: dict[AlertCode, MessageModel]


# --- response.yaml ------------------------------------------------------------------------------


class TargetModel(Sourced):
    concern: Concern
    modality: Modality | None = None
    area: Area | None = None
    improvement_pct: float = Field(gt=0, le=100)

    def to_domain(self) -> ImprovementTarget:
        return ImprovementTarget(
            self.concern, self.improvement_pct, self.provenance(), self.modality, self.area
        )


class ReestimateModel(Sourced):
    max_extra_sessions: int = Field(ge=0)


class ResponseFile(Strict):
    concern_metric: dict[Concern, str | None]
    redness_metric: str
    lower_is_better: list[str]
    targets: list[TargetModel]
    reestimate: ReestimateModel


# --- aftercare.yaml -----------------------------------------------------------------------------


class PhaseModel(Strict):
    from_day: int = Field(ge=0)
    to_day: int | None = Field(default=None, ge=0)
    title: str
    cleansing: str
    moisturising: str
    sun_protection: str
    avoid: list[str]

    def to_domain(self) -> AftercarePhase:
        return AftercarePhase(
            self.from_day,
            self.to_day,
            self.title,
            self.cleansing,
            self.moisturising,
            self.sun_protection,
            tuple(self.avoid),
        )


class FamilyModel(Sourced):
    phases: list[PhaseModel] = Field(min_length=1)

    @model_validator(mode="after")
    def _valid(self) -> FamilyModel:
        expected_start = 0
        for phase in self.phases[:-1]:
            if phase.from_day != expected_start or phase.to_day is None:
                raise ValueError("phases must follow each other day by day from day 0")
            if phase.to_day < phase.from_day:
                raise ValueError("a phase ends before it starts")
            expected_start = phase.to_day + 1
        last = self.phases[-1]
        if last.from_day != expected_start or last.to_day is not None:
            raise ValueError("the last phase must follow on and have no `to_day`")
        return self


class AftercareFile(Strict):
    fully_ablative: FamilyModel
    fractional_ablative: FamilyModel
    nonablative: FamilyModel

    def families(self) -> dict[ModalityFamily, FamilyModel]:
        return {family: getattr(self, family.value) for family in ModalityFamily}


class DurationModel(Strict):
    minutes: Annotated[int, Field(ge=5, le=480)]
    expert_opinion: bool | None = None
    note: str | None = None
    source: str | list[str] | None = None


class AppointmentsFile(Strict):
    durations: dict[str, DurationModel]


# --- guide.yaml -------------------------------------------------------------------------------


class LinkModel(Sourced):
    margin_days: int = Field(ge=0, le=3650)


class ConcernGuideModel(Sourced):
    name: str = Field(min_length=1)
    measure: str = Field(min_length=1)
    text: str = Field(min_length=1)


class FamilyGuideModel(Sourced):
    name: str = Field(min_length=1)
    explained: str = Field(min_length=1)
    day_of: str = Field(min_length=1)
    normal: str = Field(min_length=1)
    makeup_from_day: int = Field(ge=0, le=365)
    sun: str = Field(min_length=1)
    judge_results: str = Field(min_length=1)


class SessionTextsModel(Sourced):
    one: str
    range: str
    severity: str
    delicate_area: str
    darker_skin: str
    reestimate: str
    interval: str


class PreparationModel(WithEntries):
    entries: dict[PreTreatment, str] = Field(default_factory=dict)


class DeferredModel(Sourced):
    heading: str
    general: str
    reasons: dict[Contraindication, str] = Field(default_factory=dict)
    other: str


class WarningsModel(Sourced):
    signs: list[str] = Field(min_length=1)
    call: str
    call_without_phone: str
    emergency: str
    questions: str
    questions_without_phone: str


class ResultsModel(Sourced):
    expect: str
    studied: str
    unstudied: str


class PendingModel(Sourced):
    text: str = Field(min_length=1)


class GuideFile(Strict):
    patient_link: LinkModel
    pending: PendingModel
    concerns: dict[Concern, ConcernGuideModel]
    families: dict[ModalityFamily, FamilyGuideModel]
    sessions: SessionTextsModel
    preparation: PreparationModel
    deferred: DeferredModel
    warnings: WarningsModel
    results: ResultsModel


# --- repeatability.yaml -------------------------------------------------------------------------


class MetricChangeModel(Strict):
    """A metric's minimal detectable change per kind of region."""

    relative: bool
    floor: float = Field(default=0.0, ge=0)
    forehead: float = Field(gt=0)
    periorbital: float = Field(gt=0)
    perioral: float = Field(gt=0)
    cheek: float = Field(gt=0)
    drawn: float = Field(gt=0)

    def to_domain(self) -> dict[str, DetectableChange]:
        return {
            kind: DetectableChange(float(getattr(self, kind)), self.relative, self.floor)
            for kind in REGION_KINDS
        }


class RepeatabilityTable(Sourced):
    method: str
    metrics: dict[str, MetricChangeModel]


class RepeatabilityFile(Strict):
    minimal_detectable_change: RepeatabilityTable
