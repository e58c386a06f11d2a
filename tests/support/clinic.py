"""A small clinic with one patient whose chart holds one record of every kind, for tests."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

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
from resurface.domain.codes import (
    Area,
    Concern,
    Contraindication,
    FitzpatrickType,
    Modality,
    RedFlag,
    Score,
    ScreeningAction,
    Severity,
)
from resurface.domain.intake import Goal, MedicalHistory
from resurface.domain.people import Clinic, Patient, Role, Sex, User
from resurface.services.passwords import hash_password
from resurface.services.ports import UnitOfWork

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class SeededClinic:
    clinic: Clinic
    usernames: dict[Role, str]
    patient: Patient
    record_ids: dict[str, int]


def seed_clinic(
    uow_factory: Callable[[], UnitOfWork], slug: str, today: dt.date | None = None
) -> SeededClinic:
    today = today or dt.datetime.now(dt.UTC).date()
    with uow_factory() as uow:
        clinic = uow.clinics.add(Clinic(0, f"Clinic {slug}", slug, phone="+44 20 0000 0000"))
        uow.commit()
    names = {role: f"{slug}.{role.value}" for role in Role}
    with uow_factory() as uow:
        for role, username in names.items():
            display = f"{role.value} of {slug}"
            uow.users.add(User(0, clinic.id, username, display, role, _password_hash()))
        uow.commit()
    with uow_factory() as uow:
        clinician = uow.users.by_username(names[Role.CLINICIAN])
        assert clinician is not None
        patient, ids = patient_with_chart(uow, clinic.id, clinician.id, slug, today)
        uow.commit()
    return SeededClinic(clinic, names, patient, ids)


def patient_with_chart(
    uow: UnitOfWork, clinic_id: int, clinician_id: int, slug: str, today: dt.date
) -> tuple[Patient, dict[str, int]]:
    patient = uow.patients.add(
        Patient(
            0,
            clinic_id,
            "Robin",
            f"Tester-{slug}",
            dt.date(1970, 5, 17),
            Sex.FEMALE,
            fitzpatrick_type=FitzpatrickType.II,
        )
    )
    charts = uow.charts
    consultation = charts.add_consultation(
        Consultation(
            0,
            clinic_id,
            patient.id,
            clinician_id,
            today - dt.timedelta(days=40),
            goals=(Goal(Concern.WRINKLES, Area.PERIORAL, Severity.MODERATE),),
            history=MedicalHistory(hsv_history=True),
            fitzpatrick_type=FitzpatrickType.II,
            eligible=True,
            findings=(
                ScreeningFinding(
                    Contraindication.HSV_HISTORY,
                    ScreeningAction.PRECAUTION,
                    (Modality.FRACTIONAL_ABLATIVE_CO2,),
                    "antiviral prophylaxis",
                    "Wall 1999",
                ),
            ),
        )
    )
    assessment = charts.add_assessment(
        Assessment(
            0,
            clinic_id,
            patient.id,
            clinician_id,
            today - dt.timedelta(days=40),
            grades=(Grade(Area.PERIORAL, "glogau", 3, "advanced"),),
        )
    )
    plan = charts.add_plan(
        TreatmentPlan(
            0,
            clinic_id,
            patient.id,
            clinician_id,
            today - dt.timedelta(days=39),
            PlanStatus.ACCEPTED,
            items=(
                PlanItem(
                    Area.PERIORAL,
                    Concern.WRINKLES,
                    Severity.MODERATE,
                    Modality.FRACTIONAL_ABLATIVE_CO2,
                    1,
                    2,
                    3,
                    Span(4, 8),
                    Span(5, 7),
                    decision=ItemDecision.ACCEPTED,
                    decided_by=clinician_id,
                ),
            ),
            rationale=("moderate perioral wrinkles",),
            sources=("Manuskiatti 2010",),
        )
    )
    session = charts.add_session(
        TreatmentSession(
            0,
            clinic_id,
            patient.id,
            clinician_id,
            today - dt.timedelta(days=5),
            "Test CO2",
            areas=(
                AreaSettings(
                    Area.PERIORAL,
                    Modality.FRACTIONAL_ABLATIVE_CO2,
                    10600,
                    passes=2,
                    energy_mj=15.0,
                    density_pct=10.0,
                ),
            ),
            plan_id=plan.id,
        )
    )
    checkin = charts.add_checkin(
        CheckInRecord(
            0,
            clinic_id,
            patient.id,
            session.id,
            CheckIn(
                today - dt.timedelta(days=2),
                {
                    Score.REDNESS: 6,
                    Score.SWELLING: 3,
                    Score.IRRITATION: 4,
                    Score.PAIN: 2,
                    Score.ITCH: 1,
                },
                frozenset({RedFlag.FEVER}),
            ),
            dt.datetime.now(dt.UTC),
        )
    )
    photo = charts.add_photo(
        Photo(
            0,
            clinic_id,
            patient.id,
            "perioral",
            dt.datetime.now(dt.UTC),
            "a" * 64,
            "b" * 64,
            "image/png",
            10,
            10,
            assessment_id=assessment.id,
        )
    )
    ids = {
        "patient": patient.id,
        "consultation": consultation.id,
        "assessment": assessment.id,
        "plan": plan.id,
        "session": session.id,
        "checkin": checkin.id,
        "photo": photo.id,
    }
    return patient, ids


@functools.cache
def _password_hash() -> str:
    """argon2 costs a noticeable fraction of a second: every seeded user shares one hash."""
    return hash_password(PASSWORD)
