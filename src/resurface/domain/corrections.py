"""Correcting the record: an amendment or *entered in error*, never an overwrite.

A record is corrected by someone allowed to write it, with a reason. The earlier version is kept
as a ``Correction`` (what it said, what changed, who, when, why), so the record's page shows its
history. A record entered by mistake stays in the chart, struck through, and is left out of every
clinical decision (plans, results, re-estimation, alerts, counts).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from resurface.domain.errors import FieldProblem
from resurface.domain.text import text_problems

REASON_MAX = 2000


class RecordKind(enum.StrEnum):
    """The kinds of record a clinic can correct, named as the clinic says them."""

    PATIENT = "patient"
    CONSULTATION = "consultation"
    ASSESSMENT = "assessment"
    PLAN = "plan"
    SESSION = "session"
    CHECKIN = "checkin"
    PHOTO = "photo"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    RecordKind.PATIENT: "patient details",
    RecordKind.CONSULTATION: "consultation",
    RecordKind.ASSESSMENT: "assessment",
    RecordKind.PLAN: "treatment plan",
    RecordKind.SESSION: "treatment session",
    RecordKind.CHECKIN: "check-in",
    RecordKind.PHOTO: "photo",
}


class CorrectionKind(enum.StrEnum):
    AMENDED = "amended"
    ENTERED_IN_ERROR = "entered_in_error"


@dataclass(frozen=True)
class Change:
    """One thing an amendment changed, in words: ``Phone: 07700 900123 → 07700 900321``."""

    what: str
    before: str
    after: str


@dataclass(frozen=True)
class Correction:
    """One correction of one record: the version it replaced and why."""

    id: int
    clinic_id: int
    patient_id: int
    record: RecordKind
    record_id: int
    version: int
    """The version the correction was made on (the earlier version it replaced)."""
    kind: CorrectionKind
    reason: str
    changes: tuple[Change, ...]
    earlier: Mapping[str, Any]
    """The earlier version in full, as JSON."""
    corrected_by: int
    corrected_at: dt.datetime


def reason_problems(reason: str, field: str = "reason") -> list[FieldProblem]:
    """A correction needs its reason: said, on the record, and of a sensible length."""
    problems = text_problems(free_text={field: reason})
    said = " ".join(reason.split())
    if not said:
        problems.append(FieldProblem(field, "say why the record is corrected"))
    elif len(said) > REASON_MAX:
        problems.append(FieldProblem(field, f"is longer than {REASON_MAX} characters"))
    return problems


def tidy_reason(reason: str) -> str:
    return " ".join(reason.split())


def changes(before: Mapping[str, str], after: Mapping[str, str]) -> tuple[Change, ...]:
    """What differs between two descriptions of a record (label → words), in ``after``'s order,
    then what ``before`` had and ``after`` no longer has."""
    found = [
        Change(label, before.get(label, ""), words)
        for label, words in after.items()
        if before.get(label, "") != words
    ]
    found += [Change(label, words, "") for label, words in before.items() if label not in after]
    return tuple(found)


def snapshot(record: object) -> dict[str, Any]:
    """A record (a frozen dataclass) as JSON: dates as ISO text, enums as their values."""
    if not is_dataclass(record) or isinstance(record, type):
        raise TypeError(f"not a record: {record!r}")
    return {f.name: _json(getattr(record, f.name)) for f in fields(record)}


def _json(value: object) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return snapshot(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, tuple | list | frozenset | set):
        items = [_json(v) for v in value]
        return sorted(items, key=str) if isinstance(value, frozenset | set) else items
    return value
