"""The rules of correcting a record: a reason, what changed in words, the earlier version as JSON,
and a chart that decides only on the records that stand."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

from resurface.domain.chart import Chart, standing
from resurface.domain.corrections import Change, changes, reason_problems, snapshot
from resurface.domain.people import Patient, Sex
from tests.support.clinic import patient_with_chart
from tests.support.fakes import FakeUnitOfWork


def test_a_correction_needs_a_reason_on_one_record() -> None:
    assert [p.field for p in reason_problems("   ")] == ["reason"]
    assert reason_problems("typed into the wrong field") == []
    assert "control character" in reason_problems("bad\x00")[0].message
    assert "longer than" in reason_problems("x" * 2001)[0].message


def test_changes_are_listed_in_words_added_changed_and_removed() -> None:
    before = {"Phone": "0111", "E-mail": "a@b.org", "Cheeks": "10 mJ"}
    after = {"Phone": "0222", "E-mail": "a@b.org", "Forehead": "8 mJ"}
    assert changes(before, after) == (
        Change("Phone", "0111", "0222"),
        Change("Forehead", "", "8 mJ"),
        Change("Cheeks", "10 mJ", ""),
    )
    assert changes(after, after) == ()


def test_the_earlier_version_is_kept_as_json() -> None:
    patient = Patient(3, 1, "Robin", "Tester", dt.date(1970, 5, 17), Sex.FEMALE, phone="0111")
    kept = snapshot(patient)
    assert json.loads(json.dumps(kept)) == kept
    assert kept["date_of_birth"] == "1970-05-17" and kept["sex"] == "female"


def test_records_entered_in_error_are_set_apart_from_the_chart() -> None:
    uow = FakeUnitOfWork()
    _, ids = patient_with_chart(uow, 1, 1, "north", dt.date(2026, 3, 2))
    chart = uow.charts.chart(1, 1)
    struck = replace(chart.sessions[0], entered_in_error="wrong patient")
    photo = replace(chart.photos[0], entered_in_error="another patient's photo")
    mixed = standing(replace(chart, sessions=(struck,), photos=(photo,)))
    assert mixed.sessions == () and mixed.photos == ()
    assert {r.id for r in mixed.entered_in_error} == {ids["session"], ids["photo"]}
    assert mixed.consultations == chart.consultations
    assert standing(Chart()) == Chart()
