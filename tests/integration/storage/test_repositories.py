"""Repositories behave the same on SQLite and PostgreSQL: round trips, clinic scoping,
optimistic concurrency, and the audit chain."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import update

from resurface.bootstrap import Runtime
from resurface.domain.chart import ItemDecision, PlanStatus
from resurface.domain.codes import Area, FitzpatrickType, Modality, RedFlag, Score
from resurface.domain.corrections import RecordKind
from resurface.domain.errors import VersionConflict
from resurface.domain.people import Role
from resurface.services import audit
from resurface.services.access import Actor
from resurface.storage.tables import audit_events
from tests.support.clinic import seed_clinic


def test_every_chart_record_round_trips(runtime: Runtime) -> None:
    seeded = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        chart = uow.charts.chart(seeded.clinic.id, seeded.patient.id)
    consultation = chart.consultations[0]
    assert consultation.goals[0].area == "perioral"
    assert consultation.history.hsv_history is True
    assert consultation.findings[0].modalities == (Modality.FRACTIONAL_ABLATIVE_CO2,)
    assert chart.assessments[0].grades[0].label == "advanced"
    assert chart.plans[0].items[0].interval_weeks.max == 8
    assert chart.plans[0].items[0].decision is ItemDecision.ACCEPTED
    assert chart.sessions[0].areas[0].energy_mj == 15.0
    checkin = chart.checkins[0].checkin
    assert checkin.scores[Score.REDNESS] == 6
    assert checkin.red_flags == frozenset({RedFlag.FEVER})
    assert chart.checkins[0].submitted_at.tzinfo is not None
    assert chart.photos[0].region == "perioral"


def test_a_chart_read_with_its_patient_gives_what_the_reads_apart_give(runtime: Runtime) -> None:
    """The chart page's read (patient, chart and series in the chart's queries): plans and
    sessions with several lines each keep them in order, a patient without records has an empty
    chart, another clinic's patient is absent."""
    north = seed_clinic(runtime.context.uow, "north")
    south = seed_clinic(runtime.context.uow, "south")
    clinic = north.clinic.id
    with runtime.context.uow() as uow:
        chart = uow.charts.chart(clinic, north.patient.id)
        plan, session = chart.plans[0], chart.sessions[0]
        item, area = plan.items[0], session.areas[0]
        uow.charts.add_plan(replace(plan, items=(item, replace(item, area=Area.FOREHEAD))))
        uow.charts.add_session(replace(session, areas=(area, replace(area, area=Area.NECK))))
        newcomer = uow.patients.add(replace(north.patient, given_name="Nia"))
        uow.commit()
    with runtime.context.uow() as uow:
        for patient_id in (north.patient.id, newcomer.id):
            patient = uow.patients.get(clinic, patient_id)
            series = uow.patients.series(clinic, patient_id)
            chart = uow.charts.chart(clinic, patient_id)
            read = uow.charts.chart_read(clinic, patient_id)
            assert read is not None
            assert (read.patient, read.chart, read.facts) == (patient, chart, series)
        found = uow.charts.chart_read(clinic, north.patient.id)
        newcomers = uow.charts.chart_read(clinic, newcomer.id)
        assert uow.charts.chart_read(clinic, south.patient.id) is None
    assert found is not None and newcomers is not None
    patient, chart, series = found.patient, found.chart, found.facts
    assert patient.id == north.patient.id
    assert [[i.area for i in p.items] for p in chart.plans] == [
        [item.area],
        [item.area, Area.FOREHEAD],
    ]
    assert [[a.area for a in s.areas] for s in chart.sessions] == [
        [area.area],
        [area.area, Area.NECK],
    ]
    assert series.sessions_done == 2
    assert len(chart.consultations) == 1
    assert newcomers.patient.given_name == "Nia"
    assert newcomers.chart.consultations == newcomers.chart.plans == newcomers.chart.checkins == ()
    assert newcomers.facts.sessions_done == 0


def test_records_of_another_clinic_read_as_absent(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    south = seed_clinic(runtime.context.uow, "south")
    with runtime.context.uow() as uow:
        finders = {
            "patient": uow.patients.get,
            "consultation": uow.charts.consultation,
            "assessment": uow.charts.assessment,
            "plan": uow.charts.plan,
            "session": uow.charts.session,
            "checkin": uow.charts.checkin,
            "photo": uow.charts.photo,
        }
        assert set(finders) == {kind.value for kind in RecordKind}
        for kind, find in finders.items():
            assert find(south.clinic.id, south.record_ids[kind]) is not None, kind
            assert find(north.clinic.id, south.record_ids[kind]) is None, kind
        assert uow.charts.chart(north.clinic.id, south.patient.id).consultations == ()
        names = [p.family_name for p in uow.patients.in_clinic(north.clinic.id)]
        assert names == ["Tester-north"]


def test_patient_search_matches_parts_of_either_name(runtime: Runtime) -> None:
    seeded = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        assert len(uow.patients.in_clinic(seeded.clinic.id, "rob")) == 1
        assert len(uow.patients.in_clinic(seeded.clinic.id, "TESTER rob")) == 1
        assert uow.patients.in_clinic(seeded.clinic.id, "nobody") == []


def test_a_stale_patient_write_is_refused_and_the_newer_one_kept(runtime: Runtime) -> None:
    seeded = seed_clinic(runtime.context.uow, "north")
    first = replace(seeded.patient, phone="0111")
    second = replace(seeded.patient, phone="0222")
    with runtime.context.uow() as uow:
        saved = uow.patients.update(first)
        uow.commit()
    assert saved.version == 2
    with (
        runtime.context.uow() as uow,
        pytest.raises(VersionConflict, match="version 1, it is now version 2"),
    ):
        uow.patients.update(second)
    with runtime.context.uow() as uow:
        kept = uow.patients.get(seeded.clinic.id, seeded.patient.id)
    assert kept is not None and kept.phone == "0111"


def test_a_stale_plan_decision_is_refused(runtime: Runtime) -> None:
    seeded = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        plan = uow.charts.plan(seeded.clinic.id, seeded.record_ids["plan"])
        assert plan is not None
        uow.charts.update_plan(replace(plan, status=PlanStatus.COMPLETED))
        uow.commit()
    with runtime.context.uow() as uow, pytest.raises(VersionConflict):
        uow.charts.update_plan(replace(plan, status=PlanStatus.CANCELLED))
    with runtime.context.uow() as uow:
        stored = uow.charts.plan(seeded.clinic.id, plan.id)
    assert stored is not None and stored.status is PlanStatus.COMPLETED and stored.version == 2


def test_nothing_is_kept_without_commit(runtime: Runtime) -> None:
    seeded = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        uow.patients.update(replace(seeded.patient, fitzpatrick_type=FitzpatrickType.V))
    with runtime.context.uow() as uow:
        kept = uow.patients.get(seeded.clinic.id, seeded.patient.id)
    assert kept is not None and kept.fitzpatrick_type is FitzpatrickType.II


def test_series_facts_count_sessions_and_planned_total(runtime: Runtime) -> None:
    seeded = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        facts = uow.patients.series(seeded.clinic.id, seeded.patient.id)
    assert (facts.sessions_planned, facts.sessions_done) == (2, 1)
    assert facts.last_modality is Modality.FRACTIONAL_ABLATIVE_CO2


def _actor(clinic_id: int) -> Actor:
    return Actor(1, clinic_id, Role.CLINICIAN, "Dr Test", "127.0.0.1")


def test_audit_chain_verifies_and_finds_the_first_tampered_event(runtime: Runtime) -> None:
    with runtime.context.uow() as uow:
        for n in range(5):
            audit.record(uow, _actor(1), "read", "patient", n, patient_id=n)
        uow.commit()
    with runtime.context.uow() as uow:
        report = audit.verify_trail(uow, runtime.context.anchor)
    assert report.intact and report.events == 5
    with runtime.engine.begin() as connection:
        connection.execute(
            update(audit_events).where(audit_events.c.seq == 3).values(actor="someone else")
        )
    with runtime.context.uow() as uow:
        report = audit.verify_trail(uow, runtime.context.anchor)
    assert report.broken is not None and report.broken.seq == 3
    assert "changed" in report.broken.reason


def test_audit_finds_events_cut_off_the_end(runtime: Runtime) -> None:
    with runtime.context.uow() as uow:
        for n in range(3):
            audit.record(uow, _actor(1), "read", "patient", n)
        uow.commit()
    with runtime.engine.begin() as connection:
        connection.execute(audit_events.delete().where(audit_events.c.seq == 3))
    with runtime.context.uow() as uow:
        report = audit.verify_trail(uow, runtime.context.anchor)
    assert report.broken is not None and report.broken.seq == 3


def test_audit_events_roll_back_with_their_unit_of_work(runtime: Runtime) -> None:
    with runtime.context.uow() as uow:
        audit.record(uow, _actor(1), "read", "patient", 1)
    with runtime.context.uow() as uow:
        assert list(uow.audit.in_order()) == []
        assert uow.audit.head() == (0, "0" * 64)


def test_web_sessions_expire(runtime: Runtime) -> None:
    from resurface.services.ports import WebSession

    seeded = seed_clinic(runtime.context.uow, "north")
    now = dt.datetime.now(dt.UTC)
    with runtime.context.uow() as uow:
        user = uow.users.by_username(seeded.usernames[Role.STAFF])
        assert user is not None
        uow.web_sessions.add(WebSession("h" * 64, user.id, user.clinic_id, "c", now, now))
        uow.commit()
    with runtime.context.uow() as uow:
        assert uow.web_sessions.get("h" * 64) is not None
        assert uow.web_sessions.delete_expired(now + dt.timedelta(seconds=1)) == 1
        uow.commit()
    with runtime.context.uow() as uow:
        assert uow.web_sessions.get("h" * 64) is None
