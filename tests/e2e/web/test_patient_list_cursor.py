"""Keyset paging of the patient list: the page links carry a sealed cursor (where the page
began), so a page deep in the list is found from the one before it. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.domain.people import Patient, Role, Sex
from resurface.web import create_app
from tests.e2e.web.conftest import sign_in
from tests.support.clinic import SeededClinic, seed_clinic
from tests.support.population import grow

NEXT = re.compile(r'<a href="([^"]+)" rel="next">Next</a>')


@contextmanager
def _signed_in(runtime: Runtime, clinic: SeededClinic) -> Iterator[TestClient]:
    app = create_app(runtime.settings, runtime)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        sign_in(client, clinic.usernames[Role.CLINICIAN])
        yield client


def _clinic(runtime: Runtime, slug: str, how_many: int) -> SeededClinic:
    """A clinic of ``how_many`` patients besides the seeded one, their names out of order."""
    seeded = seed_clinic(runtime.context.uow, slug)
    with runtime.context.uow() as uow:
        for n in range(how_many):
            given = ("Zoë", "ana", "Kai")[n % 3]
            family = f"{slug.capitalize()} Person {(n * 7) % how_many:02d}"
            uow.patients.add(Patient(0, seeded.clinic.id, given, family, dt.date(1980, 1, 2),
                                     Sex.FEMALE))  # fmt: skip
        uow.commit()
    return seeded


def _names(listed: dict[str, Any]) -> list[str]:
    return [f"{s['patient']['given_name']} {s['patient']['family_name']}" for s in listed["items"]]


def _get(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/patients", params=params)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_following_the_pages_cursor_shows_every_patient_once_in_order(runtime: Runtime) -> None:
    north = _clinic(runtime, "north", 60)
    with _signed_in(runtime, north) as client:
        every = _names(_get(client, per_page=200))
        shown, page, cursor = [], 1, ""
        while True:
            listed = _get(client, page=page, per_page=7, cursor=cursor)
            if not listed["items"]:
                break
            shown += _names(listed)
            assert listed["page"] == page and listed["total"] == 61
            page, cursor = page + 1, listed["cursor"]
        # The page after the last one: empty, the count at the end, nothing more to follow.
        assert (listed["total"], listed["pages"], listed["more"], page) == (61, 9, False, 10)
        assert listed["cursor"] is None
        first = client.get("/patients").text
        second_link = html.unescape(NEXT.findall(first)[0])
        second = client.get(second_link).text
        third_link = html.unescape(NEXT.findall(second)[0])
        third = client.get(third_link).text
        counted = client.get("/patients?page=3").text
    assert shown == every and len(every) == 61
    assert second_link == "/patients?q=&stage=&page=2"  # the first pages are near the start
    assert third_link.startswith("/patients?q=&stage=&page=3&cursor=")
    assert _rows(third) == _rows(counted) and len(_rows(third)) == 11
    assert "61 patients" in third


def _rows(page: str) -> list[str]:
    return re.findall(r'<a href="/patients/\d+">([^<]+)</a>', page)


def test_a_cursor_outlives_the_rename_of_the_patient_its_page_began_with(
    runtime: Runtime,
) -> None:
    """The cursor keeps the place, not the patient: renamed (or gone), the next page is still
    the one after that place."""
    north = _clinic(runtime, "north", 30)
    with _signed_in(runtime, north) as client:
        second = _get(client, page=2, per_page=5)
        began = second["items"][0]["patient"]
        with runtime.context.uow() as uow:
            patient = uow.patients.get(north.clinic.id, began["id"])
            assert patient is not None
            uow.patients.update(replace(patient, family_name="Zz Renamed"))
            uow.commit()
        third = _get(client, page=3, per_page=5, cursor=second["cursor"])
        back = _get(client, page=1, per_page=5, cursor=second["cursor"])
        counted_third = _get(client, page=3, per_page=5)
        counted_first = _get(client, page=1, per_page=5)
    assert _names(third) == _names(counted_third)
    assert _names(back) == _names(counted_first)
    assert began["id"] not in {s["patient"]["id"] for s in third["items"] + back["items"]}


def test_a_cursor_altered_or_of_another_list_is_refused_plainly(runtime: Runtime) -> None:
    north = _clinic(runtime, "north", 12)
    with _signed_in(runtime, north) as client:
        cursor = _get(client, page=2, per_page=5)["cursor"]
        altered = cursor[:-6] + ("A" if cursor[-6] != "A" else "B") + cursor[-5:]
        refused = [
            client.get("/api/v1/patients", params=params)
            for params in (
                {"page": 3, "per_page": 5, "cursor": altered},
                {"page": 3, "per_page": 5, "cursor": "not-a-cursor"},
                {"page": 3, "per_page": 6, "cursor": cursor},  # another page size
                {"page": 3, "per_page": 5, "cursor": cursor, "q": "kai"},  # another search
            )
        ]
        page = client.get("/patients", params={"page": 3, "cursor": "not-a-cursor"})
    for response in refused:
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in response.json()["errors"]] == ["cursor"]
    assert page.status_code == 422
    assert "is not a place in this list" in page.text


def test_another_clinics_cursor_shows_nothing_of_it(runtime: Runtime) -> None:
    north = _clinic(runtime, "north", 12)
    south = _clinic(runtime, "south", 12)
    with _signed_in(runtime, south) as client:
        cursor = _get(client, page=2, per_page=5)["cursor"]
    with _signed_in(runtime, north) as client:
        refused = client.get("/api/v1/patients", params={"page": 3, "per_page": 5,
                                                         "cursor": cursor})  # fmt: skip
        page = client.get("/patients", params={"page": 2, "cursor": cursor})
    assert refused.status_code == page.status_code == 422
    for body in (refused.text, page.text):
        assert "South" not in body and "south" not in body.replace("south.", "")


def test_a_page_number_typed_far_into_the_list_shows_the_page_the_cursors_lead_to(
    runtime: Runtime,
) -> None:
    """``?page=52`` typed without a cursor (found from the list's mark at its 1,000th row, not
    walked to) shows the rows the cursor of page 50 leads to, and counts as far as they do."""
    north = seed_clinic(runtime.context.uow, "north")
    today = dt.datetime.now(dt.UTC).date()
    grow(runtime.engine, north.clinic.id, north.patient.id, 1400, today, whole_charts=False)
    with _signed_in(runtime, north) as client:
        typed = _get(client, page=52)
        fiftieth = _get(client, page=50)
        followed = _get(client, page=52, cursor=fiftieth["cursor"])
        page = client.get("/patients", params={"page": 52})
    assert _names(typed) == _names(followed) and len(_names(typed)) == 25
    counted = (typed["total"], typed["more"])
    assert counted == (followed["total"], followed["more"]) == (1401, False)
    shown = [s["patient"] for s in typed["items"]]
    assert page.status_code == 200
    assert _rows(page.text) == [f"{p['family_name']}, {p['given_name']}" for p in shown]


def test_a_page_past_the_end_of_the_list_says_so_and_leads_to_its_last_page(
    runtime: Runtime,
) -> None:
    north = _clinic(runtime, "north", 30)  # 31 patients: two pages of 25
    with _signed_in(runtime, north) as client:
        past = client.get("/patients", params={"page": 7})
        empty = client.get("/patients", params={"q": "nobody-is-called-this", "page": 3})
    assert past.status_code == 200
    text = html.unescape(past.text)
    assert "There is no page 7 of this list: it has 2 pages." in text
    assert 'page=2">Show page 2</a>' in text and "No patients match" not in text
    assert "No patients match." in empty.text and "There is no page" not in empty.text
