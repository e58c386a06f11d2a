"""Where a patient stands on the journey, worked out from the chart (never stored, never stale)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Stage(StrEnum):
    """The stages the patient list filters by."""

    CONSULTATION = "consultation"
    PLANNED = "planned"
    IN_TREATMENT = "in_treatment"
    RECOVERING = "recovering"
    FINISHED = "finished"

    @property
    def label(self) -> str:
        return _STAGE_LABELS[self]


_STAGE_LABELS = {
    Stage.CONSULTATION: "Consultation only",
    Stage.PLANNED: "Planned",
    Stage.IN_TREATMENT: "Mid-series",
    Stage.RECOVERING: "Recovering",
    Stage.FINISHED: "Finished",
}


@dataclass(frozen=True)
class Progress:
    """What the chart says about the treatment series so far.

    ``recovery_days`` is how long the last session's modality is expected to take to heal
    (from the recovery protocol); a patient inside that window is recovering.
    """

    has_accepted_plan: bool
    sessions_planned: int
    sessions_done: int
    last_session_on: dt.date | None
    recovery_days: int


def stage_of(progress: Progress, today: dt.date) -> Stage:
    if not progress.has_accepted_plan:
        return Stage.CONSULTATION
    if progress.sessions_done == 0 or progress.last_session_on is None:
        return Stage.PLANNED
    if (today - progress.last_session_on).days <= progress.recovery_days:
        return Stage.RECOVERING
    if progress.sessions_done >= progress.sessions_planned:
        return Stage.FINISHED
    return Stage.IN_TREATMENT
