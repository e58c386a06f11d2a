"""The report's plot of a concern's change across the series: an SVG with its text as text (the
dates, the sessions, each change and the noise band named), nothing fetched from anywhere."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from resurface.domain.codes import Area, Concern, Modality
from resurface.domain.photo_metrics import ChangeVerdict
from resurface.domain.reestimate import ResponseStatus, SessionReestimate
from resurface.reports.results import progress_svg, signed_pct
from resurface.services.results import ItemResponse
from resurface.services.results_report import ItemProgress, SeriesPoint

START = dt.date(2026, 3, 2)


def _progress(points: list[tuple[int, float]], noise: float | None = 8.2) -> ItemProgress:
    estimate = SessionReestimate(
        Concern.PIGMENTATION, "spot_area_pct", 2, 3, 1, 3, 25.0, 40.0, ResponseStatus.ON_TRACK,
        "", (),
    )  # fmt: skip
    response = ItemResponse(
        Area.CHEEKS, Concern.PIGMENTATION, Modality.FRACTIONAL_ABLATIVE_CO2, "spot_area_pct",
        None, (), estimate, 2,
    )  # fmt: skip
    series = tuple(
        SeriesPoint(
            START + dt.timedelta(days=day), n + 1, value,
            ChangeVerdict.BETTER if noise and value > noise else ChangeVerdict.NO_MEASURABLE_CHANGE,
        )
        for n, (day, value) in enumerate(points)
    )  # fmt: skip
    sessions = (START + dt.timedelta(days=7), START + dt.timedelta(days=49))
    return ItemProgress(
        response, "Spot area (%)", "Area covered by spots (%)", noise, START, series, sessions
    )


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_the_plot_names_dates_sessions_changes_and_the_noise_band() -> None:
    svg = progress_svg(_progress([(42, 5.0), (84, 25.4)]))
    texts = _texts(svg)
    for words in (
        "2 March 2026", "13 April 2026", "25 May 2026", "treatment 1", "treatment 2",
        "+5 %", "+25 %", "within ±8.2 %: no measurable change", "improvement (%)",
    ):  # fmt: skip
        assert words in texts, (words, texts)
    linked = re.findall(r'(?:href|src)="([^"]+)"', svg)
    assert all(not link.startswith(("http", "file", "//")) for link in linked), linked
    assert svg == progress_svg(_progress([(42, 5.0), (84, 25.4)])), "the same plot each time"


def test_dates_too_close_to_the_one_before_are_left_unlabelled() -> None:
    texts = _texts(progress_svg(_progress([(42, 5.0), (44, 6.0)], noise=None)))
    assert "13 April 2026" in texts and "15 April 2026" not in texts
    assert not any(t.startswith("within") for t in texts), "no noise band without a rule"


@pytest.mark.parametrize(
    ("value", "text"), [(12.4, "+12 %"), (-3.6, "-4 %"), (-0.3, "0 %"), (0.4, "0 %")]
)
def test_a_change_that_rounds_to_nothing_reads_zero(value: float, text: str) -> None:
    assert signed_pct(value) == text
