"""The chart page's read in one statement (``SqlCharts.chart_read``, its records as JSON; on
SQLite the plans and sessions apart) gives, on SQLite and PostgreSQL, exactly what the reads of
each kind give: the same records, values of the same types (floats to the last digit, times in
UTC, booleans), in the same order, and nothing of another patient or another clinic."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH
from sqlalchemy import event
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect

from resurface.bootstrap import Runtime
from resurface.domain.alerts import AlertStatus, ClinicAlert
from resurface.domain.chart import (
    AreaSettings,
    Assessment,
    CheckInRecord,
    Grade,
    Photo,
    PhotoPurpose,
    Span,
)
from resurface.domain.checkin import CheckIn
from resurface.domain.codes import (
    AlertCode,
    Area,
    Concern,
    FitzpatrickType,
    Modality,
    RedFlag,
    Score,
    Severity,
    Urgency,
)
from resurface.domain.consent import PhotoConsent, PhotoUse
from resurface.domain.corrections import RecordKind
from resurface.domain.intake import Goal, MedicalHistory
from resurface.domain.people import Role
from resurface.services.ports import ChartRead, UnitOfWork
from resurface.storage.repositories.charts import _CHART_READ
from tests.support.clinic import SeededClinic, seed_clinic

NOW = dt.datetime(2026, 11, 20, 9, 30, 15, 123456, tzinfo=dt.UTC)
ODD = 'notes with "quotes", a back\\slash, a tab\t, a line\nbreak and ünïcødé ✓'
FLOATS = (1 / 3, 0.1 + 0.2, 12.345678901234567, 3.0, 1e-7, 2.5e15)


def _records_of(uow: UnitOfWork, seeded: SeededClinic, note: str) -> None:
    """A rich chart for the seeded patient (several records of each kind, amended and struck
    ones, lines in several positions, alerts in every state, consents granted and withdrawn),
    added to the one record of each kind ``seed_clinic`` gave them."""
    cid, pid = seeded.clinic.id, seeded.patient.id
    clinician = uow.users.by_username(seeded.usernames[Role.CLINICIAN])
    assert clinician is not None
    charts = uow.charts
    chart = charts.chart(cid, pid)
    session_id = chart.sessions[0].id
    consultation = charts.add_consultation(
        replace(
            chart.consultations[0],
            id=0,
            held_on=dt.date(1999, 1, 2),
            goals=(
                Goal(Concern.WRINKLES, Area.FOREHEAD, Severity.MILD),
                Goal(Concern.WRINKLES, Area.NECK, Severity.SEVERE),
            ),
            history=MedicalHistory(hsv_history=False),
            fitzpatrick_type=FitzpatrickType.V,
            eligible=False,
            findings=(),
            fitzpatrick_answers=(0, 4, 2, 1, 3),
            notes=note,
        )
    )
    charts.mark_entered_in_error(RecordKind.CONSULTATION, cid, consultation.id, 1, "wrong patient")
    assessments = [
        charts.add_assessment(
            Assessment(
                0,
                cid,
                pid,
                clinician.id,
                dt.date(2026, 10, n + 1),
                grades=tuple(Grade(area, "glogau", n + 1, f"grade {n}") for area in areas),
                notes=note if n == 1 else "",
            )
        )
        for n, areas in enumerate([(Area.PERIORAL,), (Area.FOREHEAD, Area.NECK), ()])
    ]
    charts.amend_assessment(replace(assessments[0], notes="amended " + note))
    charts.mark_entered_in_error(RecordKind.ASSESSMENT, cid, assessments[2].id, 1, "duplicate")
    plan = chart.plans[0]
    item = plan.items[0]
    items = tuple(
        replace(item, area=area, interval_weeks=Span(low, high), downtime_days=Span(high, low))
        for area, low, high in zip(
            (Area.FOREHEAD, Area.PERIORAL, Area.NECK), FLOATS[0::2], FLOATS[1::2], strict=True
        )
    )
    plans = [
        charts.add_plan(replace(plan, id=0, items=items, proposal={"why": [note, 1.5]})),
        charts.add_plan(replace(plan, id=0, items=(), cosigned_by=clinician.id, cosigned_at=NOW)),
    ]
    charts.mark_entered_in_error(RecordKind.PLAN, cid, plans[1].id, 1, "cancelled in error")
    session = chart.sessions[0]
    areas = tuple(
        AreaSettings(area, Modality.FRACTIONAL_ABLATIVE_CO2, 10600, n + 1, *values, note, note)
        for n, (area, values) in enumerate(
            [
                (Area.NECK, FLOATS[:5]),
                (Area.PERIORAL, (None,) * 5),
                (Area.FOREHEAD, FLOATS[1:6]),
            ]
        )
    )
    sessions = [
        charts.add_session(
            replace(session, id=0, areas=areas, guards_passed=("a", "b"), proceed_reason=note)
        ),
        charts.add_session(replace(session, id=0, areas=(), plan_id=None)),
    ]
    charts.mark_entered_in_error(RecordKind.SESSION, cid, sessions[1].id, 1, "no such visit")
    scores = {score: n for n, score in enumerate(Score)}
    checkins = [
        charts.add_checkin(
            CheckInRecord(
                0,
                cid,
                pid,
                sessions[0].id,
                CheckIn(dt.date(2026, 11, n + 1), scores, flags, note if n else ""),
                NOW.astimezone(dt.timezone(dt.timedelta(hours=5, minutes=30)))
                + dt.timedelta(hours=n),
            )
        )
        for n, flags in enumerate(
            [frozenset(), frozenset(RedFlag), frozenset({RedFlag.FEVER, RedFlag.DARK_PATCHES})]
        )
    ]
    charts.mark_entered_in_error(RecordKind.CHECKIN, cid, checkins[0].id, 1, "test entry")
    photo = chart.photos[0]
    photos = [
        charts.add_photo(replace(photo, id=0, assessment_id=None, captured_at=NOW)),
        charts.add_photo(
            replace(
                photo,
                id=0,
                assessment_id=None,
                session_id=sessions[0].id,
                checkin_id=checkins[2].id,
                region=note[:40],
                purpose=PhotoPurpose.FOLLOW_UP,
            )
        ),
    ]
    charts.accept_photo(replace(photos[1], accepted_by=clinician.id, accepted_at=NOW))
    charts.amend_photo(replace(photos[0], region="forehead"))
    charts.mark_entered_in_error(RecordKind.PHOTO, cid, photos[0].id, 2, "blurred")
    # Alerts raised out of id order, two at the same time (the newer id first), in every state.
    alerts = [
        uow.alerts.add(
            ClinicAlert(
                0,
                cid,
                pid,
                session_id,
                code,
                urgency,
                day,
                note,
                "call us",
                NOW - dt.timedelta(hours=hours),
                checkin_id=checkins[2].id if day else None,
            )
        )
        for code, urgency, day, hours in [
            (AlertCode.POSSIBLE_INFECTION, Urgency.URGENT, 3, 5),
            (AlertCode.POSSIBLE_HSV, Urgency.SOON, 0, 1),
            (AlertCode.URGENT_CONTACT, Urgency.ROUTINE, 7, 5),
            (AlertCode.DELAYED_HEALING, Urgency.ROUTINE, 11, 30),
        ]
    ]
    uow.alerts.update(
        replace(
            alerts[0],
            status=AlertStatus.ACKNOWLEDGED,
            acknowledged_by=clinician.id,
            acknowledged_at=NOW,
        )
    )
    uow.alerts.update(
        replace(
            alerts[3],
            status=AlertStatus.CLOSED,
            acknowledged_by=clinician.id,
            acknowledged_at=NOW,
            closed_by=clinician.id,
            closed_at=NOW,
            note=note,
        )
    )
    # Consents granted, withdrawn, given again; two at the same time (ordered by id).
    for use, granted, hours in [
        (PhotoUse.TEACHING, True, 0),
        (PhotoUse.RECORD, True, 48),
        (PhotoUse.TEACHING, False, 24),
        (PhotoUse.MARKETING, False, 24),
        (PhotoUse.MARKETING, True, 0),
    ]:
        uow.consents.add_photo_consent(
            PhotoConsent(
                0,
                cid,
                pid,
                use,
                granted,
                clinician.id,
                NOW - dt.timedelta(hours=hours),
                note if granted else "",
            )
        )


def _apart(uow: UnitOfWork, clinic_id: int, patient_id: int) -> ChartRead:
    """What the reads of each kind give."""
    patient = uow.patients.get(clinic_id, patient_id)
    assert patient is not None
    return ChartRead(
        patient,
        uow.charts.chart(clinic_id, patient_id),
        uow.patients.series(clinic_id, patient_id),
        uow.alerts.for_patient(clinic_id, patient_id),
        uow.consents.photo_consents(clinic_id, patient_id),
    )


def test_the_chart_in_one_read_is_what_the_reads_of_each_kind_give(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    south = seed_clinic(runtime.context.uow, "south")
    with runtime.context.uow() as uow:
        _records_of(uow, north, ODD)
        _records_of(uow, south, "south's")
        # another patient of the same clinic with records of their own
        other = uow.patients.add(replace(north.patient, id=0, given_name="Other"))
        clinician = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert clinician is not None
        chart = uow.charts.chart(north.clinic.id, north.patient.id)
        for record in (chart.assessments[0], chart.checkins[0], chart.photos[0]):
            moved = replace(record, id=0, patient_id=other.id)
            if isinstance(moved, Assessment):
                uow.charts.add_assessment(moved)
            elif isinstance(moved, CheckInRecord):
                uow.charts.add_checkin(moved)
            elif isinstance(moved, Photo):
                uow.charts.add_photo(moved)
        uow.consents.add_photo_consent(
            PhotoConsent(0, north.clinic.id, other.id, PhotoUse.RECORD, True, clinician.id, NOW)
        )
        # rows naming the patient but another clinic (never written by the app, read by none)
        uow.charts.add_assessment(replace(chart.assessments[0], id=0, clinic_id=south.clinic.id))
        uow.consents.add_photo_consent(
            PhotoConsent(
                0, south.clinic.id, north.patient.id, PhotoUse.RECORD, True, clinician.id, NOW
            )
        )
        newcomer = uow.patients.add(replace(north.patient, id=0, given_name="Nia"))
        uow.commit()
    statements: list[str] = []

    def counted(*args: Any) -> None:
        statements.append(args[2])

    cid = north.clinic.id
    with runtime.context.uow() as uow:
        for patient_id in (north.patient.id, other.id, newcomer.id):
            expected = _apart(uow, cid, patient_id)
            event.listen(runtime.engine, "before_cursor_execute", counted)
            try:
                found = uow.charts.chart_read(cid, patient_id)
            finally:
                event.remove(runtime.engine, "before_cursor_execute", counted)
            assert found == expected
            # the same types too: 3.0 and 3 are equal, a UTC time and a naive one are not
            assert repr(found) == repr(expected)
        # one each; on SQLite the plans and sessions apart (its JSON cannot carry their floats)
        assert len(statements) == 3 * (3 if runtime.engine.dialect.name == "sqlite" else 1)
        rich = uow.charts.chart_read(cid, north.patient.id)
        assert uow.charts.chart_read(cid, south.patient.id) is None
        assert uow.charts.chart_read(south.clinic.id, north.patient.id) is None
        south_read = uow.charts.chart_read(south.clinic.id, south.patient.id)
        assert south_read == _apart(uow, south.clinic.id, south.patient.id)
    assert rich is not None and south_read is not None
    # The chart is as rich as meant (so the comparison above compared something), and holds
    # nothing of another patient or clinic.
    chart = rich.chart
    assert (len(chart.consultations), len(chart.assessments), len(chart.plans)) == (1, 3, 2)
    assert (len(chart.sessions), len(chart.checkins), len(chart.photos)) == (2, 3, 2)
    assert len(chart.entered_in_error) == 6
    assert [len(p.items) for p in chart.plans] == [1, 3]
    assert [len(s.areas) for s in chart.sessions] == [1, 3]
    assert chart.sessions[1].areas[0].energy_mj == FLOATS[0]
    assert chart.sessions[1].areas[1].energy_mj is None
    assert chart.checkins[1].checkin.red_flags == frozenset(RedFlag)
    assert chart.photos[1].accepted_at == NOW and chart.photos[1].region == ODD[:40]
    assert [a.code for a in rich.alerts] == [
        AlertCode.POSSIBLE_HSV,
        AlertCode.URGENT_CONTACT,
        AlertCode.POSSIBLE_INFECTION,
        AlertCode.DELAYED_HEALING,
    ]
    assert {a.status for a in rich.alerts} == set(AlertStatus)
    assert [(c.use, c.granted) for c in rich.photo_consents] == [
        (PhotoUse.RECORD, True),
        (PhotoUse.TEACHING, False),
        (PhotoUse.MARKETING, False),
        (PhotoUse.TEACHING, True),
        (PhotoUse.MARKETING, True),
    ]
    records = [
        *rich.alerts,
        *rich.photo_consents,
        *chart.entered_in_error,
        *(r for kind in (chart.consultations, chart.assessments, chart.plans) for r in kind),
        *(r for kind in (chart.sessions, chart.checkins, chart.photos) for r in kind),
    ]
    assert {(r.clinic_id, r.patient_id) for r in records} == {(cid, north.patient.id)}


def test_the_postgresql_statement_is_short_enough_for_psycopg_to_keep_its_conversion() -> None:
    """psycopg converts a statement to PostgreSQL's form anew on every run when it is longer
    than 4,096 characters (``MAX_CACHED_STATEMENT_LENGTH``): 0.1 ms of CPU per chart read."""
    compiled = str(_CHART_READ[False].compile(dialect=psycopg_dialect()))  # type: ignore[no-untyped-call]
    assert len(compiled) <= MAX_CACHED_STATEMENT_LENGTH == 4096
