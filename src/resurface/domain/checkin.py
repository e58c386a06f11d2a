"""A patient's report of how the treated skin feels and looks on one day after a session."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from resurface.domain.codes import RedFlag, Score
from resurface.domain.errors import InvalidInput

SCORE_MIN = 0
SCORE_MAX = 10


@dataclass(frozen=True)
class CheckIn:
    """Scores are 0–10 numeric ratings; red flags are the yes/no warning-sign answers."""

    date: dt.date
    scores: dict[Score, int]
    red_flags: frozenset[RedFlag] = field(default_factory=frozenset)
    note: str = ""

    def __post_init__(self) -> None:
        for score, value in self.scores.items():
            if not SCORE_MIN <= value <= SCORE_MAX:
                raise InvalidInput(score.value, f"must be 0 to 10, got {value}")

    def day_after(self, treated_on: dt.date) -> int:
        """Days since the treatment: 0 on the day of the session."""
        return (self.date - treated_on).days
