"""Expected recovery course and triage of check-ins."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from resurface.domain.checkin import CheckIn
from resurface.domain.codes import (
    AlertCode,
    Area,
    FitzpatrickType,
    Modality,
    RecoveryStatus,
    RedFlag,
    Score,
    Urgency,
)
from resurface.domain.recovery import expected_course, healing_days
from resurface.domain.triage import triage
from resurface.protocols import load_rule_base

RULES = load_rule_base()
TREATED = dt.date(2024, 3, 1)
FACE, NECK = Area.FULL_FACE, Area.NECK
CO2, FCO2 = Modality.ABLATIVE_CO2, Modality.FRACTIONAL_ABLATIVE_CO2
N1550 = Modality.NONABLATIVE_FRACTIONAL_1550


def on(day: int, flags: tuple[RedFlag, ...] = (), **scores: int) -> CheckIn:
    return CheckIn(
        TREATED + dt.timedelta(days=day),
        {Score(k): v for k, v in scores.items()},
        frozenset(flags),
    )


def run(checkins: list[CheckIn], modality: Modality = FCO2, skin=FitzpatrickType.II):
    return triage(RULES, modality, FACE, skin, TREATED, checkins)


# --- expected course ----------------------------------------------------------------------------


def test_course_covers_day_0_to_at_least_90_for_every_score() -> None:
    course = expected_course(RULES, CO2, FACE, FitzpatrickType.II)
    assert [d.day for d in course.days] == list(range(len(course.days)))
    assert course.days[-1].day >= 90
    assert all(set(d.bands) == set(Score) for d in course.days)


def test_fully_ablative_redness_is_marked_early_and_pinkness_lasts_weeks() -> None:
    course = expected_course(RULES, CO2, FACE, FitzpatrickType.II)
    assert course.band(1, Score.REDNESS).low >= 5
    assert course.band(30, Score.REDNESS).high > 0  # pinkness weeks later is expected
    assert course.band(21, Score.SWELLING).high <= 1  # swelling gone after ~2 weeks


def test_fully_ablative_healing_matches_the_published_re_epithelialisation() -> None:
    span = healing_days(RULES, CO2, FACE, FitzpatrickType.II)
    assert (span.min, span.max) == (5.5, 8.5)  # Nanni & Alster 1998; Tanzi & Alster 2003
    assert "Nanni & Alster 1998" in span.provenance.sources


def test_non_ablative_settles_within_days() -> None:
    course = expected_course(RULES, N1550, FACE, FitzpatrickType.II)
    assert course.band(7, Score.REDNESS).high <= 1
    assert course.band(7, Score.SWELLING).high <= 1
    assert healing_days(RULES, N1550, FACE, FitzpatrickType.II).max <= 1  # Manstein 2004


def test_delicate_areas_heal_more_slowly() -> None:
    face = healing_days(RULES, FCO2, FACE, FitzpatrickType.II)
    neck = healing_days(RULES, FCO2, NECK, FitzpatrickType.II)
    assert neck.max > face.max
    face_course = expected_course(RULES, FCO2, FACE, FitzpatrickType.II)
    neck_course = expected_course(RULES, FCO2, NECK, FitzpatrickType.II)
    assert neck_course.band(7, Score.REDNESS).high > face_course.band(7, Score.REDNESS).high


# --- triage examples ----------------------------------------------------------------------------


def test_an_ordinary_recovery_is_as_expected() -> None:
    result = run([on(1, redness=7, swelling=6, pain=3), on(5, redness=4, swelling=2, pain=1)])
    assert result.status is RecoveryStatus.AS_EXPECTED
    assert result.alerts == ()


def test_yellow_crust_with_pain_is_urgent_infection() -> None:
    result = run([on(4, (RedFlag.YELLOW_CRUST_OR_PUS,), pain=5)])
    assert result.status is RecoveryStatus.URGENT
    alert = result.alerts[0]
    assert (alert.code, alert.urgency, alert.day) == (AlertCode.POSSIBLE_INFECTION, "urgent", 4)
    assert alert.patient_message.endswith("Please call the clinic now.")


def test_yellow_crust_without_pain_is_less_urgent() -> None:
    result = run([on(4, (RedFlag.YELLOW_CRUST_OR_PUS,), pain=0)])
    assert [(a.code, a.urgency) for a in result.alerts] == [
        (AlertCode.POSSIBLE_INFECTION, Urgency.SOON)
    ]
    assert result.status is RecoveryStatus.CONTACT_CLINIC


def test_clustered_blisters_are_urgent_hsv() -> None:
    result = run([on(3, (RedFlag.BLISTERS_OR_COLD_SORES,))])
    assert [(a.code, a.urgency) for a in result.alerts] == [(AlertCode.POSSIBLE_HSV, "urgent")]


def test_white_pustules_with_itch_suggest_fungal_infection() -> None:
    result = run([on(6, (RedFlag.WHITE_PUSTULES,), itch=4)])
    assert [(a.code, a.urgency) for a in result.alerts] == [(AlertCode.POSSIBLE_FUNGAL, "soon")]


def test_raw_areas_count_only_after_day_10() -> None:
    assert run([on(8, (RedFlag.RAW_AREAS_AFTER_DAY_10,))]).alerts == ()
    late = run([on(12, (RedFlag.RAW_AREAS_AFTER_DAY_10,))]).alerts
    assert [a.code for a in late] == [AlertCode.DELAYED_HEALING]


def test_dark_patches_from_week_3_matter_more_in_darker_skin() -> None:
    early = run([on(10, (RedFlag.DARK_PATCHES,))], skin=FitzpatrickType.V)
    light = run([on(25, (RedFlag.DARK_PATCHES,))], skin=FitzpatrickType.II)
    dark = run([on(25, (RedFlag.DARK_PATCHES,))], skin=FitzpatrickType.V)
    assert early.alerts == ()
    assert [(a.code, a.urgency) for a in light.alerts] == [(AlertCode.POSSIBLE_PIH, "routine")]
    assert [(a.code, a.urgency) for a in dark.alerts] == [(AlertCode.POSSIBLE_PIH, "soon")]


def test_firm_raised_areas_flag_possible_scarring() -> None:
    result = run([on(40, (RedFlag.RAISED_OR_FIRM_AREAS,))])
    assert [a.code for a in result.alerts] == [AlertCode.POSSIBLE_SCARRING]


def test_redness_above_the_range_late_is_prolonged_erythema() -> None:
    result = run([on(45, redness=6)])
    assert [a.code for a in result.alerts] == [AlertCode.PROLONGED_ERYTHEMA]
    assert "redness 6 on day 45" in result.alerts[0].message
    assert result.status is RecoveryStatus.WATCH


def test_the_same_redness_is_expected_after_fully_ablative_co2() -> None:
    assert run([on(45, redness=4)], modality=CO2).alerts == ()


def test_pain_rising_after_day_3_is_a_warning_even_inside_the_band() -> None:
    result = run([on(4, pain=1), on(6, pain=3)], modality=CO2)
    assert [a.code for a in result.alerts] == [AlertCode.POSSIBLE_INFECTION]
    assert "rose from 1 on day 4 to 3 on day 6" in result.alerts[0].message


def test_fever_is_urgent_contact() -> None:
    result = run([on(2, (RedFlag.FEVER,))])
    assert result.status is RecoveryStatus.URGENT
    assert result.alerts[0].code is AlertCode.URGENT_CONTACT


def test_each_alert_code_is_reported_once_at_its_worst() -> None:
    result = run(
        [
            on(4, (RedFlag.YELLOW_CRUST_OR_PUS,), pain=0),
            on(5, (RedFlag.YELLOW_CRUST_OR_PUS,), pain=6),
        ]
    )
    infections = [a for a in result.alerts if a.code is AlertCode.POSSIBLE_INFECTION]
    assert len(infections) == 1
    assert infections[0].urgency is Urgency.URGENT


# --- property: a course inside the expected bands raises nothing --------------------------------


@st.composite
def courses_inside_the_bands(draw: st.DrawFn):
    modality = draw(st.sampled_from(Modality))
    area = draw(st.sampled_from(Area))
    skin = draw(st.sampled_from(FitzpatrickType))
    course = expected_course(RULES, modality, area, skin)
    days = sorted(draw(st.sets(st.integers(0, 120), min_size=1, max_size=8)))
    min_rise = RULES.triage.min_rise
    checkins, previous = [], None
    for day in days:
        scores = {}
        for score in Score:
            band = course.band(day, score)
            low, high = int(-(-band.low // 1)), int(band.high // 1)
            if previous is not None and day > RULES.triage.rising_after_day:
                high = min(high, previous[score] + min_rise - 1)  # settling, not rising
            scores[score] = draw(st.integers(low, max(low, high)))
        checkins.append(CheckIn(TREATED + dt.timedelta(days=day), scores))
        previous = scores
    return modality, area, skin, checkins


@settings(max_examples=80, deadline=None)
@given(courses_inside_the_bands())
def test_a_course_inside_the_expected_ranges_raises_nothing(case) -> None:
    modality, area, skin, checkins = case
    result = triage(RULES, modality, area, skin, TREATED, checkins)
    assert result.alerts == ()
    assert result.status is RecoveryStatus.AS_EXPECTED


def test_pain_far_above_the_band_means_call_now() -> None:
    result = run([on(8, pain=8)])
    assert result.status is RecoveryStatus.URGENT
    assert result.alerts[0].code is AlertCode.URGENT_CONTACT
