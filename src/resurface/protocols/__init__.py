"""The clinic-editable rule base: YAML files with a source for every number, and their loader.

``load_rule_base()`` reads the files shipped in this folder; a clinic can point at its own copy
(``load_rule_base(Path("/etc/resurface/protocols"))``). Everything is checked at load: the shape of
each file, that every number is sourced or flagged as expert opinion, and that every code the
rules need is covered. A broken file raises ``ProtocolError`` naming the file and the key.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from resurface.domain.appointments import VISIT_KINDS
from resurface.domain.codes import AlertCode, Concern, Modality, PreTreatment, Score, Urgency
from resurface.domain.errors import ProtocolError
from resurface.domain.photo_metrics import METRIC_ORDER, RepeatabilityRules
from resurface.domain.rulebase import (
    AftercareRules,
    BookRules,
    ConcernGuide,
    DeferredTexts,
    FamilyGuide,
    GuideRules,
    ModalityFamily,
    PlanningRules,
    RecoveryProfile,
    RecoveryRules,
    ResponseRules,
    ResultTexts,
    RuleBase,
    ScaleRules,
    ScreeningRules,
    SessionTexts,
    SettingsRules,
    TriageRules,
    WarningTexts,
)
from resurface.protocols._consent_schema import ConsentFile
from resurface.protocols._provenance import check_numbers_are_sourced, key_path
from resurface.protocols._schema import (
    AftercareFile,
    AppointmentsFile,
    GuideFile,
    ModalitiesFile,
    RecoveryFile,
    RepeatabilityFile,
    ResponseFile,
    ScalesFile,
    ScreeningFile,
    SettingsFile,
    TriageFile,
)

__all__ = ["DEFAULT_DIRECTORY", "PROTOCOL_FILES", "load_rule_base"]

DEFAULT_DIRECTORY = Path(__file__).resolve().parent
PROTOCOL_FILES = (
    "scales.yaml",
    "screening.yaml",
    "modalities.yaml",
    "settings_limits.yaml",
    "recovery.yaml",
    "triage.yaml",
    "response.yaml",
    "aftercare.yaml",
    "appointments.yaml",
    "guide.yaml",
    "consent.yaml",
    "repeatability.yaml",
)

_M = TypeVar("_M", bound=BaseModel)


def load_rule_base(directory: Path | None = None) -> RuleBase:
    """Read and check every protocol file in ``directory`` (default: the shipped rule base).

    Raises
    ------
    ProtocolError
        A file is missing, is not valid YAML, does not match its schema, has a number without a
        source or expert-opinion flag, or leaves a code uncovered. The error names file and key.
    """
    folder = DEFAULT_DIRECTORY if directory is None else Path(directory)
    scales = _load(folder, "scales.yaml", ScalesFile)
    screening = _load(folder, "screening.yaml", ScreeningFile)
    modalities = _load(folder, "modalities.yaml", ModalitiesFile)
    settings = _load(folder, "settings_limits.yaml", SettingsFile)
    recovery = _load(folder, "recovery.yaml", RecoveryFile)
    triage = _load(folder, "triage.yaml", TriageFile)
    response = _load(folder, "response.yaml", ResponseFile)
    aftercare = _load(folder, "aftercare.yaml", AftercareFile)
    book = _load(folder, "appointments.yaml", AppointmentsFile)
    guide = _load(folder, "guide.yaml", GuideFile)
    consent = _load(folder, "consent.yaml", ConsentFile)
    _require("consent.yaml", "templates", consent.templates, Modality)
    repeatability = _load(folder, "repeatability.yaml", RepeatabilityFile)
    return RuleBase(
        scales=_scales(scales),
        screening=_screening(screening),
        planning=_planning(modalities),
        settings=_settings(settings),
        recovery=_recovery(recovery),
        triage=_triage(triage),
        response=_response(response),
        aftercare=_aftercare(aftercare),
        book=_book(book),
        guide=_guide(guide),
        consent=consent.to_domain(),
        repeatability=_repeatability(repeatability),
    )


def _repeatability(file: RepeatabilityFile) -> RepeatabilityRules:
    table = file.minimal_detectable_change
    _require("repeatability.yaml", "minimal_detectable_change.metrics", table.metrics, [
        m for m in METRIC_ORDER if m != "ita_category"
    ])  # fmt: skip
    changes = {
        (metric, kind): change
        for metric, model in table.metrics.items()
        for kind, change in model.to_domain().items()
    }
    provenance = table.provenance()
    return RepeatabilityRules(changes, provenance.sources + provenance.expert_notes)


def _load(folder: Path, name: str, model: type[_M]) -> _M:
    path = folder / name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ProtocolError(name, "<file>", f"cannot read {path}: {error.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "<file>"
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise ProtocolError(name, where, f"not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise ProtocolError(name, "<top level>", "must be a mapping of keys to values")
    check_numbers_are_sourced(data, name)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        parts = [p for p in first["loc"] if p not in ("entries", "[key]")]
        raise ProtocolError(name, key_path(parts), first["msg"]) from None


def _book(file: AppointmentsFile) -> BookRules:
    kinds = [k.value for k in VISIT_KINDS]
    _require("appointments.yaml", "durations", file.durations, kinds)
    unknown = sorted(set(file.durations) - set(kinds))
    if unknown:
        raise ProtocolError("appointments.yaml", f"durations.{unknown[0]}", "not a kind of visit")
    return BookRules({kind: entry.minutes for kind, entry in file.durations.items()})


def _require(file: str, key: str, present: Container[object], wanted: Iterable[object]) -> None:
    missing = [code for code in wanted if code not in present]
    if missing:
        names = ", ".join(str(code) for code in missing)
        raise ProtocolError(file, key, f"missing entries for {names}")


def _scales(file: ScalesFile) -> ScaleRules:
    scales = {name: scale.to_domain(name) for name, scale in file.scales.items()}
    return ScaleRules(file.fitzpatrick_questionnaire.to_domain(), scales)


def _screening(file: ScreeningFile) -> ScreeningRules:
    rules = tuple(rule.to_domain() for rule in file.rules)
    steps = tuple(step.to_domain() for step in file.pre_treatment)
    return ScreeningRules(rules, steps)


def _planning(file: ModalitiesFile) -> PlanningRules:
    _require("modalities.yaml", "modalities", file.modalities, Modality)
    _require("modalities.yaml", "preference", file.preference, Concern)
    healing = file.area_healing_factor
    return PlanningRules(
        profiles={m: profile.to_domain(m) for m, profile in file.modalities.items()},
        indications=tuple(indication.to_domain() for indication in file.indications),
        preference={c: tuple(order) for c, order in file.preference.items()},
        severity_steps=file.severity.to_domain(),
        severity_provenance=file.severity.provenance(),
        gentler_first_from=file.darker_skin.gentler_first_from,
        gentler_first_provenance=file.darker_skin.provenance(),
        area_healing_factor=dict(healing.entries),
        area_healing_provenance=healing.provenance(),
    )


def _settings(file: SettingsFile) -> SettingsRules:
    _require("settings_limits.yaml", "device_defaults", file.device_defaults, Modality)
    areas = file.area_factors
    provenance = areas.provenance()
    return SettingsRules(
        device_defaults={m: d.to_domain(m) for m, d in file.device_defaults.items()},
        area_factors={a: f.to_domain(provenance) for a, f in areas.entries.items()},
        plausible=file.plausible_ranges.to_domain(),
    )


def _recovery(file: RecoveryFile) -> RecoveryRules:
    _require("recovery.yaml", "curves", file.curves, Modality)
    profiles = {
        m: RecoveryProfile(m, curve.curves(), curve.provenance())
        for m, curve in file.curves.items()
    }
    factors = file.skin_type_healing_factor
    checkins = file.checkin_days
    _require("recovery.yaml", "checkin_days", checkins.entries, ModalityFamily)
    return RecoveryRules(
        course_days=file.course.days,
        profiles=profiles,
        skin_type_healing_factor=dict(factors.entries),
        skin_type_provenance=factors.provenance(),
        checkin_days={family: tuple(days) for family, days in checkins.entries.items()},
        checkin_provenance=checkins.provenance(),
    )


def _triage(file: TriageFile) -> TriageRules:
    scores = file.scores
    _require("triage.yaml", "scores.above_range", scores.above_range, Score)
    _require("triage.yaml", "messages", file.messages, AlertCode)
    _require("triage.yaml", "patient_action", file.patient_action, Urgency)
    return TriageRules(
        above_range={s: spec.to_domain() for s, spec in scores.above_range.items()},
        far_above_margin=scores.far_above_margin,
        far_above={s: spec.to_domain() for s, spec in scores.far_above.items()},
        rising_after_day=scores.rising_after_day,
        min_rise=scores.min_rise,
        rising={s: spec.to_domain() for s, spec in scores.rising.items()},
        red_flags=tuple(rule.to_domain() for rule in file.red_flags),
        texts={code: message.to_domain() for code, message in file.messages.items()},
        patient_action=dict(file.patient_action),
        provenance=scores.provenance(),
    )


def _response(file: ResponseFile) -> ResponseRules:
    _require("response.yaml", "concern_metric", file.concern_metric, Concern)
    general = {t.concern for t in file.targets if t.modality is None and t.area is None}
    _require("response.yaml", "targets (an entry without modality and area)", general, Concern)
    return ResponseRules(
        concern_metric=dict(file.concern_metric),
        redness_metric=file.redness_metric,
        lower_is_better=frozenset(file.lower_is_better),
        targets=tuple(target.to_domain() for target in file.targets),
        max_extra_sessions=file.reestimate.max_extra_sessions,
        reestimate_provenance=file.reestimate.provenance(),
    )


def _aftercare(file: AftercareFile) -> AftercareRules:
    families = file.families()
    return AftercareRules(
        phases={f: tuple(p.to_domain() for p in model.phases) for f, model in families.items()},
        provenance={f: model.provenance() for f, model in families.items()},
    )


def _guide(file: GuideFile) -> GuideRules:
    _require("guide.yaml", "concerns", file.concerns, Concern)
    _require("guide.yaml", "families", file.families, ModalityFamily)
    _require("guide.yaml", "preparation", file.preparation.entries, PreTreatment)
    s, d, w, r = file.sessions, file.deferred, file.warnings, file.results
    return GuideRules(
        link_margin_days=file.patient_link.margin_days,
        link_provenance=file.patient_link.provenance(),
        concerns={
            c: ConcernGuide(g.name, g.measure, _flat(g.text), g.provenance())
            for c, g in file.concerns.items()
        },
        families={
            f: FamilyGuide(
                g.name,
                _flat(g.explained),
                _flat(g.day_of),
                _flat(g.normal),
                g.makeup_from_day,
                _flat(g.sun),
                _flat(g.judge_results),
                g.provenance(),
            )
            for f, g in file.families.items()
        },
        sessions=SessionTexts(
            one=_flat(s.one),
            range=_flat(s.range),
            severity=_flat(s.severity),
            delicate_area=_flat(s.delicate_area),
            darker_skin=_flat(s.darker_skin),
            reestimate=_flat(s.reestimate),
            interval=_flat(s.interval),
            provenance=s.provenance(),
        ),
        preparation={code: _flat(text) for code, text in file.preparation.entries.items()},
        preparation_provenance=file.preparation.provenance(),
        deferred=DeferredTexts(
            d.heading,
            _flat(d.general),
            {code: _flat(text) for code, text in d.reasons.items()},
            _flat(d.other),
            d.provenance(),
        ),
        warnings=WarningTexts(
            tuple(_flat(sign) for sign in w.signs),
            _flat(w.call),
            _flat(w.call_without_phone),
            _flat(w.emergency),
            _flat(w.questions),
            _flat(w.questions_without_phone),
            w.provenance(),
        ),
        results=ResultTexts(_flat(r.expect), _flat(r.studied), _flat(r.unstudied), r.provenance()),
        pending=_flat(file.pending.text),
    )


def _flat(text: str) -> str:
    """Folded YAML keeps a trailing newline; the patient reads one line of words."""
    return " ".join(text.split())
