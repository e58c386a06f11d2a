"""The patient list's query on SQLite and PostgreSQL: the series kept with each patient by the
chart's writes, the stage filter agreeing with ``domain.journey.stage_of``, name search through
an index (anywhere in a name, accents and case ignored), paging and counting in SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import event, select

from resurface.bootstrap import Runtime
from resurface.domain.chart import PlanStatus, TreatmentSession
from resurface.domain.codes import Modality
from resurface.domain.corrections import RecordKind
from resurface.domain.journey import Stage
from resurface.domain.people import Patient, Sex, name_key
from resurface.services.patients import stage_for, stage_window
from resurface.services.ports import ListPlace, SeriesFacts
from resurface.storage.repositories import patients as patient_rows
from resurface.storage.tables import patients
from tests.support.clinic import seed_clinic
from tests.support.population import grow

TODAY = dt.date.today()


def _names(rows: list[object]) -> list[str]:
    return [row.patient.full_name for row in rows]  # type: ignore[attr-defined]


def _patient(clinic_id: int, given: str, family: str) -> Patient:
    return Patient(0, clinic_id, given, family, dt.date(1980, 1, 2), Sex.FEMALE)


def test_the_series_follows_every_plan_and_session_write(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north", TODAY)
    clinic, pid = north.clinic.id, north.patient.id
    co2 = Modality.FRACTIONAL_ABLATIVE_CO2
    with runtime.context.uow() as uow:
        assert uow.patients.series(clinic, pid) == SeriesFacts(2, 1, TODAY - dt.timedelta(5), co2)
        session = uow.charts.session(clinic, north.record_ids["session"])
        assert session is not None
        second = uow.charts.add_session(replace(session, id=0, performed_on=TODAY))
        assert uow.patients.series(clinic, pid) == SeriesFacts(2, 2, TODAY, co2)
        erbium = replace(second.areas[0], modality=Modality.FRACTIONAL_ABLATIVE_ERBIUM)
        uow.charts.amend_session(replace(second, areas=(erbium,)))
        assert uow.patients.series(clinic, pid).last_modality is erbium.modality
        uow.charts.mark_entered_in_error(RecordKind.SESSION, clinic, second.id, 2, "wrong")
        assert uow.patients.series(clinic, pid) == SeriesFacts(2, 1, TODAY - dt.timedelta(5), co2)
        plan = uow.charts.plan(clinic, north.record_ids["plan"])
        assert plan is not None
        uow.charts.update_plan(replace(plan, status=PlanStatus.CANCELLED))
        assert uow.patients.series(clinic, pid).sessions_planned == 0
        uow.commit()
    with runtime.context.uow() as uow:
        assert uow.patients.series(clinic, pid).sessions_planned == 0
        assert uow.patients.series(clinic + 99, pid) == SeriesFacts(0, 0, None, None)


def test_the_stage_filter_finds_the_patients_stage_of_puts_there(runtime: Runtime) -> None:
    """Patients at every stage, with sessions of modalities that heal over different times and
    on the edges of their recovery windows: each stage's query finds exactly the patients the
    domain's rule puts there."""
    north = seed_clinic(runtime.context.uow, "north", TODAY)
    clinic = north.clinic.id
    rules = runtime.context.rules
    window = stage_window(TODAY, rules)
    with runtime.context.uow() as uow:
        plan = uow.charts.plan(clinic, north.record_ids["plan"])
        session = uow.charts.session(clinic, north.record_ids["session"])
        assert plan is not None and session is not None
        made = 0
        for modality in (Modality.FRACTIONAL_ABLATIVE_CO2, Modality.NONABLATIVE_FRACTIONAL_1550):
            healing = window.recovery_days[modality]
            for days_ago in (0, healing, healing + 1, 400):
                for sessions in (1, 2, 3):
                    made += 1
                    patient = uow.patients.add(_patient(clinic, "Stage", f"Case {made:03d}"))
                    new_plan = uow.charts.add_plan(replace(plan, id=0, patient_id=patient.id))
                    for k in range(sessions):
                        area = replace(session.areas[0], modality=modality)
                        day = TODAY - dt.timedelta(days=days_ago + 30 * (sessions - 1 - k))
                        uow.charts.add_session(
                            TreatmentSession(0, clinic, patient.id, session.clinician_id, day,
                                             "Test", areas=(area,), plan_id=new_plan.id)
                        )  # fmt: skip
        planned_only = uow.patients.add(_patient(clinic, "Stage", "Planned"))
        uow.charts.add_plan(replace(plan, id=0, patient_id=planned_only.id))
        uow.patients.add(_patient(clinic, "Stage", "Consulted"))
        uow.commit()
    with runtime.context.uow() as uow:
        everyone, total = uow.patients.listing(clinic, "", None, window, ListPlace(0), 200, 1000)
        assert total == made + 3
        expected = {
            stage: sorted(
                r.patient.id for r in everyone if stage_for(r.series, TODAY, rules) is stage
            )
            for stage in Stage
        }
        for stage in Stage:
            found, count = uow.patients.listing(clinic, "", stage, window, ListPlace(0), 200, 1000)
            assert sorted(r.patient.id for r in found) == expected[stage], stage
            assert count == len(expected[stage])
    assert all(expected[stage] for stage in Stage)  # every stage was reached


def test_search_finds_words_anywhere_in_a_name_ignoring_accents_and_case(
    runtime: Runtime,
) -> None:
    north = seed_clinic(runtime.context.uow, "north", TODAY)
    south = seed_clinic(runtime.context.uow, "south", TODAY)
    clinic = north.clinic.id
    window = stage_window(TODAY, runtime.context.rules)
    with runtime.context.uow() as uow:
        for given, family in (("Zoë", "Álvarez"), ("Ana", "Mccalder"), ("Calla", "Brennan"),
                              ("Seán", "Ó Súilleabháin"), ("Per%cy", "Under_score")):  # fmt: skip
            uow.patients.add(_patient(clinic, given, family))
        uow.patients.add(_patient(south.clinic.id, "Zoe", "Alvarez"))
        uow.commit()

    def search(words: str) -> list[str]:
        with runtime.context.uow() as uow:
            rows, total = uow.patients.listing(clinic, words, None, window, ListPlace(0), 50, 1000)
        assert total == len(rows)
        return _names(rows)

    assert search("alvarez") == search("ÁLVAREZ") == search("lvar") == ["Zoë Álvarez"]
    assert search("zoe alv") == ["Zoë Álvarez"]  # every word must match
    assert search("zoe brennan") == []
    assert search("calder") == ["Ana Mccalder"]  # inside the family name
    assert search("cal") == ["Calla Brennan", "Ana Mccalder"]  # given or family name
    assert search("ca") == ["Calla Brennan"]  # a short word matches the start of a name
    assert search("suilleabh sean") == ["Seán Ó Súilleabháin"]
    assert search("o suil") == ["Seán Ó Súilleabháin"]
    assert search("su") == []  # a short word is the start of the name, not of its second word
    assert search("r%c") == ["Per%cy Under_score"]  # % and _ are letters, not wildcards
    assert search("r_s") == ["Per%cy Under_score"]
    assert search("y_u") == search("r%d") == search("%") == []


def test_the_list_pages_and_counts_in_sql(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north", TODAY)
    clinic = north.clinic.id
    window = stage_window(TODAY, runtime.context.rules)
    with runtime.context.uow() as uow:
        for n in range(11):
            uow.patients.add(_patient(clinic, "Paged", f"Person {n:02d}"))
        uow.commit()
    with runtime.context.uow() as uow:
        first, total = uow.patients.listing(clinic, "paged", None, window, ListPlace(0), 5, 100)
        last, _ = uow.patients.listing(clinic, "paged", None, window, ListPlace(10), 5, 100)
        beyond, again = uow.patients.listing(clinic, "paged", None, window, ListPlace(15), 5, 100)
        _, stopped = uow.patients.listing(clinic, "paged", None, window, ListPlace(0), 5, 8)
    assert total == again == 11
    assert stopped == 8  # counted no further than asked
    assert _names(first) == [f"Paged Person {n:02d}" for n in range(5)]
    assert _names(last) == ["Paged Person 10"] and beyond == []


def test_a_name_search_is_served_by_an_index(runtime: Runtime) -> None:
    """The plan of the search query uses the trigram index (FTS5 on SQLite, pg_trgm on
    PostgreSQL), not a scan of the clinic's patients (nor of an index of every name: the
    PostgreSQL planner is asked with a clinic of some size, as it weighs the two by it)."""
    north = seed_clinic(runtime.context.uow, "north", TODAY)
    window = stage_window(TODAY, runtime.context.rules)
    if runtime.engine.dialect.name == "postgresql":
        grow(runtime.engine, north.clinic.id, north.patient.id, 3000, TODAY, whole_charts=False)
        # As autovacuum leaves it: the bulk load's trigram entries merged into the index.
        with runtime.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("VACUUM ANALYZE patients")
    with runtime.context.uow() as uow:
        connection = uow.patients.connection
        # The search's own condition (the clinic's is served by another index anyway).
        [_, searched] = uow.patients.conditions(north.clinic.id, "tester", None, window)
        query = select(patients.c.id).where(searched)
        sql = query.compile(connection, compile_kwargs={"literal_binds": True})
        if connection.dialect.name == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
            plan = "\n".join(str(row[-1]) for row in rows)
            assert "VIRTUAL TABLE INDEX" in plan, plan
            assert "SCAN patients" not in plan, plan
        else:
            plan = "\n".join(r[0] for r in connection.exec_driver_sql(f"EXPLAIN {sql}").all())
            assert "ix_patients_name_trigrams" in plan, plan
        assert connection.execute(query).scalars().all() == [north.patient.id]


def test_a_search_finding_few_on_sqlite_reads_them_by_its_index_not_walking_every_name(
    sqlite_runtime: Runtime,
) -> None:
    """SQLite has no statistics: left to itself it walks the name index for the list's order and
    tests every patient against the search; when the count found few, the page sorts the few.
    (PostgreSQL's planner chooses from its statistics.)"""
    runtime = sqlite_runtime
    north = seed_clinic(runtime.context.uow, "north", TODAY)
    window = stage_window(TODAY, runtime.context.rules)
    ran: list[tuple[str, Any]] = []

    def keep(_c: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        ran.append((statement, parameters))

    with runtime.context.uow() as uow:
        connection = uow.patients.connection
        event.listen(connection, "before_cursor_execute", keep)
        for words in ("tester", "te"):
            ran.clear()
            rows, total = uow.patients.listing(
                north.clinic.id, words, None, window, ListPlace(0), 25, 1001
            )
            assert total == len(rows) == 1
            [(page, parameters)] = [(s, p) for s, p in ran if "ORDER BY" in s]
            rows_of_plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {page}", parameters)
            plan = "\n".join(str(row[-1]) for row in rows_of_plan)
            # No index is walked by the clinic alone (every name); a range of one is read.
            assert "(clinic_id=?)" not in plan, (words, plan)
            assert "TEMP B-TREE FOR ORDER BY" in plan, (words, plan)
        event.remove(connection, "before_cursor_execute", keep)


def test_a_page_found_from_a_key_is_the_page_counted_from_the_start(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keyset paging: the page ``skip`` rows after (or before) a row's key is the page counted
    from the start of the list, for every way the list is read (a plain list, a search matching
    few, sorted, and one matching many, walked in order: ``_FEW`` lowered to reach it with a
    small clinic), and the count runs from the key. The list is in the order of the name keys."""
    north = seed_clinic(runtime.context.uow, "north", TODAY)
    clinic = north.clinic.id
    window = stage_window(TODAY, runtime.context.rules)
    with runtime.context.uow() as uow:
        for family in ("Baan-Calder", "Anan-Brennan", "Ro-Calder", "Bé-Okafor", "Álvarez-Ba",
                       "ba Calder", "Calder"):  # fmt: skip
            for given in ("Bastian", "Ana", "Zoë", "Babette", "Kai"):
                uow.patients.add(_patient(clinic, given, family))
        uow.commit()
    per = 4
    for few in (1000, 3):
        monkeypatch.setattr(patient_rows, "_FEW", few)
        for words in ("", "ba", "calder", "ba calder", "a"):
            with runtime.context.uow() as uow:
                every, _ = uow.patients.listing(clinic, words, None, window, ListPlace(), 200, 999)
                keys = [_key_of(r.patient) for r in every]
                assert keys == sorted(keys), words
                for start in range(0, len(every), per):
                    expected = _names(every[start : start + per])
                    page, _ = uow.patients.listing(
                        clinic, words, None, window, ListPlace(start), per, 999
                    )
                    assert _names(page) == expected, (few, words, start)
                    for anchor in range(0, len(every), per):
                        place = ListPlace(start - anchor, keys[anchor], anchor)
                        page, counted = uow.patients.listing(
                            clinic, words, None, window, place, per, 999
                        )
                        assert _names(page) == expected, (few, words, start, anchor)
                        assert counted == len(every) - anchor
            assert len(every) >= 3 * per, words  # pages enough to go back and forth


def _key_of(patient: Patient) -> tuple[str, str, int]:
    return name_key(patient.family_name), name_key(patient.given_name), patient.id
