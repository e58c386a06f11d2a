"""course_for: one course per session - the most demanding treated area and one skin type."""

from __future__ import annotations

import datetime as dt

import pytest

from resurface.domain.chart import AreaSettings, Consultation, TreatmentSession
from resurface.domain.codes import Area, FitzpatrickType, Modality
from resurface.domain.errors import InvalidInput
from resurface.domain.intake import MedicalHistory
from resurface.domain.people import Patient, Sex
from resurface.domain.recovery import course_for

TREATED = dt.date(2026, 11, 2)
FCO2 = Modality.FRACTIONAL_ABLATIVE_CO2
N1550 = Modality.NONABLATIVE_FRACTIONAL_1550


def session(*areas: tuple[Area, Modality]) -> TreatmentSession:
    settings = tuple(AreaSettings(area, modality, 10600) for area, modality in areas)
    return TreatmentSession(1, 1, 1, 1, TREATED, "device", settings)


def patient(skin: FitzpatrickType | None = None) -> Patient:
    return Patient(1, 1, "Ana", "Lee", dt.date(1980, 1, 1), Sex.FEMALE, fitzpatrick_type=skin)


def consultation(id_: int, held_on: dt.date, skin: FitzpatrickType) -> Consultation:
    return Consultation(id_, 1, 1, 1, held_on, (), MedicalHistory(), skin, eligible=True)


def test_two_areas_follow_the_more_demanding_one_whatever_the_order() -> None:
    for areas in (
        ((Area.NECK, N1550), (Area.PERIORAL, FCO2)),
        ((Area.PERIORAL, FCO2), (Area.NECK, N1550)),
    ):
        basis = course_for(session(*areas), patient(FitzpatrickType.III), ())
        assert (basis.area, basis.modality) == (Area.PERIORAL, FCO2)


def test_ablative_comes_before_delicate() -> None:
    basis = course_for(session((Area.PERIORAL, N1550), (Area.CHEEKS, FCO2)), patient(), ())
    assert basis.area is Area.CHEEKS


def test_same_modality_the_delicate_area_wins() -> None:
    basis = course_for(session((Area.CHEEKS, FCO2), (Area.PERIORBITAL, FCO2)), patient(), ())
    assert basis.area is Area.PERIORBITAL


def test_a_chosen_area_is_followed() -> None:
    two = session((Area.PERIORAL, FCO2), (Area.NECK, N1550))
    assert course_for(two, patient(), (), Area.NECK).area is Area.NECK
    with pytest.raises(InvalidInput):
        course_for(two, patient(), (), Area.HANDS)


def test_recorded_skin_type_comes_first() -> None:
    held = (consultation(1, dt.date(2026, 10, 1), FitzpatrickType.V),)
    basis = course_for(session((Area.NECK, N1550)), patient(FitzpatrickType.II), held)
    assert (basis.skin_type, basis.skin_type_recorded) == (FitzpatrickType.II, True)


def test_otherwise_the_latest_consultation_by_date_held_not_by_id() -> None:
    held = (
        consultation(7, dt.date(2026, 9, 1), FitzpatrickType.II),  # entered later, held earlier
        consultation(3, dt.date(2026, 10, 1), FitzpatrickType.IV),
    )
    basis = course_for(session((Area.NECK, N1550)), patient(), held)
    assert (basis.skin_type, basis.skin_type_recorded) == (FitzpatrickType.IV, True)


def test_same_day_consultations_the_later_record_wins() -> None:
    day = dt.date(2026, 10, 1)
    held = (consultation(5, day, FitzpatrickType.V), consultation(4, day, FitzpatrickType.III))
    assert course_for(session((Area.NECK, N1550)), patient(), held).skin_type is FitzpatrickType.V


def test_without_any_type_the_course_is_type_i_and_says_so() -> None:
    basis = course_for(session((Area.PERIORAL, FCO2)), patient(), ())
    assert (basis.skin_type, basis.skin_type_recorded) == (FitzpatrickType.I, False)
    assert "not recorded" in basis.in_words()


def test_the_basis_in_plain_words() -> None:
    basis = course_for(session((Area.PERIORAL, FCO2)), patient(FitzpatrickType.III), ())
    assert (
        basis.in_words() == "around the mouth, fractional ablative CO₂ (10,600 nm), skin type III"
    )
    assert basis.treated_on == TREATED
