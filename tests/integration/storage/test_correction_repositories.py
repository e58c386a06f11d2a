"""Corrections on SQLite and PostgreSQL alike: an amendment saves the new version only over the
one it was made on, entered in error moves a record out of the chart, the history round-trips."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from resurface.bootstrap import Runtime
from resurface.domain.codes import Area
from resurface.domain.corrections import Change, Correction, CorrectionKind, RecordKind, snapshot
from resurface.domain.errors import VersionConflict
from tests.support.clinic import seed_clinic


def test_each_amendment_saves_over_its_own_version_only(runtime: Runtime) -> None:
    seeded = seed_clinic(runtime.context.uow, "north")
    clinic, ids = seeded.clinic.id, seeded.record_ids
    with runtime.context.uow() as uow:
        session = uow.charts.session(clinic, ids["session"])
        assessment = uow.charts.assessment(clinic, ids["assessment"])
        consultation = uow.charts.consultation(clinic, ids["consultation"])
        photo = uow.charts.photo(clinic, ids["photo"])
        assert session and assessment and consultation and photo
        lower = replace(session.areas[0], energy_mj=12.0)
        assert uow.charts.amend_session(replace(session, areas=(lower,))).version == 2
        assert uow.charts.amend_assessment(replace(assessment, notes="regraded")).version == 2
        assert uow.charts.amend_consultation(replace(consultation, notes="fixed")).version == 2
        assert uow.charts.amend_photo(replace(photo, region=Area.CHEEKS.value)).version == 2
        with pytest.raises(VersionConflict):
            uow.charts.amend_photo(replace(photo, region=Area.FOREHEAD.value))
        uow.commit()
    with runtime.context.uow() as uow:
        chart = uow.charts.chart(clinic, seeded.patient.id)
    assert chart.sessions[0].areas[0].energy_mj == 12.0 and chart.sessions[0].version == 2
    assert len(chart.sessions[0].areas) == 1
    assert chart.assessments[0].notes == "regraded"
    assert chart.consultations[0].notes == "fixed"
    assert chart.photos[0].region == "cheeks"


def test_entered_in_error_moves_the_record_out_of_the_chart(runtime: Runtime) -> None:
    seeded = seed_clinic(runtime.context.uow, "north")
    clinic, ids = seeded.clinic.id, seeded.record_ids
    with runtime.context.uow() as uow:
        for kind in RecordKind:
            if kind is not RecordKind.PATIENT:
                uow.charts.mark_entered_in_error(kind, clinic, ids[kind.value], 1, "wrong one")
        with pytest.raises(VersionConflict):
            uow.charts.mark_entered_in_error(RecordKind.SESSION, clinic, ids["session"], 1, "x")
        uow.commit()
    with runtime.context.uow() as uow:
        chart = uow.charts.chart(clinic, seeded.patient.id)
        facts = uow.patients.series(clinic, seeded.patient.id)
    assert chart.sessions == () and chart.plans == () and chart.photos == ()
    assert len(chart.entered_in_error) == 6
    assert {r.entered_in_error for r in chart.entered_in_error} == {"wrong one"}
    assert (facts.sessions_planned, facts.sessions_done, facts.last_session_on) == (0, 0, None)


def test_the_history_of_a_record_round_trips_and_stays_in_its_clinic(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    south = seed_clinic(runtime.context.uow, "south")
    with runtime.context.uow() as uow:
        user = uow.users.by_username(north.usernames[next(iter(north.usernames))])
        assert user is not None
        kept = uow.corrections.add(
            Correction(
                id=0,
                clinic_id=north.clinic.id,
                patient_id=north.patient.id,
                record=RecordKind.PATIENT,
                record_id=north.patient.id,
                version=1,
                kind=CorrectionKind.AMENDED,
                reason="new number",
                changes=(Change("Phone", "", "0777"),),
                earlier=snapshot(north.patient),
                corrected_by=user.id,
                corrected_at=dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC),
            )
        )
        uow.commit()
    with runtime.context.uow() as uow:
        [found] = uow.corrections.for_record(north.clinic.id, RecordKind.PATIENT, north.patient.id)
        foreign = uow.corrections.for_record(south.clinic.id, RecordKind.PATIENT, north.patient.id)
    assert found == kept
    assert found.earlier["date_of_birth"] == "1970-05-17"
    assert foreign == []
