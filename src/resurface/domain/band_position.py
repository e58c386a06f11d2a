"""Where a patient's scores sit in the expected band for the day after treatment.

The band of each score comes from :func:`resurface.domain.recovery.expected_course`; this module
only places a check-in's values against it (below, inside, above) so that the patient's page can
say it in plain words and draw it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from resurface.domain.codes import Score
from resurface.domain.recovery import Band, ExpectedCourse


class Position(StrEnum):
    BELOW = "below"
    WITHIN = "within"
    ABOVE = "above"


@dataclass(frozen=True)
class ScorePosition:
    """One score of one check-in against the band expected on that day."""

    score: Score
    value: int
    band: Band
    position: Position


def position_in(band: Band, value: float) -> Position:
    if value < band.low:
        return Position.BELOW
    if value > band.high:
        return Position.ABOVE
    return Position.WITHIN


def band_positions(
    course: ExpectedCourse, day: int, scores: Mapping[Score, int]
) -> tuple[ScorePosition, ...]:
    """Each given score on ``day`` against its band, in the vocabulary's order."""
    return tuple(
        ScorePosition(
            score,
            scores[score],
            course.band(day, score),
            position_in(course.band(day, score), scores[score]),
        )
        for score in Score
        if score in scores
    )


def overall(positions: tuple[ScorePosition, ...]) -> Position:
    """ABOVE when any score is above its band; otherwise WITHIN (lower than usual is good news)."""
    if any(p.position is Position.ABOVE for p in positions):
        return Position.ABOVE
    return Position.WITHIN
