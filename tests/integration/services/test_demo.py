"""The demo clinic: loaded once, every stage of the journey in both clinics, real engine output."""

from __future__ import annotations

import datetime as dt
import itertools

from resurface.bootstrap import Runtime
from resurface.demo import photo_jobs
from resurface.demo import story as demo
from resurface.demo.book import KIND_OF_STAGE
from resurface.domain.appointments import VISIT_KINDS, AppointmentKind
from resurface.domain.codes import RedFlag, Score
from resurface.domain.consent import PhotoUse, photo_uses
from resurface.domain.journey import Stage
from resurface.domain.people import Patient, Role
from resurface.domain.photo_series import comparison_pairs, series_by_region
from resurface.domain.recovery import expected_course
from resurface.imaging.analysis import ANALYSIS_VERSION
from resurface.services import patients
from resurface.services.auth import actor_of

WEEK = dt.timedelta(days=8)


def test_demo_loads_once_with_every_stage_in_both_clinics(runtime: Runtime) -> None:
    first = demo.load_demo(runtime.context)
    second = demo.load_demo(runtime.context)
    assert (first.created, first.clinics, first.patients) == (True, 2, 20)
    assert not second.created
    with runtime.context.uow() as uow:
        clinics = uow.clinics.all()
        assert len(clinics) == 2
        for clinic in clinics:
            roles = sorted(u.role.value for u in uow.users.in_clinic(clinic.id))
            assert roles == ["admin", "clinician", "clinician", "staff"]
            admin = next(u for u in uow.users.in_clinic(clinic.id) if u.role is Role.ADMIN)
            page = patients.list_patients(
                runtime.context, actor_of(admin, "test"), patients.PatientQuery(per_page=50)
            )
            assert page.total == 10
            assert {s.stage for s in page.items} == set(Stage)
            stages = {s.patient.id: s.stage for s in page.items if s.stage is not None}
            _the_book_is_open(runtime, clinic.id, stages)
            _every_photographed_patient_consented(
                runtime, clinic.id, [s.patient for s in page.items]
            )


def _every_photographed_patient_consented(
    runtime: Runtime, clinic_id: int, shown: list[Patient]
) -> None:
    """Each demo patient's photos may serve their medical record (the chart says so on every
    photo), decided before the first photo was taken; some patients allowed teaching or
    marketing too, not all."""
    uses: dict[PhotoUse, list[bool]] = {use: [] for use in PhotoUse}
    with runtime.context.uow() as uow:
        for patient in shown:
            photos = uow.charts.chart(clinic_id, patient.id).photos
            assert photos, patient.full_name
            decisions = uow.consents.photo_consents(clinic_id, patient.id)
            first_photo = min(photo.captured_at for photo in photos)
            assert max(d.recorded_at for d in decisions) <= first_photo, patient.full_name
            allowed = photo_uses(decisions)
            for use in PhotoUse:
                uses[use].append(allowed[use])
    assert all(uses[PhotoUse.RECORD])
    assert any(uses[PhotoUse.TEACHING]) and not all(uses[PhotoUse.TEACHING])
    assert any(uses[PhotoUse.MARKETING]) and not all(uses[PhotoUse.MARKETING])


def _the_book_is_open(runtime: Runtime, clinic_id: int, stages: dict[int, Stage]) -> None:
    """Hours, rooms and lasers are set, and the coming open days hold timed visits of every kind
    with both clinicians, none clashing, each patient's the one their stage needs (no treatment
    session for a patient who has finished, none twice)."""
    now = runtime.context.clock.now()
    with runtime.context.uow() as uow:
        assert sorted(uow.clinic_setup.hours(clinic_id)) == [0, 1, 2, 3, 4, 5]
        assert len(uow.clinic_setup.rooms(clinic_id)) == 3
        assert len(uow.clinic_setup.devices(clinic_id)) == 2
        coming = uow.appointments.between(clinic_id, now - dt.timedelta(days=1), now + WEEK)
    timed = [a for a in coming if a.starts_at is not None]
    assert {a.kind for a in timed} == set(VISIT_KINDS) - {AppointmentKind.OTHER}
    assert len({a.provider_id for a in timed}) == 2
    assert len(timed) >= 8
    assert len({a.patient_id for a in timed}) == len(timed)
    for visit in timed:
        assert visit.kind is KIND_OF_STAGE[stages[visit.patient_id]], visit
    for first, second in itertools.combinations(timed, 2):
        assert first.starts_at and first.ends_at and second.starts_at and second.ends_at
        overlap = first.starts_at < second.ends_at and second.starts_at < first.ends_at
        shared = first.provider_id == second.provider_id or first.room_id == second.room_id
        assert not (overlap and shared), (first, second)


def test_demo_check_ins_follow_the_expected_course_but_for_one_warning_sign(
    runtime: Runtime,
) -> None:
    demo.load_demo(runtime.context)
    outside, flagged = 0, 0
    with runtime.context.uow() as uow:
        for clinic in uow.clinics.all():
            for patient in uow.patients.in_clinic(clinic.id):
                chart = uow.charts.chart(clinic.id, patient.id)
                sessions = {s.id: s for s in chart.sessions}
                for record in chart.checkins:
                    session = sessions[record.session_id]
                    area = session.areas[0]
                    assert patient.fitzpatrick_type is not None
                    course = expected_course(
                        runtime.context.rules, area.modality, area.area, patient.fitzpatrick_type
                    )
                    day = record.checkin.day_after(session.performed_on)
                    for score, value in record.checkin.scores.items():
                        band = course.band(day, score)
                        if not band.low - 0.5 <= value <= band.high + 0.5:
                            outside += 1
                            assert score is Score.PAIN
                    flagged += RedFlag.YELLOW_CRUST_OR_PUS in record.checkin.red_flags
                for photo in chart.photos:
                    assert runtime.context.photos.exists(photo.storage_key)
    assert flagged == 1
    assert outside <= 1


def test_demo_shows_the_follow_up_a_clinic_lives_with(runtime: Runtime) -> None:
    today = runtime.context.clock.today()
    demo.load_demo(runtime.context)
    with runtime.context.uow() as uow:
        harbour = uow.clinics.by_slug("harbour")
        northgate = uow.clinics.by_slug("northgate")
        assert harbour is not None and northgate is not None
        alerts = uow.alerts.open_in_clinic(harbour.id)
        assert [(a.code.value, a.urgency.value) for a in alerts] == [
            ("possible_infection", "urgent")
        ]
        assert [n.kind.value for n in uow.notifications.in_clinic(harbour.id)] == ["urgent_alert"]
        due = uow.appointments.due(harbour.id, today)
        assert any(a.kind.value == "checkin" and a.due_on == today for a in due)
        plans = [
            plan
            for patient in uow.patients.in_clinic(northgate.id)
            for plan in uow.charts.chart(northgate.id, patient.id).plans
        ]
        assert plans and all(p.cosigned_by is not None for p in plans)
        overridden = [
            item
            for patient in uow.patients.in_clinic(harbour.id)
            for plan in uow.charts.chart(harbour.id, patient.id).plans
            for item in plan.items
            if item.override_reason
        ]
        assert len(overridden) == 1
        patient = uow.patients.in_clinic(harbour.id, "brennan")[0]
        chart = uow.charts.chart(harbour.id, patient.id)
        assert len(chart.photos) == 2
        assert all(uow.measurements.for_photo(harbour.id, p.id) for p in chart.photos)
        assert [o.scale for o in uow.outcomes.for_patient(harbour.id, patient.id)] == ["gais"]


def test_demo_loaded_as_the_command_loads_it_is_measured_when_the_load_returns(
    runtime: Runtime,
) -> None:
    """The command's way: the photos' jobs in a process of their own, beside the story. When
    the load returns, every photo is measured and every pair Results shows is compared."""
    worker = photo_jobs.in_a_process(runtime.settings)
    try:
        report = demo.load_demo(runtime.context, worker)
    finally:
        worker.close()
    assert (report.created, report.patients) == (True, 20)
    photos = compared = 0
    with runtime.context.uow() as uow:
        for clinic in uow.clinics.all():
            for patient in uow.patients.in_clinic(clinic.id):
                clinical = [p for p in uow.charts.chart(clinic.id, patient.id).photos
                            if p.is_clinical]  # fmt: skip
                ids = [p.id for p in clinical]
                assert all(uow.measurements.for_photo(clinic.id, i) for i in ids), patient
                kept = uow.comparisons.for_photos(clinic.id, ids, ANALYSIS_VERSION)
                pairs = {(b.id, a.id) for b, a in comparison_pairs(series_by_region(clinical))}
                assert pairs <= set(kept), patient
                photos, compared = photos + len(ids), compared + len(pairs)
    assert (photos, compared) == (24, 4)
