"""A page of the patient list asked for by its number alone (no cursor: typed, bookmarked) is
found from the nearest of the list's marks (``patient_list_marks``), which the patients
repository keeps as patients are added and renamed: the right rows, and as much work at page
300 of 7,500 patients as at page 60 of 1,500. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import Connection, event, func, select, tuple_

from resurface.bootstrap import Runtime
from resurface.domain.people import Patient, Role, Sex
from resurface.services import patients as patient_service
from resurface.services.access import Actor
from resurface.services.patients import PatientQuery, stage_window
from resurface.services.ports import ListPlace
from resurface.storage.repositories import patients as patient_rows
from resurface.storage.tables import patient_list_marks, patients
from tests.support.clinic import SeededClinic, seed_clinic
from tests.support.population import grow

TODAY = dt.date.today()
FAMILIES = ("Aalto", "Álvarez", "Brennan", "Calder", "Ó Súilleabháin", "Okafor", "Zhou", "zeta")


def _whole_list(runtime: Runtime, clinic_id: int) -> list[int]:
    """The ids of the whole list in its order, as the database sorts the name keys."""
    p = patients.c
    query = select(p.id).where(p.clinic_id == clinic_id).order_by(p.family_key, p.given_key, p.id)
    with runtime.engine.connect() as connection:
        return list(connection.execute(query).scalars())


def _page_ids(runtime: Runtime, clinic_id: int, page: int, per_page: int) -> list[int]:
    window = stage_window(TODAY, runtime.context.rules)
    with runtime.context.uow() as uow:
        rows, _ = uow.patients.listing(
            clinic_id, "", None, window, ListPlace((page - 1) * per_page), per_page, 10_000
        )
    return [row.patient.id for row in rows]


def _check_marks(runtime: Runtime, clinic_id: int) -> int:
    """Each mark counts the rows before it rightly, and no stretch holds more than twice the
    step (a page is never further than that from a mark). The number of marks."""
    m = patient_list_marks.c
    p = patients.c
    with runtime.engine.connect() as connection:
        marks = connection.execute(
            select(m.family_key, m.given_key, m.patient_id, m.position)
            .where(m.clinic_id == clinic_id)
            .order_by(m.position)
        ).all()
        total = connection.execute(
            select(func.count()).select_from(patients).where(p.clinic_id == clinic_id)
        ).scalar_one()
        for mark in marks:
            before = connection.execute(
                select(func.count())
                .select_from(patients)
                .where(
                    p.clinic_id == clinic_id,
                    tuple_(p.family_key, p.given_key, p.id) < tuple_(*mark[:3]),
                )
            ).scalar_one()
            assert mark.position == before, (mark, before)
    starts = [0, *(mark.position for mark in marks), total]
    stretches = [b - a for a, b in itertools.pairwise(starts)]
    assert max(stretches) <= 2 * patient_rows.MARK_STEP, stretches
    return len(marks)


def test_pages_by_number_stay_right_as_patients_are_added_and_renamed(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(patient_rows, "MARK_STEP", 4)
    north = seed_clinic(runtime.context.uow, "north", TODAY)
    clinic = north.clinic.id
    chance = random.Random(16)
    added: list[Patient] = []
    for batch in range(6):
        with runtime.context.uow() as uow:
            for _ in range(25):
                family = f"{chance.choice(FAMILIES)} {chance.randrange(100):02d}"
                given = chance.choice(("Ana", "zoë", "Kai", "Léa"))
                patient = Patient(0, clinic, given, family, dt.date(1980, 1, 2), Sex.FEMALE)
                added.append(uow.patients.add(patient))
            uow.commit()
        if batch in (0, 5):
            every = _whole_list(runtime, clinic)
            for page in range(1, len(every) // 6 + 2):
                assert _page_ids(runtime, clinic, page, 6) == every[(page - 1) * 6 : page * 6]
    assert _check_marks(runtime, clinic) >= 151 // 8  # marks were set as the list grew
    with runtime.context.uow() as uow:
        for patient in chance.sample(added, 40):
            family = f"{chance.choice(FAMILIES)} {chance.randrange(100):02d}"
            uow.patients.update(replace(patient, family_name=family))
            assert uow.patients.get(clinic, patient.id) is not None
        # A correction of the phone alone leaves the names, and the marks, where they were.
        kept = uow.patients.get(clinic, added[0].id)
        assert kept is not None
        uow.patients.update(replace(kept, phone="+44 20 7946 0000"))
        uow.commit()
    _check_marks(runtime, clinic)
    every = _whole_list(runtime, clinic)
    for page in range(1, len(every) // 6 + 2):
        assert _page_ids(runtime, clinic, page, 6) == every[(page - 1) * 6 : page * 6]


class _Work:
    """The statements a read runs in this thread and the work the database does for them:
    on SQLite the virtual machine's steps (a progress handler every 10), on PostgreSQL the
    rows each plan node produced (``EXPLAIN ANALYZE`` of the same statements afterwards)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.thread = threading.get_ident()
        self.statements: list[tuple[str, Any]] = []
        self.steps = 0

    def _tick(self) -> int:
        self.steps += 10
        return 0

    def __call__(self, conn: Connection, _cursor: Any, statement: str, parameters: Any,
                 *_rest: Any) -> None:  # fmt: skip
        if threading.get_ident() != self.thread:
            return
        self.statements.append((statement, parameters))
        raw = conn.connection.dbapi_connection
        if conn.dialect.name == "sqlite" and raw is not None:
            raw.set_progress_handler(self._tick, 10)

    @contextmanager
    def counting(self) -> Iterator[None]:
        event.listen(self.runtime.engine, "before_cursor_execute", self)
        try:
            yield
        finally:
            event.remove(self.runtime.engine, "before_cursor_execute", self)

    def amount(self) -> int:
        if self.runtime.engine.dialect.name == "sqlite":
            return self.steps
        rows = 0
        with self.runtime.engine.connect() as connection:
            for statement, parameters in self.statements:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                explained = connection.exec_driver_sql(
                    "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters
                ).scalar_one()
                plan = explained if isinstance(explained, list) else json.loads(explained)
                rows += _rows(plan[0]["Plan"])
        return rows


def _rows(node: dict[str, Any]) -> int:
    here = int(node["Actual Rows"] * node["Actual Loops"])
    removed = int(node.get("Rows Removed by Filter", 0))
    return here + removed + sum(_rows(child) for child in node.get("Plans", []))


def _last_page(runtime: Runtime, north: SeededClinic, size: int) -> tuple[list[int], int, int]:
    """The last page of a list of ``size`` patients asked for by its number: its ids, the
    statements and the work of the read."""
    with runtime.context.uow() as uow:
        clinician = uow.users.by_username(north.usernames[Role.CLINICIAN])
    assert clinician is not None
    actor = Actor(clinician.id, north.clinic.id, Role.CLINICIAN, "test", "127.0.0.1")
    work = _Work(runtime)
    query = PatientQuery(page=size // 25)
    patient_service.list_patients(runtime.context, actor, query)  # warm
    with work.counting():
        found = patient_service.list_patients(runtime.context, actor, query)
    assert (found.total, found.more, found.pages) == (size, False, size // 25)
    return [s.patient.id for s in found.items], len(work.statements), work.amount()


def test_a_page_number_deep_in_a_long_list_costs_what_a_page_near_the_start_does(
    runtime: Runtime,
) -> None:
    """Page 300 of 7,500 patients (7,475 rows before it) and page 60 of 1,500 (1,475): the
    same statements and the same work, within a fifth; walked from the start, the first read
    does five times the second's."""
    north = seed_clinic(runtime.context.uow, "north", TODAY)
    clinic = north.clinic.id
    grow(runtime.engine, clinic, north.patient.id, 1499, TODAY, whole_charts=False)
    small_ids, small_statements, small_work = _last_page(runtime, north, 1500)
    assert small_ids == _whole_list(runtime, clinic)[1475:]
    grow(runtime.engine, clinic, north.patient.id, 6000, TODAY, whole_charts=False)
    big_ids, big_statements, big_work = _last_page(runtime, north, 7500)
    assert big_ids == _whole_list(runtime, clinic)[7475:]
    assert big_statements == small_statements
    assert big_work <= 1.2 * small_work, (small_work, big_work)
    # A patient registered before them all moves every page by one row, the last one too.
    with runtime.context.uow() as uow:
        first = Patient(0, clinic, "Ana", "Aaa", dt.date(1980, 1, 2), Sex.FEMALE)
        uow.patients.add(first)
        uow.commit()
    window = stage_window(TODAY, runtime.context.rules)
    with runtime.context.uow() as uow:
        rows, _ = uow.patients.listing(clinic, "", None, window, ListPlace(7476), 25, 2000)
    assert [row.patient.id for row in rows] == big_ids


@pytest.mark.postgres
def test_registrations_at_once_count_each_other_on_postgres(
    postgres_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two front desks registering at the same moment: each transaction's marks count the
    other's patients (the marks of a clinic change one transaction at a time)."""
    monkeypatch.setattr(patient_rows, "MARK_STEP", 3)
    runtime = postgres_runtime
    north = seed_clinic(runtime.context.uow, "north", TODAY)
    clinic = north.clinic.id
    start = threading.Barrier(2)

    def register(desk: int) -> None:
        chance = random.Random(desk)
        start.wait()
        for _ in range(40):
            with runtime.context.uow() as uow:
                family = f"{chance.choice(FAMILIES)} {chance.randrange(100):02d}"
                uow.patients.add(Patient(0, clinic, "Kai", family, dt.date(1980, 1, 2), Sex.MALE))
                uow.commit()

    desks = [threading.Thread(target=register, args=(desk,)) for desk in (1, 2)]
    for desk in desks:
        desk.start()
    for desk in desks:
        desk.join()
    assert _check_marks(runtime, clinic) >= 81 // 6
    every = _whole_list(runtime, clinic)
    assert len(every) == 81
    for page in range(1, 16):
        assert _page_ids(runtime, clinic, page, 6) == every[(page - 1) * 6 : page * 6]
