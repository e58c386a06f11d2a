"""Scales, settings limits, aftercare and the re-estimate of remaining sessions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resurface.domain.aftercare import aftercare_for_day
from resurface.domain.codes import Area, Concern, FitzpatrickType, Modality
from resurface.domain.errors import InvalidInput
from resurface.domain.intake import MedicalHistory
from resurface.domain.reestimate import ResponseStatus, metric_for_concern, reestimate_sessions
from resurface.domain.rulebase import ModalityFamily
from resurface.domain.scales import fitzpatrick_type_from_answers, grade_by_code, grade_by_score
from resurface.domain.screening import screen
from resurface.domain.settings_limits import RecordedSettings, check_settings, settings_limits
from resurface.protocols import load_rule_base

RULES = load_rule_base()
QUESTIONNAIRE = RULES.scales.fitzpatrick
SCALES = RULES.scales.scales


# --- scales -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "expected"),
    [(0, "I"), (6, "I"), (7, "II"), (13, "II"), (20, "III"), (21, "IV"), (34, "V"), (40, "VI")],
)
def test_fitzpatrick_default_cut_offs(total: int, expected: str) -> None:
    answers = [4] * (total // 4) + ([total % 4] if total % 4 else [])
    answers += [0] * (10 - len(answers))
    result = fitzpatrick_type_from_answers(QUESTIONNAIRE, answers)
    assert (result.score, result.type) == (total, FitzpatrickType(expected))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=10, max_size=10), st.integers(0, 9))
def test_more_sun_tolerance_never_gives_a_lighter_type(answers: list[int], item: int) -> None:
    higher = list(answers)
    higher[item] = min(4, higher[item] + 1)
    before = fitzpatrick_type_from_answers(QUESTIONNAIRE, answers).type.number
    assert fitzpatrick_type_from_answers(QUESTIONNAIRE, higher).type.number >= before


def test_an_out_of_range_answer_names_the_item() -> None:
    with pytest.raises(InvalidInput, match="item 3"):
        fitzpatrick_type_from_answers(QUESTIONNAIRE, [0, 1, 5, 0, 0, 0, 0, 0, 0, 0])
    with pytest.raises(InvalidInput, match="10 answers"):
        fitzpatrick_type_from_answers(QUESTIONNAIRE, [0, 1])


def test_glogau_and_goodman_baron_grades_read_as_published() -> None:
    assert grade_by_code(SCALES["glogau"], "iii").description == "wrinkles at rest"
    assert grade_by_code(SCALES["goodman_baron"], "4").label == "severe"
    assert grade_by_code(SCALES["gais"], "5").label == "worse"
    with pytest.raises(InvalidInput, match="glogau"):
        grade_by_code(SCALES["glogau"], "V")


def test_wrinkle_score_and_improvement_quartile_bands() -> None:
    wrinkle = SCALES["fitzpatrick_wrinkle"]
    classes = [grade_by_score(wrinkle, s).code for s in (1, 3, 4, 6, 7, 9)]
    assert classes == ["I", "I", "II", "II", "III", "III"]
    quartile = SCALES["improvement_quartile"]
    assert [grade_by_score(quartile, p).code for p in (0, 1, 25, 26, 50, 75, 76, 100)] == [
        "0",
        "1",
        "1",
        "2",
        "2",
        "3",
        "4",
        "4",
    ]
    with pytest.raises(InvalidInput):
        grade_by_score(wrinkle, 10)


# --- settings limits ----------------------------------------------------------------------------


def test_neck_limits_are_below_full_face_and_warn_by_name() -> None:
    face = settings_limits(RULES.settings, Modality.FRACTIONAL_ABLATIVE_CO2, Area.FULL_FACE)
    neck = settings_limits(RULES.settings, Modality.FRACTIONAL_ABLATIVE_CO2, Area.NECK)
    assert neck.energy_max < face.energy_max
    assert neck.density_max_pct is not None
    assert face.density_max_pct is not None
    assert neck.density_max_pct < face.density_max_pct
    warnings = check_settings(neck, RecordedSettings(energy=30, density_pct=25, passes=1))
    assert {w.setting for w in warnings} == {"energy", "density"}  # Avram 2009 scar settings
    assert all("neck" in w.message for w in warnings)
    assert check_settings(face, RecordedSettings(energy=face.energy_max)) == ()


def test_darker_skin_lowers_the_density_limit_not_energy() -> None:
    found = screen(RULES.screening, MedicalHistory(), FitzpatrickType.V, [Area.CHEEKS])
    modality = Modality.NONABLATIVE_FRACTIONAL_1550
    plain = settings_limits(RULES.settings, modality, Area.CHEEKS)
    darker = settings_limits(
        RULES.settings, modality, Area.CHEEKS, found.precautions(modality, Area.CHEEKS)
    )
    assert darker.density_max_pct is not None
    assert plain.density_max_pct is not None
    assert darker.density_max_pct < plain.density_max_pct
    assert darker.energy_max == plain.energy_max


# --- aftercare ----------------------------------------------------------------------------------


def test_aftercare_follows_the_days_and_the_modality_family() -> None:
    first = aftercare_for_day(RULES.aftercare, Modality.ABLATIVE_CO2, 2)
    later = aftercare_for_day(RULES.aftercare, Modality.ABLATIVE_CO2, 20)
    gentle = aftercare_for_day(RULES.aftercare, Modality.NONABLATIVE_FRACTIONAL_1927, 2)
    assert first.family is ModalityFamily.FULLY_ABLATIVE
    assert gentle.family is ModalityFamily.NONABLATIVE
    assert first.title != later.title
    assert "ointment" in first.moisturising
    assert aftercare_for_day(RULES.aftercare, Modality.ABLATIVE_CO2, 400).sun_protection
    assert all(s.startswith("expert opinion") for s in first.sources)
    with pytest.raises(InvalidInput, match="day"):
        aftercare_for_day(RULES.aftercare, Modality.ABLATIVE_CO2, -1)


# --- re-estimate --------------------------------------------------------------------------------


def test_concerns_map_to_the_photo_metrics() -> None:
    response = RULES.response
    assert metric_for_concern(response, Concern.WRINKLES) == "wrinkle_density"
    assert metric_for_concern(response, Concern.PIGMENTATION) == "spot_area_pct"
    assert metric_for_concern(response, Concern.ACNE_SCARS) == "texture_roughness"
    assert metric_for_concern(response, Concern.LAXITY) is None
    assert response.redness_metric == "a_star_mean"


def test_a_slow_response_adds_sessions_and_a_fast_one_removes_them() -> None:
    response, acne = RULES.response, Concern.ACNE_SCARS
    fco2 = Modality.FRACTIONAL_ABLATIVE_CO2
    slow = reestimate_sessions(response, acne, 3, [-15.0], fco2)
    fast = reestimate_sessions(response, acne, 3, [-40.0], fco2)
    done = reestimate_sessions(response, acne, 3, [-40.0, -70.0], fco2)
    assert slow.target_pct == 66.6
    assert "Hedelund 2014" in slow.sources
    assert slow.new_total > 3
    assert slow.status in (ResponseStatus.BEHIND, ResponseStatus.REVIEW_PLAN)
    assert fast.new_total == 2
    assert fast.status is ResponseStatus.AHEAD
    assert done.remaining == 0
    assert done.status is ResponseStatus.TARGET_REACHED


def test_no_response_keeps_the_plan_and_says_so() -> None:
    result = reestimate_sessions(RULES.response, Concern.WRINKLES, 3, [2.0])
    assert result.status is ResponseStatus.NO_RESPONSE
    assert result.remaining == 2


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(Concern),
    st.integers(1, 6),
    st.lists(st.floats(-100, 50, allow_nan=False), max_size=6),
)
def test_reestimate_stays_within_the_plan_plus_the_clinic_cap(concern, total, changes) -> None:
    result = reestimate_sessions(RULES.response, concern, total, changes)
    cap = max(total + RULES.response.max_extra_sessions, len(changes))
    assert result.completed == len(changes)
    assert result.new_total == result.completed + result.remaining
    assert result.remaining >= 0
    assert result.new_total <= cap


def test_the_reestimates_explanation_counts_sessions_in_words() -> None:
    fco2 = Modality.FRACTIONAL_ABLATIVE_CO2
    one = reestimate_sessions(RULES.response, Concern.ACNE_SCARS, 3, [-15.0], fco2)
    assert "after 1 session," in one.explanation and "(s)" not in one.explanation
    assert f"{one.remaining} more sessions" in one.explanation
    two = reestimate_sessions(RULES.response, Concern.ACNE_SCARS, 3, [-15.0, -20.0], fco2)
    assert "after 2 sessions," in two.explanation and "(s)" not in two.explanation
