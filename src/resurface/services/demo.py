"""The fictional demo: two clinics, their staff, and twenty patients at every stage of the journey.

Everything clinical in it comes from the real engine: screening and plans from
``propose_treatment``, session settings inside the area's limits, check-in scores inside the
expected recovery bands. Loading is one transaction and happens once: running it again changes
nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from resurface.domain.chart import (
    AreaSettings,
    Assessment,
    CheckInRecord,
    Consultation,
    Grade,
    ItemDecision,
    Photo,
    PlanItem,
    PlanStatus,
    ScreeningFinding,
    Span,
    TreatmentPlan,
    TreatmentSession,
)
from resurface.domain.checkin import CheckIn
from resurface.domain.codes import Area, Concern, FitzpatrickType, RedFlag, Score, Severity
from resurface.domain.intake import Goal, MedicalHistory
from resurface.domain.journey import Stage
from resurface.domain.people import Clinic, Patient, Role, Sex, User
from resurface.domain.planning import (
    PatientFacts,
    Recommendation,
    TreatmentProposal,
    propose_treatment,
)
from resurface.domain.recovery import expected_course
from resurface.domain.rulebase import RuleBase
from resurface.domain.settings_limits import settings_limits
from resurface.services import audit
from resurface.services.demo_photos import render_skin
from resurface.services.passwords import hash_password
from resurface.services.ports import PhotoStore, UnitOfWork

DEMO_PASSWORD = "resurface-demo"  # noqa: S105 - printed for the fictional demo on purpose


@dataclass(frozen=True)
class DemoClinic:
    name: str
    slug: str
    phone: str
    people: tuple[tuple[Role, str, str], ...]  # role, user name, display name


@dataclass(frozen=True)
class DemoPatient:
    given: str
    family: str
    born: dt.date
    sex: Sex
    skin: FitzpatrickType
    goals: tuple[Goal, ...]
    stage: Stage
    history: MedicalHistory = field(default_factory=MedicalHistory)
    warning_sign: bool = False


CLINICS = (
    DemoClinic(
        "Harbour Skin & Laser",
        "harbour",
        "+44 20 7946 0018",
        (
            (Role.ADMIN, "harbour.admin", "Dr Imogen Hale"),
            (Role.CLINICIAN, "harbour.nurse", "Sam Okafor RN"),
            (Role.CLINICIAN, "harbour.laser", "Priya Raman"),
            (Role.STAFF, "harbour.desk", "Leo Brandt"),
        ),
    ),
    DemoClinic(
        "Northgate Laser Studio",
        "northgate",
        "+44 161 496 0734",
        (
            (Role.ADMIN, "northgate.admin", "Dr Tomas Lind"),
            (Role.CLINICIAN, "northgate.nurse", "Ada Mwangi RN"),
            (Role.CLINICIAN, "northgate.laser", "Jonah Pereira"),
            (Role.STAFF, "northgate.desk", "Mia Kowalski"),
        ),
    ),
)

W, FL, AS, PG, SD, TX = (
    Concern.WRINKLES,
    Concern.FINE_LINES,
    Concern.ACNE_SCARS,
    Concern.PIGMENTATION,
    Concern.SUN_DAMAGE,
    Concern.TEXTURE,
)
MILD, MOD, SEV = Severity.MILD, Severity.MODERATE, Severity.SEVERE
T = FitzpatrickType


def _g(concern: Concern, area: Area, severity: Severity) -> Goal:
    return Goal(concern, area, severity)


def _d(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, day)


PATIENTS: dict[str, tuple[DemoPatient, ...]] = {
    "harbour": (
        DemoPatient(
            "Elena",
            "Marsh",
            _d(1968, 3, 2),
            Sex.FEMALE,
            T.II,
            (_g(W, Area.PERIORAL, MOD), _g(FL, Area.PERIORBITAL, MILD)),
            Stage.CONSULTATION,
        ),
        DemoPatient(
            "Hannah",
            "Ocampo",
            _d(1991, 7, 19),
            Sex.FEMALE,
            T.III,
            (_g(AS, Area.CHEEKS, SEV),),
            Stage.CONSULTATION,
            MedicalHistory(pregnant=True),
        ),
        DemoPatient(
            "Marcus",
            "Feld",
            _d(1975, 11, 8),
            Sex.MALE,
            T.II,
            (_g(SD, Area.FULL_FACE, MOD),),
            Stage.PLANNED,
        ),
        DemoPatient(
            "Yuki",
            "Tanabe",
            _d(1982, 1, 27),
            Sex.FEMALE,
            T.IV,
            (_g(PG, Area.CHEEKS, MOD),),
            Stage.PLANNED,
            MedicalHistory(hsv_history=True),
        ),
        DemoPatient(
            "Grace",
            "Whitlow",
            _d(1959, 5, 14),
            Sex.FEMALE,
            T.I,
            (_g(W, Area.NECK, MOD),),
            Stage.IN_TREATMENT,
        ),
        DemoPatient(
            "Daniel",
            "Ashby",
            _d(1988, 9, 3),
            Sex.MALE,
            T.III,
            (_g(AS, Area.CHEEKS, MOD),),
            Stage.IN_TREATMENT,
        ),
        DemoPatient(
            "Ruth",
            "Calder",
            _d(1955, 12, 22),
            Sex.FEMALE,
            T.II,
            (_g(W, Area.PERIORAL, SEV),),
            Stage.RECOVERING,
            warning_sign=True,
        ),
        DemoPatient(
            "Omar",
            "Haddad",
            _d(1979, 4, 30),
            Sex.MALE,
            T.IV,
            (_g(TX, Area.FOREHEAD, MILD),),
            Stage.RECOVERING,
        ),
        DemoPatient(
            "Isla",
            "Brennan",
            _d(1964, 8, 11),
            Sex.FEMALE,
            T.II,
            (_g(PG, Area.HANDS, MOD),),
            Stage.FINISHED,
        ),
        DemoPatient(
            "Victor",
            "Nakamura",
            _d(1971, 2, 5),
            Sex.MALE,
            T.III,
            (_g(FL, Area.PERIORBITAL, MILD),),
            Stage.FINISHED,
        ),
    ),
    "northgate": (
        DemoPatient(
            "Freya",
            "Lindqvist",
            _d(1986, 6, 6),
            Sex.FEMALE,
            T.I,
            (_g(PG, Area.FULL_FACE, MILD),),
            Stage.CONSULTATION,
        ),
        DemoPatient(
            "Tariq",
            "Osei",
            _d(1993, 10, 12),
            Sex.MALE,
            T.V,
            (_g(AS, Area.CHEEKS, MOD),),
            Stage.CONSULTATION,
        ),
        DemoPatient(
            "Beatrice",
            "Moreau",
            _d(1961, 3, 29),
            Sex.FEMALE,
            T.II,
            (_g(W, Area.PERIORBITAL, MOD), _g(W, Area.PERIORAL, MOD)),
            Stage.PLANNED,
        ),
        DemoPatient(
            "Samuel",
            "Idowu",
            _d(1977, 7, 7),
            Sex.MALE,
            T.VI,
            (_g(TX, Area.CHEEKS, MILD),),
            Stage.PLANNED,
        ),
        DemoPatient(
            "Clara",
            "Jensen",
            _d(1969, 12, 1),
            Sex.FEMALE,
            T.II,
            (_g(SD, Area.CHEST, MOD),),
            Stage.IN_TREATMENT,
        ),
        DemoPatient(
            "Mateo",
            "Alvarez",
            _d(1990, 5, 23),
            Sex.MALE,
            T.III,
            (_g(AS, Area.CHEEKS, SEV),),
            Stage.IN_TREATMENT,
            MedicalHistory(isotretinoin_months_since_last_dose=4),
        ),
        DemoPatient(
            "Nora",
            "Fitzgerald",
            _d(1958, 9, 15),
            Sex.FEMALE,
            T.I,
            (_g(W, Area.FULL_FACE, SEV),),
            Stage.RECOVERING,
        ),
        DemoPatient(
            "Kwame",
            "Asante",
            _d(1984, 2, 18),
            Sex.MALE,
            T.V,
            (_g(PG, Area.FOREHEAD, MILD),),
            Stage.RECOVERING,
        ),
        DemoPatient(
            "Lotte",
            "de Vries",
            _d(1966, 4, 4),
            Sex.FEMALE,
            T.II,
            (_g(W, Area.NECK, MILD),),
            Stage.FINISHED,
        ),
        DemoPatient(
            "Henry",
            "Castellan",
            _d(1952, 10, 30),
            Sex.MALE,
            T.II,
            (_g(FL, Area.PERIORAL, MILD),),
            Stage.FINISHED,
        ),
    ),
}


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


def load_demo(
    uow_factory: Callable[[], UnitOfWork], photos: PhotoStore, rules: RuleBase, today: dt.date
) -> DemoReport:
    """Load the demo once; a second call finds it and changes nothing."""
    with uow_factory() as uow:
        if uow.clinics.by_slug(CLINICS[0].slug) is not None:
            return DemoReport(False, 0, 0)
        password_hash = hash_password(DEMO_PASSWORD)
        count = 0
        for index, demo_clinic in enumerate(CLINICS):
            clinic = uow.clinics.add(
                Clinic(0, demo_clinic.name, demo_clinic.slug, demo_clinic.phone)
            )
            staff = [
                uow.users.add(User(0, clinic.id, username, name, role, password_hash))
                for role, username, name in demo_clinic.people
            ]
            clinicians = [u for u in staff if u.role is not Role.STAFF]
            for number, demo_patient in enumerate(PATIENTS[demo_clinic.slug]):
                builder = _ChartBuilder(
                    uow, photos, rules, today, clinic.id, seed=index * 100 + number
                )
                builder.build(demo_patient, clinicians[number % len(clinicians)])
                count += 1
        audit.record_system(uow, "demo_loaded", "clinic", "*", detail=f"{count} patients")
        uow.commit()
    return DemoReport(True, len(CLINICS), count)


# How far back each stage's story starts, and how many sessions it has had (of those planned).
_START_DAYS = {
    Stage.CONSULTATION: 6,
    Stage.PLANNED: 20,
    Stage.IN_TREATMENT: 150,
    Stage.RECOVERING: 120,
    Stage.FINISHED: 300,
}


class _ChartBuilder:
    def __init__(
        self,
        uow: UnitOfWork,
        photos: PhotoStore,
        rules: RuleBase,
        today: dt.date,
        clinic_id: int,
        seed: int,
    ) -> None:
        self.uow, self.photos, self.rules, self.today = uow, photos, rules, today
        self.clinic_id, self.seed = clinic_id, seed

    def build(self, demo: DemoPatient, clinician: User) -> None:
        start = self.today - dt.timedelta(days=_START_DAYS[demo.stage])
        patient = self.uow.patients.add(
            Patient(
                0,
                self.clinic_id,
                demo.given,
                demo.family,
                demo.born,
                demo.sex,
                phone="+44 7700 900" + f"{self.seed:03d}",
                fitzpatrick_type=demo.skin,
            )
        )
        facts = PatientFacts(patient.age_on(start), demo.sex.value, demo.skin)
        proposal = propose_treatment(self.rules, facts, demo.history, demo.goals)
        self._consultation(patient, clinician, start, demo, proposal)
        assessment = self._assessment(patient, clinician, start, demo)
        self._photos(patient, demo, start, assessment_id=assessment.id, response=0.0)
        if demo.stage is Stage.CONSULTATION or not proposal.recommendations:
            return
        plan = self._plan(patient, clinician, start + dt.timedelta(days=1), proposal)
        self._sessions(patient, clinician, plan, proposal, demo)

    def _consultation(
        self,
        patient: Patient,
        clinician: User,
        on: dt.date,
        demo: DemoPatient,
        proposal: TreatmentProposal,
    ) -> None:
        findings = tuple(
            ScreeningFinding(f.code, f.action, tuple(sorted(f.modalities)), f.reason, f.source)
            for f in proposal.contraindications
        )
        self.uow.charts.add_consultation(
            Consultation(
                0,
                self.clinic_id,
                patient.id,
                clinician.id,
                on,
                demo.goals,
                demo.history,
                demo.skin,
                proposal.eligible,
                findings,
            )
        )

    def _assessment(
        self, patient: Patient, clinician: User, on: dt.date, demo: DemoPatient
    ) -> Assessment:
        grades = []
        for goal in demo.goals:
            scale_name = "goodman_baron" if goal.concern is Concern.ACNE_SCARS else "glogau"
            scale = self.rules.scales.scales[scale_name]
            position = {MILD: 0, MOD: 1, SEV: 2}[goal.severity] + (
                1 if scale_name == "glogau" else 0
            )
            grade = scale.grades[min(position, len(scale.grades) - 1)]
            label = f"{grade.code} {grade.label}: {grade.description}"
            grades.append(Grade(goal.area, scale_name, position + 1, label))
        return self.uow.charts.add_assessment(
            Assessment(0, self.clinic_id, patient.id, clinician.id, on, tuple(grades))
        )

    def _photos(
        self,
        patient: Patient,
        demo: DemoPatient,
        on: dt.date,
        *,
        response: float,
        assessment_id: int | None = None,
        session_id: int | None = None,
    ) -> None:
        for goal in demo.goals[:1]:
            data = render_skin(self.seed, response=response)
            key = self.photos.put(data)
            taken = dt.datetime.combine(on, dt.time(10, 0), tzinfo=dt.UTC)
            self.uow.charts.add_photo(
                Photo(
                    0,
                    self.clinic_id,
                    patient.id,
                    goal.area.value,
                    taken,
                    _sha256(data),
                    key,
                    "image/png",
                    640,
                    480,
                    assessment_id=assessment_id,
                    session_id=session_id,
                )
            )

    def _plan(
        self, patient: Patient, clinician: User, on: dt.date, proposal: TreatmentProposal
    ) -> TreatmentPlan:
        items = tuple(_plan_item(r, clinician.id) for r in proposal.recommendations)
        rationale = tuple(line for r in proposal.recommendations for line in r.rationale)
        sources = tuple(dict.fromkeys(s for r in proposal.recommendations for s in r.sources))
        return self.uow.charts.add_plan(
            TreatmentPlan(
                0,
                self.clinic_id,
                patient.id,
                clinician.id,
                on,
                PlanStatus.ACCEPTED,
                items,
                rationale,
                sources,
            )
        )

    def _sessions(
        self,
        patient: Patient,
        clinician: User,
        plan: TreatmentPlan,
        proposal: TreatmentProposal,
        demo: DemoPatient,
    ) -> None:
        planned = plan.sessions_planned
        done = {
            Stage.PLANNED: 0,
            Stage.IN_TREATMENT: max(1, planned - 1),
            Stage.RECOVERING: max(1, planned - 1),
            Stage.FINISHED: planned,
        }[demo.stage]
        if demo.stage is Stage.IN_TREATMENT and done >= planned:
            done = planned - 1
        dates = self._session_dates(demo.stage, done, proposal)
        for number, performed_on in enumerate(dates, start=1):
            session = self.uow.charts.add_session(
                TreatmentSession(
                    0,
                    self.clinic_id,
                    patient.id,
                    clinician.id,
                    performed_on,
                    "Demo fractional laser platform",
                    tuple(self._settings(r, proposal) for r in proposal.recommendations),
                    plan_id=plan.id,
                )
            )
            self._checkins(
                patient, session, proposal.recommendations[0], demo, last=number == len(dates)
            )
            if demo.stage is Stage.FINISHED and number == len(dates):
                self._photos(
                    patient,
                    demo,
                    performed_on + dt.timedelta(days=60),
                    response=0.6,
                    session_id=session.id,
                )

    def _session_dates(self, stage: Stage, done: int, proposal: TreatmentProposal) -> list[dt.date]:
        if done == 0:
            return []
        interval = int(proposal.recommendations[0].interval_weeks.max * 7)
        if stage is Stage.RECOVERING:
            last = self.today - dt.timedelta(days=3)
        else:
            last = self.today - dt.timedelta(
                days=max(interval, 45) if stage is Stage.IN_TREATMENT else 120
            )
        return [last - dt.timedelta(days=interval * (done - 1 - n)) for n in range(done)]

    def _settings(self, rec: Recommendation, proposal: TreatmentProposal) -> AreaSettings:
        precautions = [
            f for f in proposal.contraindications if f.applies_to(rec.modality, rec.area)
        ]
        limits = settings_limits(self.rules.settings, rec.modality, rec.area, precautions)
        energy = round(limits.energy_max * 0.8, 1)
        density = round(limits.density_max_pct * 0.8, 1) if limits.density_max_pct else None
        per_pulse = limits.energy_unit == "mJ"
        return AreaSettings(
            rec.area,
            rec.modality,
            rec.modality.wavelength_nm,
            passes=1,
            energy_mj=energy if per_pulse else None,
            fluence_j_cm2=None if per_pulse else energy,
            density_pct=density,
            immediate_response="even erythema, mild oedema, no blanching",
        )

    def _checkins(
        self,
        patient: Patient,
        session: TreatmentSession,
        rec: Recommendation,
        demo: DemoPatient,
        *,
        last: bool,
    ) -> None:
        course = expected_course(self.rules, rec.modality, rec.area, demo.skin)
        days = range(1, 4) if last and demo.stage is Stage.RECOVERING else (1, 3, 7)
        for day in days:
            on = session.performed_on + dt.timedelta(days=day)
            if on > self.today:
                break
            scores = {
                score: round((course.band(day, score).low + course.band(day, score).high) / 2)
                for score in Score
            }
            flags: frozenset[RedFlag] = frozenset()
            if demo.warning_sign and last and day == 3:
                flags = frozenset({RedFlag.YELLOW_CRUST_OR_PUS})
                scores[Score.PAIN] = min(10, scores[Score.PAIN] + 4)
            submitted = dt.datetime.combine(on, dt.time(19, 30), tzinfo=dt.UTC)
            self.uow.charts.add_checkin(
                CheckInRecord(
                    0, self.clinic_id, patient.id, session.id, CheckIn(on, scores, flags), submitted
                )
            )


def _plan_item(rec: Recommendation, clinician_id: int) -> PlanItem:
    return PlanItem(
        area=rec.area,
        concern=rec.concern,
        severity=rec.severity,
        proposed_modality=rec.modality,
        sessions_min=rec.sessions.min,
        sessions_expected=rec.sessions.expected,
        sessions_max=rec.sessions.max,
        interval_weeks=Span(rec.interval_weeks.min, rec.interval_weeks.max),
        downtime_days=Span(rec.downtime_days.min, rec.downtime_days.max),
        decision=ItemDecision.ACCEPTED,
        decided_by=clinician_id,
    )


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()
