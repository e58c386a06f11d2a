"""Registering a patient: every bad detail named at once, and a resend under the same key
given the patient the first request registered."""

from __future__ import annotations

import datetime as dt

import pytest

from resurface.domain.codes import Area, Concern, FitzpatrickType, Severity
from resurface.domain.errors import InvalidInput
from resurface.domain.intake import Goal
from resurface.domain.people import Patient, Sex
from resurface.services import consultations
from resurface.services.consultations import Intake
from resurface.services.context import Context
from tests.support.contexts import seed_clinic
from tests.support.fakes import FakeDatabase

ANA = Patient(0, 0, "Ana", "Silva", dt.date(1975, 6, 30), Sex.FEMALE, phone="0207 946 0000")
INTAKE = Intake(
    goals=(Goal(Concern.WRINKLES, Area.PERIORBITAL, Severity.MODERATE),),
    fitzpatrick_type=FitzpatrickType.II,
)


def test_a_resend_under_the_same_key_is_given_the_first_registration(
    ctx: Context, db: FakeDatabase
) -> None:
    clinician = seed_clinic(db).clinician
    first, view = consultations.register_with_consultation(
        ctx, clinician, ANA, INTAKE, request_key="form-1"
    )
    again, again_view = consultations.register_with_consultation(
        ctx, clinician, ANA, INTAKE, request_key="form-1"
    )
    assert again.id == first.id and view is not None and again_view is not None
    assert again_view.consultation.id == view.consultation.id
    assert len([p for p in db.state.patients.values() if p.family_name == "Silva"]) == 1


def test_every_bad_detail_is_named_at_once(ctx: Context, db: FakeDatabase) -> None:
    clinician = seed_clinic(db).clinician
    typed = Patient(0, 0, " ", "Sil\x00va", dt.date(1, 1, 1), Sex.FEMALE, phone="1" * 41)
    with pytest.raises(InvalidInput) as refused:
        consultations.register_with_consultation(ctx, clinician, typed, INTAKE)
    assert [p.field for p in refused.value.problems] == [
        "given_name",
        "family_name",
        "date_of_birth",
        "phone",
    ]
