"""The results report's counts read as a patient or clinician says them: no treatment left reads
"no more", one reads singular, a list of days reads "2, 5 and 7", and the figures of a line add
up (done + more = in all). Rendered to HTML only (the words; the PDF adds nothing to them)."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from resurface.domain.chart import TreatmentSession
from resurface.domain.codes import Area, Concern, Modality
from resurface.domain.people import Clinic, Patient, Sex
from resurface.domain.photo_metrics import ChangeVerdict
from resurface.domain.reestimate import ResponseStatus, SessionReestimate
from resurface.domain.results_report import ReportVersion
from resurface.reports.results import listing, plural, results_html
from resurface.services.results import ItemResponse
from resurface.services.results_report import (
    ItemProgress,
    RecoveryOfSession,
    ResultsReport,
    SeriesPoint,
)

DAY = dt.date(2026, 5, 4)
CLINIC = Clinic(1, "Harbour Skin & Laser", "harbour", phone="+44 20 7946 0018")
PATIENT = Patient(9, 1, "Robin", "Example", dt.date(1970, 1, 2), Sex.FEMALE)


def _item(
    done: int, new_total: int, planned: int, status: ResponseStatus, sessions_before: int = 1
) -> ItemProgress:
    estimate = SessionReestimate(
        Concern.PIGMENTATION, "spot_area_pct", done, planned, new_total - done, new_total, 30.0,
        40.0, status, "", (),
    )  # fmt: skip
    response = ItemResponse(
        Area.CHEEKS, Concern.PIGMENTATION, Modality.NONABLATIVE_FRACTIONAL_1927, "spot_area_pct",
        None, (), estimate, done,
    )  # fmt: skip
    point = SeriesPoint(DAY, sessions_before, 30.0, ChangeVerdict.BETTER)
    return ItemProgress(
        response, "Spot area (%)", "Area covered by spots (%)", 5.0, DAY, (point,), ()
    )


def _session(on: dt.date) -> TreatmentSession:
    return TreatmentSession(1, 1, 9, 2, on, "Demo laser", ())


def _report(
    *items: ItemProgress,
    remaining: int | None,
    recovery: tuple[RecoveryOfSession, ...] = (),
    version: ReportVersion = ReportVersion.PATIENT,
) -> ResultsReport:
    return ResultsReport(
        version=version, clinic=CLINIC, patient=PATIENT, printed_on=DAY, regions=(),
        progress=items, recovery=recovery, gais=(), gais_grades=(), sessions=(),
        sessions_done=max((i.response.sessions_done for i in items), default=0),
        sessions_remaining=remaining, next_visits=(), next_steps=(),
    )  # fmt: skip


def _text(report: ResultsReport) -> str:
    """What the reader sees: the HTML without its tags and styles, spaces collapsed."""
    page = re.sub(r"<style>.*?</style>", " ", results_html(report), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split()).replace(" .", ".")


@pytest.mark.parametrize("version", list(ReportVersion))
def test_no_treatment_left_reads_no_more_never_zero(version: ReportVersion) -> None:
    text = _text(
        _report(_item(4, 4, 4, ResponseStatus.TARGET_REACHED), remaining=0, version=version)
    )
    assert "No more treatments expected" in text
    assert "Treatments: 4 done; no more expected (4 in all, as planned at the start)." in text
    assert not re.search(r"\b0 more\b", text), text


def test_one_treatment_left_reads_singular() -> None:
    text = _text(_report(_item(2, 3, 3, ResponseStatus.ON_TRACK), remaining=1))
    assert "about 1 more treatment estimated" in text
    assert "Treatments: 2 done; about 1 more treatment estimated (3 in all, as planned" in text
    assert "1 more treatments" not in text


def test_several_left_and_a_changed_total_read_plural_with_the_plan() -> None:
    text = _text(_report(_item(1, 4, 3, ResponseStatus.BEHIND), remaining=3))
    assert "about 3 more treatments estimated" in text
    assert "Treatments: 1 done; about 3 more treatments estimated (4 in all; 3 were planned" in text
    one_planned = _text(_report(_item(1, 2, 1, ResponseStatus.BEHIND), remaining=1))
    assert "(2 in all; 1 was planned at the start)" in one_planned


def test_nothing_done_yet_reads_none_done() -> None:
    item = _item(0, 3, 3, ResponseStatus.NOT_STARTED, sessions_before=0)
    text = _text(_report(item, remaining=3))
    assert "no treatment done yet" in text
    assert "Treatments: none done yet; about 3 treatments estimated (3 in all" in text
    assert "before the first treatment" in text and "after 0 treatments" not in text


def test_a_plan_that_allows_no_more_says_so() -> None:
    text = _text(_report(_item(4, 4, 4, ResponseStatus.REVIEW_PLAN), remaining=0))
    assert "(the plan allows no more)" in text and "at most 0" not in text
    more = _text(_report(_item(3, 5, 4, ResponseStatus.REVIEW_PLAN), remaining=2))
    assert "(the plan allows at most 2 more)" in more


def test_days_of_the_recovery_read_as_a_list() -> None:
    one = RecoveryOfSession(_session(DAY), "a laser treatment", 1, 3, (), (3,), ())
    several = RecoveryOfSession(
        _session(DAY), "a laser treatment", 6, 9, (("redness", (2, 5, 7)),), (5, 7), ()
    )
    text = _text(_report(remaining=None, recovery=(one, several)))
    assert "1, on day 3" in text and "6, up to day 9" in text
    assert "Warning signs were reported on day 3, and the clinic followed them up." in text
    assert "Redness was higher than usual on days 2, 5 and 7." in text
    assert "Warning signs were reported on days 5 and 7," in text
    assert "no treatment planned" in text


@pytest.mark.parametrize(
    ("count", "words"), [(0, "treatments"), (1, "treatment"), (2, "treatments")]
)
def test_plural(count: int, words: str) -> None:
    assert plural("treatment", count) == words


def test_listing() -> None:
    assert [listing([]), listing([2]), listing([2, 5]), listing([2, 5, 7])] == [
        "", "2", "2 and 5", "2, 5 and 7",
    ]  # fmt: skip
