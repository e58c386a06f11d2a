"""The fictional demo clinic, told through the product's own use cases.

Each demo patient's story is played with the same services a clinician uses, dated in the past:
registration and consultation (screened by the engine), assessment with a baseline photo (analysed),
the engine's plan (accepted, once overridden, co-signed where the clinic requires it), sessions with
settings inside the area's limits (which books check-ins and the next session), check-ins sent
through the patient's recovery link (triaged; one raises an urgent alert), and for finished patients
an after photo and a GAIS rating. Loading happens once: when the first demo clinic exists, nothing
is done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from resurface.demo import book as demo_book
from resurface.demo.cast import CLINICS, DEMO_PASSWORD, PATIENTS, DemoClinic, DemoPatient
from resurface.demo.photo_jobs import PhotoJobs, on_a_thread, story_context
from resurface.demo.photos import render_skin
from resurface.domain.appointments import Appointment
from resurface.domain.chart import PhotoPurpose, PlanStatus, Span, TreatmentPlan
from resurface.domain.codes import RedFlag, Score
from resurface.domain.journey import Stage
from resurface.domain.people import Clinic, Patient, Role, User
from resurface.domain.recovery import ExpectedCourse, expected_course
from resurface.services import (
    assessments,
    audit,
    consents,
    consultations,
    photo_consents,
    photos,
    plans,
    results,
    sessions,
)
from resurface.services.access import Actor
from resurface.services.auth import actor_of
from resurface.services.context import Context
from resurface.services.passwords import hash_password
from resurface.services.ports import UnitOfWork
from resurface.services.recovery import checkins, links, patient_links

if TYPE_CHECKING:
    from resurface.services.context import Context

__all__ = ["DEMO_PASSWORD", "DemoReport", "load_demo", "logins_text"]

UowFactory = Callable[[], UnitOfWork]
SOURCE = "demo"

# How many days before today each stage's story begins.
_START_DAYS = {
    Stage.CONSULTATION: 6,
    Stage.PLANNED: 20,
    Stage.IN_TREATMENT: 150,
    Stage.RECOVERING: 120,
    Stage.FINISHED: 300,
}
# Settings used, as a share of the area's limit: a typical, cautious treatment.
_SHARE_OF_LIMIT = 0.8


@dataclass(frozen=True)
class DemoReport:
    created: bool
    clinics: int
    patients: int


def logins_text() -> str:
    lines = [f"Demo sign-ins (password for all: {DEMO_PASSWORD}):"]
    for clinic in CLINICS:
        people = ", ".join(f"{username} ({role.value})" for role, username, _ in clinic.people)
        lines.append(f"  {clinic.name}: {people}")
    return "\n".join(lines)


def load_demo(ctx: Context, worker: PhotoJobs | None = None) -> DemoReport:
    """Load the demo once; a second call finds it and changes nothing.

    The stories are dated back from the clinic's today (``ctx.clock``). Their background jobs
    (the photos' analyses and comparisons) are run by ``worker`` (``photo_jobs.in_a_process``:
    the command's), or else on a thread of this process; either way every photo is measured
    and compared when this returns."""
    with ctx.uow() as uow:
        if uow.clinics.by_slug(CLINICS[0].slug) is not None:
            return DemoReport(False, 0, 0)
    if worker is None:
        own = on_a_thread(ctx)
        try:
            return _load(ctx, own)
        finally:
            own.close()
    return _load(ctx, worker)


def _load(ctx: Context, photo_jobs: PhotoJobs) -> DemoReport:
    ctx = story_context(ctx, photo_jobs)  # the story's jobs go to the demo's worker
    count = 0
    password_hash = hash_password(DEMO_PASSWORD)  # one slow hash for every demo sign-in
    for index, demo_clinic in enumerate(CLINICS):
        staff = _open_clinic(ctx, demo_clinic, password_hash)
        clinicians = [u for u in staff if u.role is Role.CLINICIAN]
        director = next(u for u in staff if u.role is Role.ADMIN)
        visits: list[demo_book.Visit] = []
        for number, demo_patient in enumerate(PATIENTS[demo_clinic.slug]):
            clinician = clinicians[number % len(clinicians)]
            story = _Story(
                ctx,
                clinician=actor_of(clinician, SOURCE),
                director=actor_of(director, SOURCE),
                seed=index * 100 + number,
                photo_jobs=photo_jobs,
            )
            patient = story.tell(demo_patient)
            visits.append(demo_book.Visit(patient.id, demo_patient.stage, clinician.id))
            count += 1
        demo_book.open_book(ctx, actor_of(director, SOURCE), visits)
    photo_jobs.wait()  # the clinic is whole: every photo measured, every comparison kept
    with ctx.uow() as uow:
        detail = f"{count} patients"
        audit.record(uow, None, "demo_loaded", "clinic", "*", detail=detail)
        uow.commit()
    return DemoReport(True, len(CLINICS), count)


def _open_clinic(ctx: Context, demo: DemoClinic, password_hash: str) -> list[User]:
    with ctx.uow() as uow:
        clinic = uow.clinics.add(
            Clinic(0, demo.name, demo.slug, demo.phone, demo.email, demo.require_cosign)
        )
        staff = [
            uow.users.add(
                User(0, clinic.id, username, name, role, password_hash, f"{username}@example.org")
            )
            for role, username, name in demo.people
        ]
        at = ctx.clock.now()
        audit.record(uow, None, "demo_clinic_opened", "clinic", clinic.id, at=at)
        uow.commit()
    return staff


_DEMO_SIGNATURE = (
    "[[[0.06,0.62],[0.1,0.4],[0.14,0.25],[0.18,0.45],[0.22,0.7],[0.27,0.5],[0.31,0.35]],"
    "[[0.36,0.55],[0.45,0.48],[0.55,0.58],[0.66,0.5],[0.78,0.56],[0.9,0.5]]]"
)
"""A scribble drawn on the pad (points from 0 to 1), the same for every demo patient."""


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


class _Story:
    """One patient's journey up to their stage, through the real use cases."""

    def __init__(
        self,
        ctx: Context,
        *,
        clinician: Actor,
        director: Actor,
        seed: int,
        photo_jobs: PhotoJobs,
    ) -> None:
        self.ctx = ctx
        self.rules = ctx.rules
        self.today = ctx.clock.today()
        self.clinician, self.director, self.seed = clinician, director, seed
        self.photo_jobs = photo_jobs

    def _ctx(self, moment: dt.datetime) -> Context:
        """The context with its clock pinned to ``moment``: each step happens at its own time."""
        return self.ctx.at(moment)

    def tell(self, demo: DemoPatient) -> Patient:
        start = self.today - dt.timedelta(days=_START_DAYS[demo.stage])
        patient = self._consultation(demo, start)
        assessment = self._assessment(patient, demo, start)
        self._photo_consent(patient, start)
        # At the consultation: registered at 12:00, the photo consent given at 12:05.
        self._photo(patient, demo, _at(start, 12, 10), response=0.0, assessment_id=assessment)
        if demo.stage is Stage.CONSULTATION:
            return patient
        plan = self._plan(patient, demo, start + dt.timedelta(days=1))
        # The patient's own page for the whole series, handed over once the plan is agreed.
        ctx = self._ctx(_at(start + dt.timedelta(days=1), 17, 30))
        patient_links.create_link(ctx, self.clinician, patient.id)
        if demo.stage is Stage.PLANNED:
            return patient
        self._consent(patient, plan, start + dt.timedelta(days=1))
        last = self._sessions(patient, demo, plan.sessions_planned, plan.items[0].interval_weeks)
        if demo.stage is Stage.FINISHED:
            self._results(patient, demo, last + dt.timedelta(days=60))
        return patient

    def _consultation(self, demo: DemoPatient, on: dt.date) -> Patient:
        intake = consultations.Intake(
            goals=demo.goals, history=demo.history, fitzpatrick_type=demo.skin, held_on=on
        )
        person = Patient(
            0,
            0,
            demo.given,
            demo.family,
            demo.born,
            demo.sex,
            phone=f"+44 7700 900{self.seed:03d}",
            email=f"{demo.given.lower()}.{demo.family.lower().replace(' ', '')}@example.net",
        )
        patient, _ = consultations.register_with_consultation(
            self._ctx(_at(on, 12)), self.clinician, person, intake
        )
        return patient

    def _photo_consent(self, patient: Patient, on: dt.date) -> None:
        """Before the first photo the patient decides what their photos may serve: every demo
        patient the medical record, one in two teaching as well, one in three marketing too."""
        ctx = self._ctx(_at(on, 12, 5))
        for use, granted in (
            ("record", True),
            ("teaching", self.seed % 2 == 0),
            ("marketing", self.seed % 3 == 0),
        ):
            photo_consents.record_photo_consent(ctx, self.clinician, patient.id, use, granted)

    def _assessment(self, patient: Patient, demo: DemoPatient, on: dt.date) -> int:
        entries = []
        for goal in demo.goals:
            scale_name = assessments.suggested_scale(goal.concern)
            grades = self.rules.scales.scales[scale_name].grades
            position = min(goal.severity.rank + 1, len(grades) - 1)
            entries.append(assessments.GradeEntry(goal.area, scale_name, grades[position].code))
        saved = assessments.record_assessment(
            self._ctx(_at(on, 12)), self.clinician, patient.id, entries
        )
        return saved.id

    def _photo(
        self,
        patient: Patient,
        demo: DemoPatient,
        taken: dt.datetime,
        *,
        response: float,
        assessment_id: int | None = None,
    ) -> None:
        # JPEG, as a clinic's camera delivers it: kept as JPEG, it is stored in milliseconds
        # where a PNG of skin's fine grain takes a tenth of a second to encode and again to store.
        data = render_skin(self.seed, response=response, image_format="JPEG")
        photos.upload_photo(
            self._ctx(taken),
            self.clinician,
            patient.id,
            demo.goals[0].area.value,
            data,
            purpose=PhotoPurpose.BASELINE if assessment_id else PhotoPurpose.FOLLOW_UP,
            assessment_id=assessment_id,
        )
        # The demo is loaded measured: the photo's jobs run on its day, beside the story.
        self.photo_jobs.run_at(taken)

    def _plan(self, patient: Patient, demo: DemoPatient, on: dt.date) -> TreatmentPlan:
        ctx = self._ctx(_at(on, 9))
        plan = plans.propose_plan(ctx, self.clinician, patient.id)
        for position, item in enumerate(plan.items):
            if demo.override and position == 0:
                decision = plans.Decision(
                    plan.version,
                    plans.DecisionKind.OVERRIDE,
                    chosen_modality=item.proposed_modality.value,
                    chosen_sessions=item.sessions_expected + 1,
                    override_reason=demo.override,
                )
            else:
                decision = plans.Decision(plan.version, plans.DecisionKind.ACCEPT)
            plan = plans.decide_item(
                self._ctx(_at(on, 9)), self.clinician, plan.id, position, decision
            )
        if plan.status is PlanStatus.PROPOSED:  # the clinic requires co-signature
            plan = plans.cosign_plan(self._ctx(_at(on, 17)), self.director, plan.id, plan.version)
        return plan

    def _consent(self, patient: Patient, plan: TreatmentPlan, on: dt.date) -> None:
        """The patient signs the consent to each treatment of the plan on the clinic's tablet."""
        ctx = self._ctx(_at(on, 17, 30))
        for modality in dict.fromkeys(item.modality for item in plan.items):
            signature = consents.Signature(patient.full_name, _DEMO_SIGNATURE)
            consents.sign_at_clinic(ctx, self.clinician, patient.id, modality.value, signature)

    def _sessions(
        self, patient: Patient, demo: DemoPatient, planned: int, interval: Span
    ) -> dt.date:
        dates = self._session_dates(demo.stage, planned, interval)
        for number, performed_on in enumerate(dates, start=1):
            recorded = self._session(patient, performed_on)
            latest = number == len(dates)
            self._checkins(patient, demo, recorded, latest=latest)
        return dates[-1]

    def _session_dates(self, stage: Stage, planned: int, interval: Span) -> list[dt.date]:
        gap = int(interval.max * 7)
        done = planned if stage is Stage.FINISHED else max(1, planned - 1)
        if stage is Stage.IN_TREATMENT and done >= planned:
            done = planned - 1
        if stage is Stage.RECOVERING:
            last = self.today - dt.timedelta(days=3)
        elif stage is Stage.IN_TREATMENT:
            last = self.today - dt.timedelta(days=int(interval.min * 7))  # next one is due today
        else:
            last = self.today - dt.timedelta(days=120)
        return [last - dt.timedelta(days=gap * (done - 1 - n)) for n in range(max(done, 1))]

    def _session(self, patient: Patient, on: dt.date) -> sessions.RecordedSession:
        draft = sessions.session_draft(self._ctx(_at(on, 9)), self.clinician, patient.id)
        entries = []
        for area in draft.areas:
            limits = area.limits
            energy = round(limits.energy_max * _SHARE_OF_LIMIT, 1)
            per_pulse = limits.energy_unit == "mJ"
            density = limits.density_max_pct
            entries.append(
                sessions.AreaEntry(
                    area=area.settings.area.value,
                    modality=area.settings.modality.value,
                    wavelength_nm=area.settings.wavelength_nm,
                    energy_mj=energy if per_pulse else None,
                    fluence_j_cm2=None if per_pulse else energy,
                    density_pct=round(density * _SHARE_OF_LIMIT, 1) if density else None,
                    passes=1,
                    immediate_response="even erythema, mild oedema, no blanching",
                )
            )
        entry = sessions.SessionEntry(on, "Demo fractional laser platform", tuple(entries))
        ctx = self._ctx(_at(on, 9))
        return sessions.record_session(ctx, self.clinician, patient.id, entry)

    def _checkins(
        self,
        patient: Patient,
        demo: DemoPatient,
        recorded: sessions.RecordedSession,
        *,
        latest: bool,
    ) -> None:
        session = recorded.session
        ctx = self._ctx(_at(session.performed_on, 17))
        issued = links.create_link(ctx, self.clinician, patient.id, session.id)
        area = session.areas[0]
        assert patient.fitzpatrick_type is not None
        course = expected_course(self.rules, area.modality, area.area, patient.fitzpatrick_type)
        for appointment in recorded.checkins:
            if appointment.due_on >= self.today:
                continue  # patients have checked in on every booked day up to yesterday
            answers = self._answers(appointment, course, session.performed_on, demo, latest=latest)
            ctx = self._ctx(_at(appointment.due_on, 19, 30))
            # An urgent alert's e-mail, a job of its own, runs at the next photo's turn.
            checkins.submit_checkin(ctx, issued.token, answers, source=SOURCE)

    def _answers(
        self,
        appointment: Appointment,
        course: ExpectedCourse,
        treated_on: dt.date,
        demo: DemoPatient,
        *,
        latest: bool,
    ) -> checkins.Answers:
        day = (appointment.due_on - treated_on).days
        scores: dict[str, str | int | None] = {
            score.value: round((course.band(day, score).low + course.band(day, score).high) / 2)
            for score in Score
        }
        flags: tuple[str, ...] = ()
        if demo.warning_sign and latest and day == 2:
            flags = (RedFlag.YELLOW_CRUST_OR_PUS.value,)
            scores[Score.PAIN.value] = min(10, int(scores[Score.PAIN.value] or 0) + 4)
        return checkins.Answers(scores=scores, red_flags=flags, date=appointment.due_on)

    def _results(self, patient: Patient, demo: DemoPatient, on: dt.date) -> None:
        self._photo(patient, demo, _at(on, 10), response=0.6)
        ctx = self._ctx(_at(on, 11))
        results.record_outcome(ctx, self.clinician, patient.id, 2, "Even tone; fewer fine lines.")
