"""Re-estimating the remaining sessions from the measured response.

After each completed session the photo metric tied to the concern (``protocols/response.yaml``:
wrinkles -> ``wrinkle_density``, pigmentation -> ``spot_area_pct``, acne scars ->
``texture_roughness`` ...) is compared with the baseline. The improvement so far, divided by the
sessions done, gives the rate; the sessions still needed to reach the expected improvement for
the course follow from it.
Published course improvements (Ward & Baker 2008; Tierney & Hanke 2009; Hedelund 2014) serve as
targets where they exist; the rest are the clinic's expert-opinion targets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from resurface.domain.codes import Area, Concern, Modality
from resurface.domain.errors import InvalidInput
from resurface.domain.rulebase import ImprovementTarget, ResponseRules


class ResponseStatus(StrEnum):
    NOT_STARTED = "not_started"
    TARGET_REACHED = "target_reached"
    AHEAD = "ahead"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    NO_RESPONSE = "no_response"
    REVIEW_PLAN = "review_plan"  # more sessions needed than the plan allows: rethink it


@dataclass(frozen=True)
class SessionReestimate:
    concern: Concern
    metric: str | None
    completed: int
    expected_total: int
    remaining: int
    new_total: int
    improvement_pct: float | None
    target_pct: float
    status: ResponseStatus
    explanation: str
    sources: tuple[str, ...]


def metric_for_concern(rules: ResponseRules, concern: Concern) -> str | None:
    """The photo metric that tracks a concern; ``None``: the clinician judges the improvement."""
    return rules.concern_metric.get(concern)


def improvement_pct(rules: ResponseRules, metric: str | None, change_pct: float) -> float:
    """Turn a percent change of a metric into percent improvement (positive = better)."""
    if metric is None:
        return change_pct
    return -change_pct if metric in rules.lower_is_better else change_pct


def improvement_target(
    rules: ResponseRules, concern: Concern, modality: Modality | None, area: Area | None
) -> ImprovementTarget:
    """The most specific target: concern + modality + area, then + modality, then concern only."""

    def fits(target: ImprovementTarget) -> bool:
        return (
            target.concern is concern
            and target.modality in (None, modality)
            and target.area in (None, area)
        )

    candidates = [t for t in rules.targets if fits(t)]
    candidates.sort(key=lambda t: (t.modality is None, t.area is None))
    return candidates[0]


def reestimate_sessions(
    rules: ResponseRules,
    concern: Concern,
    expected_total: int,
    changes_pct: Sequence[float],
    modality: Modality | None = None,
    area: Area | None = None,
) -> SessionReestimate:
    """Re-estimate the sessions still needed.

    Parameters
    ----------
    expected_total
        Sessions planned for the course (the plan's expected count).
    changes_pct
        After each completed session, the percent change of the concern's metric from the
        baseline (e.g. ``-20`` = 20 % lower). For a concern without a metric (laxity), the
        clinician's estimate of improvement in percent (positive = better).
    """
    if expected_total < 1:
        raise InvalidInput("expected_total", f"must be at least 1, got {expected_total}")
    metric = metric_for_concern(rules, concern)
    target = improvement_target(rules, concern, modality, area)
    sources = target.provenance.merged(rules.reestimate_provenance).labels
    completed = len(changes_pct)
    goal = target.improvement_pct
    if completed == 0:
        return SessionReestimate(
            concern, metric, 0, expected_total, expected_total, expected_total, None, goal,
            ResponseStatus.NOT_STARTED, "No session measured yet; the plan stands.", sources,
        )  # fmt: skip
    achieved = improvement_pct(rules, metric, changes_pct[-1])
    remaining, status = _remaining(rules, goal, achieved, completed, expected_total)
    explanation = _explain(status, achieved, goal, completed, remaining)
    return SessionReestimate(
        concern, metric, completed, expected_total, remaining, completed + remaining,
        round(achieved, 1), goal, status, explanation, sources,
    )  # fmt: skip


def _remaining(
    rules: ResponseRules, goal: float, achieved: float, completed: int, expected_total: int
) -> tuple[int, ResponseStatus]:
    ceiling = max(expected_total + rules.max_extra_sessions - completed, 0)
    if achieved >= goal:
        return 0, ResponseStatus.TARGET_REACHED
    rate = achieved / completed
    if rate <= 0:
        still_planned = max(expected_total - completed, 0)
        status = ResponseStatus.NO_RESPONSE if still_planned else ResponseStatus.REVIEW_PLAN
        return still_planned, status
    sessions_to_go = (goal - achieved) / rate  # may be huge when the response is tiny
    if sessions_to_go > ceiling:
        return ceiling, ResponseStatus.REVIEW_PLAN
    needed = math.ceil(sessions_to_go)
    total = completed + needed
    if total < expected_total:
        return needed, ResponseStatus.AHEAD
    return needed, ResponseStatus.ON_TRACK if total == expected_total else ResponseStatus.BEHIND


def _explain(
    status: ResponseStatus, achieved: float, goal: float, completed: int, remaining: int
) -> str:
    done = f"{completed} session" + ("" if completed == 1 else "s")
    more = f"{remaining} more session" + ("" if remaining == 1 else "s")
    so_far = f"{achieved:.1f} % better after {done}, aiming for {goal:g} %"
    return {
        ResponseStatus.TARGET_REACHED: f"{so_far}: the expected improvement is reached.",
        ResponseStatus.NO_RESPONSE: f"{so_far}: no measurable response yet; review the plan.",
        ResponseStatus.REVIEW_PLAN: (
            f"{so_far}: the target would take more sessions than the plan allows; "
            f"at most {more} - review the plan."
        ),
    }.get(status, f"{so_far}: about {more} at the rate so far.")
