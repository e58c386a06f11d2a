"""A clinic grown to thousands of patients in seconds, for the scale tests and ``make bench``.

One patient is recorded through the repositories (``seed_clinic``); ``grow`` copies its chart
rows with bulk inserts (no audit, no services: a chart's copy is what a clinic would hold after
years of work, not a use case). Each copy gets a new name and a place on the journey, by its
number modulo 10: 0–1 consultation only, 2–3 planned, 4–5 mid-series, 6–7 recovering, 8–9
finished, with the series kept with the patient exactly as the chart repository keeps it.
One copy in 50 (ten in a row in every 500) is "current": its last session was two days ago if
it is recovering, and a treated one has a check-in due today, a session booked this week and an
open alert; the others' sessions are more than a year old, as in a clinic's years of records.
A heavy patient has 20 sessions, 500 check-ins and 100 photos.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, insert, select, text

from resurface.domain.appointments import AppointmentStatus
from resurface.domain.people import name_key
from resurface.storage.repositories.patients import mark_list
from resurface.storage.tables import (
    alerts,
    appointments,
    assessments,
    checkins,
    consultations,
    patients,
    photos,
    plan_items,
    session_areas,
    treatment_plans,
    treatment_sessions,
)

_BATCH = 5000
_LONG_AGO = 400
"""Days back for a session whose recovery is over (longer than any modality's healing)."""

_FAMILY = (
    "Calder", "Brennan", "Okafor", "Nakamura", "Lindqvist", "Moreau", "Álvarez",
    "Ó Súilleabháin", "Kowalski", "Haddad", "Fischer", "Dubois", "Rossi", "Novak",
)  # fmt: skip
_SYLLABLES = ("ba", "ro", "ki", "ne", "tha", "mo", "li", "sa", "vé", "du", "an", "er")
_GIVEN = ("Robin", "Ana", "Zoë", "Noor", "Kai", "Léa", "Sam", "Ines", "Tom", "Mira")


@dataclass(frozen=True)
class Grown:
    first_id: int
    count: int
    heavy_id: int | None


def family_name(n: int) -> str:
    """A family name for copy ``n``: a syllable pair before a common name, so names repeat
    rarely and a search for a common name finds one in 14."""
    a, b = _SYLLABLES[n % 12], _SYLLABLES[(n // 12) % 12]
    return f"{(a + b).capitalize()}-{_FAMILY[(n // 144) % len(_FAMILY)]}"


def grow(
    engine: Engine,
    clinic_id: int,
    template_patient_id: int,
    count: int,
    today: dt.date,
    *,
    heavy: bool = False,
    stages: Sequence[int] = range(10),
    whole_charts: bool = True,
) -> Grown:
    """Add ``count`` patients (and a heavy one if asked) to the clinic, copied from the
    template patient's chart; returns the first new patient id. Copy ``n`` takes the place
    ``stages[n % len(stages)]`` on the journey (see the module); without ``whole_charts`` only
    the plan and sessions are copied (the fastest way to many treated patients)."""
    with engine.begin() as connection:
        template = _Template.read(connection, template_patient_id)
        if not whole_charts:
            template = template.bare()
        ids = _Ids(connection)
        first = ids.peek(patients)
        rows: dict[Table, list[dict[str, Any]]] = {}
        for n in range(count):
            _copy(template, ids, rows, n, today, clinic_id, stage=stages[n % len(stages)])
            if sum(len(r) for r in rows.values()) > _BATCH:
                _flush(connection, rows)
        heavy_id = _heavy(template, ids, rows, count, today, clinic_id) if heavy else None
        _flush(connection, rows)
        ids.settle()
        mark_list(connection, clinic_id)  # bulk inserts: the list's marks set afresh
        if connection.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))
    if engine.dialect.name == "sqlite":
        # Fold the bulk write into the database file, as SQLite's own checkpoints would in time.
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return Grown(first, count, heavy_id)


@dataclass(frozen=True)
class _Template:
    patient: dict[str, Any]
    rows: dict[Table, list[dict[str, Any]]]

    @classmethod
    def read(cls, connection: Connection, patient_id: int) -> _Template:
        patient = dict(
            connection.execute(select(patients).where(patients.c.id == patient_id)).one()._mapping
        )
        rows: dict[Table, list[dict[str, Any]]] = {}
        for table in (consultations, assessments, treatment_plans, treatment_sessions,
                      checkins, photos):  # fmt: skip
            query = select(table).where(table.c.patient_id == patient_id).order_by(table.c.id)
            rows[table] = [dict(r._mapping) for r in connection.execute(query)]
        for lines, parent, key in ((plan_items, treatment_plans, "plan_id"),
                                   (session_areas, treatment_sessions, "session_id")):  # fmt: skip
            query = (
                select(lines)
                .join(parent, parent.c.id == lines.c[key])
                .where(parent.c.patient_id == patient_id)
            )
            rows[lines] = [dict(r._mapping) for r in connection.execute(query)]
        return cls(patient, rows)

    def bare(self) -> _Template:
        """The template with only what the stage is made of: plan, items, sessions, areas."""
        kept = (treatment_plans, plan_items, treatment_sessions, session_areas)
        return _Template(
            self.patient, {t: (rows if t in kept else []) for t, rows in self.rows.items()}
        )


class _Ids:
    """The next free id of each table, handed out here; PostgreSQL's sequences are moved past
    them at the end."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.next: dict[Table, Iterator[int]] = {}
        self.used: dict[Table, int] = {}

    def peek(self, table: Table) -> int:
        return self._start(table)

    def _start(self, table: Table) -> int:
        return int(self.connection.execute(select(func.max(table.c.id))).scalar() or 0) + 1

    def take(self, table: Table) -> int:
        if table not in self.next:
            self.next[table] = itertools.count(self._start(table))
        value = next(self.next[table])
        self.used[table] = value
        return value

    def settle(self) -> None:
        if self.connection.dialect.name != "postgresql":
            return
        for table, last in self.used.items():
            self.connection.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), :last)"),
                {"last": last},
            )


_ORDER = (
    patients,
    consultations,
    assessments,
    treatment_plans,
    plan_items,
    treatment_sessions,
    session_areas,
    checkins,
    photos,
    appointments,
    alerts,
)


def _flush(connection: Connection, rows: dict[Table, list[dict[str, Any]]]) -> None:
    for table in _ORDER:
        batch = rows.pop(table, [])
        for start in range(0, len(batch), _BATCH):
            connection.execute(insert(table), batch[start : start + _BATCH])


def _add(rows: dict[Table, list[dict[str, Any]]], table: Table, row: dict[str, Any]) -> None:
    rows.setdefault(table, []).append(row)


def _copy(
    template: _Template,
    ids: _Ids,
    rows: dict[Table, list[dict[str, Any]]],
    n: int,
    today: dt.date,
    clinic_id: int,
    *,
    stage: int,
    sessions: int | None = None,
    given: str | None = None,
) -> int:
    given = given or _GIVEN[n % len(_GIVEN)]
    family = family_name(n)
    done = sessions if sessions is not None else (0, 0, 0, 0, 1, 1, 1, 1, 2, 2)[stage]
    planned = int(template.patient["series_planned"]) if stage >= 2 else 0
    if sessions is not None:
        planned = max(planned, sessions)
    current = (n // 10) % 50 == 0
    recent = (current and stage in (6, 7)) or sessions is not None
    performed = [
        today - dt.timedelta(days=2 if recent and k == done - 1 else _LONG_AGO + 30 * (done - k))
        for k in range(done)
    ]
    pid = ids.take(patients)
    owned = {"patient_id": pid, "clinic_id": clinic_id}
    _add(
        rows,
        patients,
        template.patient
        | {
            "id": pid,
            "clinic_id": clinic_id,
            "given_name": given,
            "family_name": family,
            "given_key": name_key(given),
            "family_key": name_key(family),
            "series_planned": planned,
            "series_done": done,
            "last_session_on": performed[-1] if performed else None,
            "last_modality": template.rows[session_areas][0]["modality"] if done else None,
            "version": 1,
        },
    )
    for table in (consultations, assessments):
        for row in template.rows[table]:
            _add(rows, table, row | owned | {"id": ids.take(table)})
    if planned == 0:
        return pid
    plan_id = ids.take(treatment_plans)
    _add(rows, treatment_plans, template.rows[treatment_plans][0] | owned | {"id": plan_id})
    for item in template.rows[plan_items]:
        item_id = ids.take(plan_items)
        _add(
            rows,
            plan_items,
            item | {"id": item_id, "plan_id": plan_id, "sessions_expected": planned},
        )
    session_id = 0
    for day in performed:
        session_id = ids.take(treatment_sessions)
        session = {"id": session_id, "plan_id": plan_id, "performed_on": day}
        _add(rows, treatment_sessions, template.rows[treatment_sessions][0] | owned | session)
        for area in template.rows[session_areas]:
            area_id = ids.take(session_areas)
            _add(rows, session_areas, area | {"id": area_id, "session_id": session_id})
        for k, checkin in enumerate(template.rows[checkins]):
            checked = {"session_id": session_id, "checked_on": day + dt.timedelta(days=1 + k)}
            _add(rows, checkins, checkin | owned | checked | {"id": ids.take(checkins)})
        for photo in template.rows[photos]:
            taken = {"id": ids.take(photos), "assessment_id": None, "checkin_id": None}
            _add(rows, photos, photo | owned | taken)
    if performed and current:
        _current(ids, rows, pid, session_id, plan_id, today, clinic_id)
    return pid


def _current(
    ids: _Ids,
    rows: dict[Table, list[dict[str, Any]]],
    pid: int,
    session_id: int,
    plan_id: int,
    today: dt.date,
    clinic_id: int,
) -> None:
    stamp = dt.datetime.combine(today, dt.time(9), tzinfo=dt.UTC)
    owned = {"patient_id": pid, "clinic_id": clinic_id}
    for kind, due in (("checkin", today), ("session", today + dt.timedelta(days=3))):
        appointment = {
            "id": ids.take(appointments),
            "kind": kind,
            "due_on": due,
            "after_session_id": session_id,
            "plan_id": plan_id,
            "status": AppointmentStatus.BOOKED.value,
            "created_at": stamp,
        }
        _add(rows, appointments, appointment | owned)
    alert = {
        "id": ids.take(alerts),
        "session_id": session_id,
        "checkin_id": None,
        "code": "prolonged_erythema",
        "urgency": "soon",
        "day": 2,
        "message": "Redness is lasting longer than expected.",
        "patient_message": "The clinic will call you.",
        "raised_at": stamp,
        "status": "open",
        "acknowledged_by": None,
        "acknowledged_at": None,
        "closed_by": None,
        "closed_at": None,
        "note": "",
        "version": 1,
    }
    _add(rows, alerts, alert | owned)


def _heavy(
    template: _Template,
    ids: _Ids,
    rows: dict[Table, list[dict[str, Any]]],
    n: int,
    today: dt.date,
    clinic_id: int,
) -> int:
    """20 sessions, then 25 check-ins and 5 photos after each (500 and 100)."""
    grown = dict(template.rows)
    grown[checkins] = template.rows[checkins] * 25
    grown[photos] = template.rows[photos] * 5
    heavy = _Template(template.patient, grown)
    return _copy(heavy, ids, rows, n, today, clinic_id, stage=6, sessions=20, given="Heavy")
