"""Planning: published session figures, severity, delicate areas, screening exclusions."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from resurface.domain.codes import (
    Area,
    Concern,
    FitzpatrickType,
    Modality,
    ScreeningAction,
    Severity,
)
from resurface.domain.intake import Goal, MedicalHistory, Preferences
from resurface.domain.planning import PatientFacts, Recommendation, propose_treatment
from resurface.protocols import load_rule_base

RULES = load_rule_base()
PROPERTY = settings(max_examples=60, deadline=None)

histories = st.builds(
    MedicalHistory,
    pregnant=st.booleans(),
    active_infection=st.booleans(),
    isotretinoin_months_since_last_dose=st.none() | st.floats(0, 36),
    hsv_history=st.booleans(),
    keloid_history=st.booleans(),
    photosensitizing_drugs=st.booleans(),
    radiation_to_area=st.booleans(),
    vitiligo=st.booleans(),
    recent_tan=st.booleans(),
    immunosuppressed=st.booleans(),
)
goals = st.builds(Goal, st.sampled_from(Concern), st.sampled_from(Area), st.sampled_from(Severity))
skin_types = st.sampled_from(FitzpatrickType)
preferences = st.builds(Preferences, st.none() | st.floats(0, 30))


def plan_one(goal: Goal, skin_type: FitzpatrickType = FitzpatrickType.II) -> Recommendation:
    proposal = propose_treatment(
        RULES, PatientFacts(40, "female", skin_type), MedicalHistory(), [goal]
    )
    assert proposal.recommendations, proposal.unplanned
    return proposal.recommendations[0]


# --- example tests from the published figures (CLINICAL.md) ------------------------------------


def test_acne_scars_with_fractional_co2_take_two_to_three_sessions() -> None:
    rec = plan_one(Goal(Concern.ACNE_SCARS, Area.CHEEKS, Severity.MODERATE))
    assert rec.modality is Modality.FRACTIONAL_ABLATIVE_CO2
    assert (rec.sessions.min, rec.sessions.max) == (2, 3)
    assert "Hedelund 2014" in rec.sources
    assert (rec.interval_weeks.min, rec.interval_weeks.max) == (4, 8)


def test_neck_with_fractional_co2_takes_one_to_three_sessions_six_to_eight_weeks_apart() -> None:
    rec = plan_one(Goal(Concern.TEXTURE, Area.NECK, Severity.MODERATE))
    assert rec.modality is Modality.FRACTIONAL_ABLATIVE_CO2
    assert (rec.sessions.min, rec.sessions.max) == (1, 3)
    assert (rec.interval_weeks.min, rec.interval_weeks.max) == (6, 8)
    assert "Tierney & Hanke 2009" in rec.sources


def test_light_wrinkles_need_fewer_sessions_than_deep_ones() -> None:
    mild = plan_one(Goal(Concern.FINE_LINES, Area.FULL_FACE, Severity.MILD))
    severe = plan_one(Goal(Concern.FINE_LINES, Area.FULL_FACE, Severity.SEVERE))
    assert mild.modality is severe.modality is Modality.NONABLATIVE_FRACTIONAL_1550
    assert (mild.sessions.expected, severe.sessions.expected) == (3, 5)  # 3-5: Manstein 2004
    assert severe.sessions.max > 5  # severe may go beyond the published range


def test_pigmentation_goes_to_1927_for_three_sessions() -> None:
    rec = plan_one(Goal(Concern.PIGMENTATION, Area.FULL_FACE, Severity.MILD))
    assert rec.modality is Modality.NONABLATIVE_FRACTIONAL_1927
    assert rec.sessions.expected == 3
    assert "Polder & Bruce 2011" in rec.sources


def test_isotretinoin_within_six_months_rules_out_fully_ablative_only() -> None:
    patient = PatientFacts(30, "male", FitzpatrickType.II)
    history = MedicalHistory(isotretinoin_months_since_last_dose=3)
    proposal = propose_treatment(
        RULES, patient, history, [Goal(Concern.WRINKLES, Area.FULL_FACE, Severity.SEVERE)]
    )
    finding = next(f for f in proposal.contraindications if f.code == "isotretinoin_recent")
    assert finding.action is ScreeningAction.AVOID_MODALITY
    assert finding.modalities == {Modality.ABLATIVE_CO2, Modality.ABLATIVE_ERBIUM}
    assert "Spring 2017" in finding.source
    rec = proposal.recommendations[0]
    assert not rec.modality.is_fully_ablative
    assert Modality.ABLATIVE_CO2 not in rec.alternatives
    assert Modality.FRACTIONAL_ABLATIVE_CO2 in {rec.modality, *rec.alternatives}


def test_isotretinoin_longer_ago_than_six_months_changes_nothing() -> None:
    history = MedicalHistory(isotretinoin_months_since_last_dose=7)
    proposal = propose_treatment(
        RULES,
        PatientFacts(30, "male", FitzpatrickType.II),
        history,
        [Goal(Concern.WRINKLES, Area.FULL_FACE, Severity.SEVERE)],
    )
    assert proposal.contraindications == ()


def test_pregnancy_defers_everything() -> None:
    proposal = propose_treatment(
        RULES,
        PatientFacts(30, "female", FitzpatrickType.II),
        MedicalHistory(pregnant=True),
        [Goal(Concern.WRINKLES, Area.FULL_FACE, Severity.MILD)],
    )
    assert proposal.eligible is False
    assert proposal.recommendations == ()
    assert proposal.schedule == ()
    assert "pregnancy" in proposal.unplanned[0].reason.lower()


def test_types_v_and_vi_get_no_fully_ablative_and_lower_density() -> None:
    rec = plan_one(Goal(Concern.WRINKLES, Area.FULL_FACE, Severity.SEVERE), FitzpatrickType.V)
    assert not rec.modality.is_fully_ablative
    assert not any(m.is_fully_ablative for m in rec.alternatives)
    assert rec.settings.density < 1.0
    assert rec.settings.energy == 1.0  # density, not energy, drives PIH (Kono 2007)


def test_hsv_history_asks_for_antiviral_prophylaxis_before_fractional_ablative() -> None:
    proposal = propose_treatment(
        RULES,
        PatientFacts(50, "female", FitzpatrickType.II),
        MedicalHistory(hsv_history=True),
        [Goal(Concern.ACNE_SCARS, Area.CHEEKS, Severity.MODERATE)],
    )
    steps = {s.code: s for s in proposal.pre_treatment}
    assert "antiviral_prophylaxis" in steps
    assert "Wall 1999" in steps["antiviral_prophylaxis"].source


def test_downtime_limit_moves_to_a_gentler_modality_and_says_why() -> None:
    proposal = propose_treatment(
        RULES,
        PatientFacts(45, "female", FitzpatrickType.II),
        MedicalHistory(),
        [Goal(Concern.WRINKLES, Area.FULL_FACE, Severity.MODERATE)],
        Preferences(max_downtime_days=2),
    )
    rec = proposal.recommendations[0]
    assert rec.modality is Modality.NONABLATIVE_FRACTIONAL_1550
    assert rec.downtime_days.max <= 2
    assert any("fractional_ablative_co2 left out" in line for line in rec.rationale)


def test_goal_nothing_fits_is_reported_with_the_reason() -> None:
    proposal = propose_treatment(
        RULES,
        PatientFacts(45, "female", FitzpatrickType.II),
        MedicalHistory(),
        [Goal(Concern.LAXITY, Area.FULL_FACE, Severity.MODERATE)],
        Preferences(max_downtime_days=1),
    )
    assert proposal.recommendations == ()
    assert "downtime" in proposal.unplanned[0].reason


def test_areas_with_the_same_modality_share_sessions() -> None:
    proposal = propose_treatment(
        RULES,
        PatientFacts(45, "female", FitzpatrickType.II),
        MedicalHistory(),
        [
            Goal(Concern.ACNE_SCARS, Area.CHEEKS, Severity.SEVERE),
            Goal(Concern.ACNE_SCARS, Area.FOREHEAD, Severity.MILD),
        ],
    )
    # severe: the top of 2-3 sessions; mild: the low end, and both areas in the same visits
    assert [set(s.areas) for s in proposal.schedule] == [
        {Area.CHEEKS, Area.FOREHEAD},
        {Area.CHEEKS, Area.FOREHEAD},
        {Area.CHEEKS},
    ]
    weeks = [s.week for s in proposal.schedule]
    assert all(b - a >= 4 for a, b in itertools.pairwise(weeks))


# --- properties ---------------------------------------------------------------------------------


@PROPERTY
@given(histories, skin_types, st.lists(goals, min_size=1, max_size=4), preferences)
def test_never_recommends_a_modality_screening_excludes(history, skin_type, wanted, wishes) -> None:
    proposal = propose_treatment(RULES, PatientFacts(40, "x", skin_type), history, wanted, wishes)
    for rec in proposal.recommendations:
        for modality in (rec.modality, *rec.alternatives):
            for finding in proposal.contraindications:
                assert not finding.excludes(modality, rec.area), (finding.code, modality)
        if rec.area.is_delicate:
            assert not rec.modality.is_fully_ablative
    if not proposal.eligible:
        assert proposal.recommendations == ()


@PROPERTY
@given(histories, skin_types, st.sampled_from(Concern), st.sampled_from(Area))
def test_expected_sessions_never_decrease_with_severity(history, skin_type, concern, area) -> None:
    patient = PatientFacts(40, "x", skin_type)
    expected = []
    for severity in Severity:
        proposal = propose_treatment(RULES, patient, history, [Goal(concern, area, severity)])
        if not proposal.recommendations:
            return
        rec = proposal.recommendations[0]
        assert rec.sessions.min <= rec.sessions.expected <= rec.sessions.max
        expected.append((rec.modality, rec.sessions.expected))
    assert len({m for m, _ in expected}) == 1  # severity does not change the choice
    counts = [n for _, n in expected]
    assert counts == sorted(counts)


@PROPERTY
@given(histories, skin_types, st.sampled_from(Concern), st.sampled_from(Severity))
def test_delicate_areas_never_get_larger_factors_than_full_face(
    history, skin_type, concern, severity
) -> None:
    patient = PatientFacts(40, "x", skin_type)
    face = propose_treatment(RULES, patient, history, [Goal(concern, Area.FULL_FACE, severity)])
    if not face.recommendations:
        return
    full = face.recommendations[0]
    for area in (a for a in Area if a.is_delicate):
        proposal = propose_treatment(RULES, patient, history, [Goal(concern, area, severity)])
        for rec in proposal.recommendations:
            if rec.modality is full.modality:
                assert rec.settings.density <= full.settings.density
                assert rec.settings.energy <= full.settings.energy
                assert rec.settings.density < 1.0
                assert rec.settings.energy < 1.0


@PROPERTY
@given(histories, skin_types, st.lists(goals, min_size=1, max_size=3), preferences)
def test_every_recommendation_is_sourced_or_flagged(history, skin_type, wanted, wishes) -> None:
    proposal = propose_treatment(RULES, PatientFacts(40, "x", skin_type), history, wanted, wishes)
    for rec in proposal.recommendations:
        assert rec.sources
        papers = [s for s in rec.sources if not s.startswith("expert opinion")]
        assert papers or rec.expert_opinion
        assert rec.rationale
    for finding in proposal.contraindications:
        assert finding.source
