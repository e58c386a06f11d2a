from __future__ import annotations

import datetime as dt

import pytest

from resurface.domain.journey import Progress, Stage, stage_of

TODAY = dt.date(2026, 6, 1)


@pytest.mark.parametrize(
    ("progress", "stage"),
    [
        (Progress(False, 0, 0, None, 14), Stage.CONSULTATION),
        (Progress(True, 3, 0, None, 14), Stage.PLANNED),
        (Progress(True, 3, 1, TODAY - dt.timedelta(days=5), 14), Stage.RECOVERING),
        (Progress(True, 3, 1, TODAY - dt.timedelta(days=40), 14), Stage.IN_TREATMENT),
        (Progress(True, 3, 3, TODAY - dt.timedelta(days=40), 14), Stage.FINISHED),
        (Progress(True, 3, 3, TODAY - dt.timedelta(days=3), 14), Stage.RECOVERING),
        (Progress(True, 1, 1, TODAY - dt.timedelta(days=3), 2), Stage.FINISHED),
    ],
)
def test_stage_follows_the_series(progress: Progress, stage: Stage) -> None:
    assert stage_of(progress, TODAY) is stage
