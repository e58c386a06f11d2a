"""Clinical use cases for the CLI and the web app: plain mappings in, plain dicts out.

Each function parses its input into domain objects (every error names the field), calls the
domain rules with the clinic's rule base, and returns the JSON shape documented in issue 3.
Nothing here is saved; no unit of work is needed.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from resurface.domain.aftercare import aftercare_for_day
from resurface.domain.checkin import CheckIn
from resurface.domain.codes import (
    Area,
    Concern,
    FitzpatrickType,
    Modality,
    RedFlag,
    Score,
    Severity,
)
from resurface.domain.errors import InvalidInput
from resurface.domain.intake import Goal, MedicalHistory, Preferences
from resurface.domain.planning import (
    PatientFacts,
    propose_treatment,
)
from resurface.domain.recovery import expected_course
from resurface.domain.reestimate import reestimate_sessions
from resurface.domain.rulebase import RuleBase, Span
from resurface.domain.scales import (
    fitzpatrick_type_from_answers,
    grade_by_code,
    grade_by_score,
    scale_named,
)
from resurface.domain.screening import screen
from resurface.domain.settings_limits import RecordedSettings, check_settings, settings_limits
from resurface.domain.triage import triage
from resurface.protocols import load_rule_base
from resurface.services.plans import proposal_to_json

__all__ = [
    "PlanningCase",
    "aftercare_advice",
    "check_recorded_settings",
    "expected_recovery",
    "fitzpatrick_from_answers",
    "grade_on_scale",
    "parse_planning_case",
    "plan_case",
    "reestimate",
    "rule_base",
    "triage_case",
]

Json = dict[str, Any]
_E = TypeVar("_E", bound=StrEnum)
_MAX_AGE = 120  # a sanity bound on input, not a clinical rule


@functools.lru_cache(maxsize=8)
def rule_base(directory: Path | None = None) -> RuleBase:
    """The clinic's rule base (the shipped one when ``directory`` is ``None``), loaded once."""
    return load_rule_base(directory)


# --- planning -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanningCase:
    """A consultation case parsed from JSON: who, history, goals, preferences."""

    patient: PatientFacts
    history: MedicalHistory
    goals: tuple[Goal, ...]
    preferences: Preferences


def parse_planning_case(case: object, rules: RuleBase) -> PlanningCase:
    """Parse the ``resurface plan`` case; errors name the field (``goals[1].area`` ...)."""
    root = _mapping(case, "case")
    _only(root, "case", {"patient", "history", "goals", "preferences"})
    patient = _patient(_required(root, "patient", "case"), rules)
    history = _history(root.get("history", {}))
    raw_goals = _list(_required(root, "goals", "case"), "goals")
    goals = tuple(_goal(item, f"goals[{i}]") for i, item in enumerate(raw_goals))
    preferences = _preferences(root.get("preferences", {}))
    return PlanningCase(patient, history, goals, preferences)


def plan_case(case: object, rules: RuleBase) -> Json:
    """``resurface plan``: screening, recommendations and schedule for a consultation case."""
    parsed = parse_planning_case(case, rules)
    proposal = propose_treatment(
        rules, parsed.patient, parsed.history, parsed.goals, parsed.preferences
    )
    return proposal_to_json(proposal)


# --- recovery -----------------------------------------------------------------------------------


def expected_recovery(modality: str, area: str, skin_type: str, rules: RuleBase) -> Json:
    """``resurface recovery expect``: the expected band of every score for each day."""
    course = expected_course(
        rules,
        _code(Modality, modality, "modality"),
        _code(Area, area, "area"),
        _code(FitzpatrickType, skin_type, "skin_type"),
    )
    return {
        "healing_days": _span(course.healing_days),
        "days": [
            {
                "day": day.day,
                **{s.value: {"low": _n(b.low), "high": _n(b.high)} for s, b in day.bands.items()},
            }
            for day in course.days
        ],
        "sources": list(course.sources),
    }


def triage_case(case: object, rules: RuleBase) -> Json:
    """``resurface recovery triage``: status and alerts for a series of check-ins."""
    root = _mapping(case, "case")
    _only(root, "case", {"modality", "area", "skin_type", "treated_on", "checkins"})
    modality = _code(Modality, _required(root, "modality", "case"), "modality")
    area = _code(Area, _required(root, "area", "case"), "area")
    skin_type = _code(FitzpatrickType, _required(root, "skin_type", "case"), "skin_type")
    treated_on = _date(_required(root, "treated_on", "case"), "treated_on")
    raw = _list(_required(root, "checkins", "case"), "checkins")
    checkins = [_checkin(item, f"checkins[{i}]") for i, item in enumerate(raw)]
    result = triage(rules, modality, area, skin_type, treated_on, checkins)
    return {
        "status": result.status.value,
        "alerts": [
            {
                "code": a.code.value,
                "urgency": a.urgency.value,
                "day": a.day,
                "message": a.message,
                "patient_message": a.patient_message,
            }
            for a in result.alerts
        ],
    }


def aftercare_advice(modality: str, day: int, rules: RuleBase) -> Json:
    """Aftercare for a day after treatment with a modality."""
    advice = aftercare_for_day(rules.aftercare, _code(Modality, modality, "modality"), day)
    return {
        "day": advice.day,
        "family": advice.family.value,
        "title": advice.title,
        "cleansing": advice.cleansing,
        "moisturising": advice.moisturising,
        "sun_protection": advice.sun_protection,
        "avoid": list(advice.avoid),
        "sources": list(advice.sources),
    }


# --- scales, response, settings -----------------------------------------------------------------


def fitzpatrick_from_answers(answers: str | Sequence[object], rules: RuleBase) -> Json:
    """``resurface scale fitzpatrick``: ten answers (comma-separated text or a list) -> type."""
    items = answers.split(",") if isinstance(answers, str) else list(answers)
    values = [_answer(item, f"answers item {i}") for i, item in enumerate(items, start=1)]
    result = fitzpatrick_type_from_answers(rules.scales.fitzpatrick, values)
    return {"score": result.score, "type": result.type.value}


def grade_on_scale(scale: str, value: str, rules: RuleBase) -> Json:
    """Grade on a named scale: by code (Glogau, Goodman & Baron, GAIS) or by score (wrinkle
    class 1-9, improvement percent)."""
    graded = scale_named(rules.scales.scales, scale)
    by_score = any(g.up_to is not None for g in graded.grades)
    score = _float_text(value, scale) if by_score else None
    grade = grade_by_score(graded, score) if score is not None else grade_by_code(graded, value)
    result: Json = {"scale": graded.name, "title": graded.title}
    if score is not None:
        result["score"] = _n(score)
    result |= {"grade": grade.code, "label": grade.label, "description": grade.description}
    result["sources"] = list(graded.provenance.labels)
    return result


def reestimate(
    concern: str,
    expected_total: int,
    changes_pct: Sequence[float],
    rules: RuleBase,
    modality: str | None = None,
    area: str | None = None,
) -> Json:
    """Sessions still needed, from the measured change of the concern's metric per session."""
    result = reestimate_sessions(
        rules.response,
        _code(Concern, concern, "concern"),
        expected_total,
        changes_pct,
        None if modality is None else _code(Modality, modality, "modality"),
        None if area is None else _code(Area, area, "area"),
    )
    return {
        "concern": result.concern.value,
        "metric": result.metric,
        "completed": result.completed,
        "expected_total": result.expected_total,
        "remaining": result.remaining,
        "new_total": result.new_total,
        "improvement_pct": result.improvement_pct,
        "target_pct": _n(result.target_pct),
        "status": result.status.value,
        "explanation": result.explanation,
        "sources": list(result.sources),
    }


def check_recorded_settings(case: object, rules: RuleBase) -> Json:
    """Check recorded session settings against the limits for the area and patient.

    ``case``: ``{"modality", "area", "skin_type", "history"?: {...}, "energy"?, "density_pct"?,
    "passes"?}``.
    """
    root = _mapping(case, "case")
    keys = {"modality", "area", "skin_type", "history", "energy", "density_pct", "passes"}
    _only(root, "case", keys)
    modality = _code(Modality, _required(root, "modality", "case"), "modality")
    area = _code(Area, _required(root, "area", "case"), "area")
    skin_type = _code(FitzpatrickType, _required(root, "skin_type", "case"), "skin_type")
    history = _history(root.get("history", {}))
    found = screen(rules.screening, history, skin_type, [area])
    limits = settings_limits(rules.settings, modality, area, found.precautions(modality, area))
    recorded = RecordedSettings(
        energy=_optional_number(root.get("energy"), "energy"),
        density_pct=_optional_number(root.get("density_pct"), "density_pct"),
        passes=_optional_int(root.get("passes"), "passes"),
    )
    warnings = check_settings(limits, recorded)
    return {
        "limits": {
            "energy_max": _n(limits.energy_max),
            "energy_unit": limits.energy_unit,
            "density_max_pct": None
            if limits.density_max_pct is None
            else _n(limits.density_max_pct),
            "passes_max": limits.passes_max,
            "density_factor": limits.density_factor,
            "energy_factor": limits.energy_factor,
        },
        "warnings": [
            {
                "setting": w.setting,
                "recorded": _n(w.recorded),
                "limit": _n(w.limit),
                "message": w.message,
            }
            for w in warnings
        ],
        "sources": list(limits.sources),
    }


# --- parsing helpers: every error names the field -----------------------------------------------


def _patient(value: object, rules: RuleBase) -> PatientFacts:
    data = _mapping(value, "patient")
    _only(data, "patient", {"age", "sex", "fitzpatrick_type", "fitzpatrick_answers"})
    age = _int(_required(data, "age", "patient"), "patient.age")
    if not 0 <= age <= _MAX_AGE:
        raise InvalidInput("patient.age", f"must be 0 to {_MAX_AGE}, got {age}")
    sex = _required(data, "sex", "patient")
    if not isinstance(sex, str) or not sex.strip():
        raise InvalidInput("patient.sex", "must be a non-empty text")
    given, answers = data.get("fitzpatrick_type"), data.get("fitzpatrick_answers")
    if (given is None) == (answers is None):
        raise InvalidInput(
            "patient.fitzpatrick_type", "give either fitzpatrick_type or fitzpatrick_answers"
        )
    if given is not None:
        skin_type = _code(FitzpatrickType, given, "patient.fitzpatrick_type")
    else:
        items = _list(answers, "patient.fitzpatrick_answers")
        values = [
            _answer(item, f"patient.fitzpatrick_answers item {i}")
            for i, item in enumerate(items, start=1)
        ]
        questionnaire = rules.scales.fitzpatrick
        skin_type = fitzpatrick_type_from_answers(
            questionnaire, values, "patient.fitzpatrick_answers"
        ).type
    return PatientFacts(age, sex.strip(), skin_type)


def _history(value: object) -> MedicalHistory:
    data = _mapping(value, "history")
    names = MedicalHistory.question_names()
    _only(data, "history", set(names))
    answers: dict[str, Any] = {}
    for name in names:
        if name not in data or data[name] is None:
            continue
        if name == "isotretinoin_months_since_last_dose":
            months = _number(data[name], f"history.{name}")
            if months < 0:
                raise InvalidInput(f"history.{name}", f"must not be negative, got {months:g}")
            answers[name] = months
        else:
            answers[name] = _bool(data[name], f"history.{name}")
    return MedicalHistory(**answers)


def _goal(value: object, field: str) -> Goal:
    data = _mapping(value, field)
    _only(data, field, {"concern", "area", "severity"})
    return Goal(
        concern=_code(Concern, _required(data, "concern", field), f"{field}.concern"),
        area=_code(Area, _required(data, "area", field), f"{field}.area"),
        severity=_code(Severity, _required(data, "severity", field), f"{field}.severity"),
    )


def _preferences(value: object) -> Preferences:
    data = _mapping(value, "preferences")
    _only(data, "preferences", {"max_downtime_days"})
    limit = data.get("max_downtime_days")
    if limit is None:
        return Preferences()
    days = _number(limit, "preferences.max_downtime_days")
    if days < 0:
        raise InvalidInput("preferences.max_downtime_days", f"must not be negative, got {days:g}")
    return Preferences(max_downtime_days=days)


def _checkin(value: object, field: str) -> CheckIn:
    data = _mapping(value, field)
    _only(data, field, {"date", "red_flags", "note", *(s.value for s in Score)})
    scores = {}
    for score in Score:
        if data.get(score.value) is not None:
            number = _int(data[score.value], f"{field}.{score.value}")
            if not 0 <= number <= 10:  # the 0-10 rating scale itself
                raise InvalidInput(f"{field}.{score.value}", f"must be 0 to 10, got {number}")
            scores[score] = number
    flags_data = _mapping(data.get("red_flags", {}), f"{field}.red_flags")
    flags = set()
    for key, answer in flags_data.items():
        flag = _code(RedFlag, key, f"{field}.red_flags")
        if _bool(answer, f"{field}.red_flags.{key}"):
            flags.add(flag)
    note = data.get("note", "")
    if not isinstance(note, str):
        raise InvalidInput(f"{field}.note", "must be text")
    date = _date(_required(data, "date", field), f"{field}.date")
    return CheckIn(date, scores, frozenset(flags), note)


def _mapping(value: object, field: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise InvalidInput(field, f"must be an object, got {_kind(value)}")
    return value


def _list(value: object, field: str) -> list[object]:
    if not isinstance(value, list):
        raise InvalidInput(field, f"must be a list, got {_kind(value)}")
    return value


def _only(data: Mapping[str, object], field: str, allowed: set[str]) -> None:
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        where = unknown[0] if field == "case" else f"{field}.{unknown[0]}"
        raise InvalidInput(where, f"unknown field; expected one of {', '.join(sorted(allowed))}")


def _required(data: Mapping[str, object], key: str, parent: str) -> object:
    if key not in data or data[key] is None:
        raise InvalidInput(key if parent == "case" else f"{parent}.{key}", "is required")
    return data[key]


def _code(enum: type[_E], value: object, field: str) -> _E:
    choices = ", ".join(member.value for member in enum)
    if not isinstance(value, str):
        raise InvalidInput(field, f"must be one of {choices}, got {_kind(value)}")
    try:
        return enum(value)
    except ValueError:
        raise InvalidInput(field, f"unknown code {value!r}; expected one of {choices}") from None


def _bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(field, f"must be true or false, got {_kind(value)}")
    return value


def _number(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(field, f"must be a number, got {_kind(value)}")
    return float(value)


def _optional_number(value: object, field: str) -> float | None:
    return None if value is None else _number(value, field)


def _int(value: object, field: str) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field, f"must be a whole number, got {_kind(value)}")
    return value


def _optional_int(value: object, field: str) -> int | None:
    return None if value is None else _int(value, field)


def _answer(value: object, field: str) -> int:
    if isinstance(value, str):
        text = value.strip()
        if not text.lstrip("-").isdigit():
            raise InvalidInput(field, f"must be a whole number, got {value!r}")
        return int(text)
    return _int(value, field)


def _float_text(value: str, field: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise InvalidInput(field, f"must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise InvalidInput(field, f"must be a number, got {value!r}")
    return number


def _date(value: object, field: str) -> dt.date:
    if not isinstance(value, str):
        raise InvalidInput(field, f"must be a date YYYY-MM-DD, got {_kind(value)}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, f"must be a date YYYY-MM-DD, got {value!r}") from None


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, str):
        return f"text {value!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    return {"list": "a list", "dict": "an object"}.get(type(value).__name__, type(value).__name__)


def _n(x: float) -> float | int:
    """Whole numbers print without a trailing .0."""
    return int(x) if float(x).is_integer() else x


def _span(span: Span) -> Json:
    return {"min": _n(span.min), "max": _n(span.max)}
