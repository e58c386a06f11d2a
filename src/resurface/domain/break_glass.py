"""Emergency ("break-glass") access: the front desk, who never sees the clinical chart, may open one
patient's chart read-only in an emergency, giving a reason, for a limited time.

Every read during it is audited with the reason, and the medical director is told at once. The
time limit is the clinic's setting (``Clinic.break_glass_minutes``, 60 unless the clinic sets
another, bounded by :data:`MINUTES_MIN` and :data:`MINUTES_MAX`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from resurface.domain.errors import FieldProblem
from resurface.domain.text import text_problems

REASON_MIN = 10
REASON_MAX = 500
MINUTES_MIN = 5
MINUTES_MAX = 240


@dataclass(frozen=True)
class BreakGlass:
    """One emergency access: who opened which patient's chart, why, and until when."""

    id: int
    clinic_id: int
    patient_id: int
    user_id: int
    reason: str
    opened_at: dt.datetime
    expires_at: dt.datetime

    def is_open(self, now: dt.datetime) -> bool:
        return self.opened_at <= now < self.expires_at

    def minutes_left(self, now: dt.datetime) -> int:
        """Whole minutes left, rounded up (0 once it has ended)."""
        seconds = (self.expires_at - now).total_seconds()
        return max(0, -int(-seconds // 60))


def reason_problems(reason: str) -> list[FieldProblem]:
    """Why ``reason`` does not explain an emergency well enough to keep: it must say something
    (at least :data:`REASON_MIN` characters), fit :data:`REASON_MAX`, and be storable text."""
    said = reason.strip()
    if len(said) < REASON_MIN:
        return [
            FieldProblem("reason", f"say what the emergency is (at least {REASON_MIN} characters)")
        ]
    if len(said) > REASON_MAX:
        return [FieldProblem("reason", f"is longer than {REASON_MAX} characters")]
    return text_problems(free_text={"reason": reason})


def minutes_problem(minutes: int, field: str = "break_glass_minutes") -> FieldProblem | None:
    if not MINUTES_MIN <= minutes <= MINUTES_MAX:
        return FieldProblem(field, f"must be between {MINUTES_MIN} and {MINUTES_MAX} minutes")
    return None


def open_access(
    clinic_id: int,
    patient_id: int,
    user_id: int,
    reason: str,
    now: dt.datetime,
    minutes: int,
) -> BreakGlass:
    """A new emergency access, starting ``now`` and lasting the clinic's ``minutes``."""
    limit = min(max(minutes, MINUTES_MIN), MINUTES_MAX)
    end = now + dt.timedelta(minutes=limit)
    return BreakGlass(0, clinic_id, patient_id, user_id, reason.strip(), now, end)
