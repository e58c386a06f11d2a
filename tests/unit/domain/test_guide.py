"""The personal guide, written from each patient's own screening and decided plan: their treatment
in words, the session range and dates, the preparation their plan calls for, whom to call; no code
and no citation in anything the patient reads; a deferred screening gives no plan."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from resurface.domain.chart import ItemDecision, PlanItem
from resurface.domain.chart import Span as ChartSpan
from resurface.domain.codes import (
    Area,
    Concern,
    Contraindication,
    FitzpatrickType,
    Modality,
    PreTreatment,
    Severity,
)
from resurface.domain.guide import (
    DateStatus,
    GuideFacts,
    PatientGuide,
    fill,
    last_possible_session,
    patient_guide,
    treatment_dates,
    words,
)
from resurface.domain.intake import Goal, MedicalHistory
from resurface.domain.links import patient_link_expiry
from resurface.domain.plans import decide
from resurface.domain.rulebase import RuleBase
from resurface.protocols import load_rule_base
from tests.support.guide_cases import DEFERRED, SPECS, CaseSpec, consultation_for, plan_of

TODAY = dt.date(2027, 3, 1)
PHONE = "+44 20 7946 0000"

CODES = sorted(
    code
    for code in {c.value for c in (*Concern, *Area, *Modality, *Contraindication, *PreTreatment)}
    | {"fully_ablative", "fractional_ablative", "nonablative", "expert_opinion"}
    if "_" in code or code == "nonablative"
)
"""The codes that are not plain words ("neck" and "pregnancy" are both a code and a word)."""


@pytest.fixture(scope="module")
def rules() -> RuleBase:
    return load_rule_base()


def guide_for(
    rules: RuleBase,
    spec: CaseSpec,
    done: tuple[dt.date, ...] = (),
    booked: dt.date | None = None,
    phone: str = PHONE,
) -> PatientGuide:
    consultation, items = consultation_for(spec, rules, TODAY)
    plan = decide(plan_of(items, TODAY)) if items else None
    facts = GuideFacts("Clinic North", phone, "Robin", consultation, plan, done, booked)
    return patient_guide(rules, facts)


def every_source(rules: RuleBase) -> set[str]:
    """Every citation the rule base carries (the patient must never read one)."""
    found: set[str] = set()
    for p in rules.screening.pre_treatment:
        found.update(p.provenance.sources)
    for profile in rules.planning.profiles.values():
        found.update(profile.healing_days.provenance.sources)
    for indication in rules.planning.indications:
        found.update(indication.sessions.provenance.sources)
    for target in rules.response.targets:
        found.update(target.provenance.sources)
    for concern in rules.guide.concerns.values():
        found.update(concern.provenance.sources)
    for family in rules.guide.families.values():
        found.update(family.provenance.sources)
    found.update(rules.guide.warnings.provenance.sources)
    return found


def assert_plain(rules: RuleBase, text: str) -> None:
    for code in CODES:
        assert not re.search(rf"\b{re.escape(code)}\b", text), f"code {code!r} in: {text}"
    for source in every_source(rules):
        assert source not in text, f"citation {source!r} reaches the patient"
    assert "expert opinion" not in text.lower()
    assert not re.search(r"\b(19|20)\d\d\b", text), "a year (a citation?) in the patient text"
    assert "{" not in text, "a template placeholder was left unfilled"


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_the_guide_names_the_patients_own_treatment_areas_range_and_preparation(
    rules: RuleBase, spec: CaseSpec
) -> None:
    guide = guide_for(rules, spec)
    text = guide.patient_text()
    assert guide.planned
    assert spec.treatment_words in text
    assert spec.area_words in text
    for step in spec.preparation:
        assert step in text, f"{spec.name}: preparation {step!r} missing"
    assert PHONE in text and "Clinic North" in text
    assert_plain(rules, text)


def test_a_fully_ablative_full_face_is_one_treatment_with_antiviral_prophylaxis(
    rules: RuleBase,
) -> None:
    text = guide_for(rules, SPECS[0]).patient_text()
    assert "One treatment is usually enough for wrinkles on the whole face." in text
    assert "New skin forms in about 5 to 9 days" in text  # 5.5-8.5 days (Nanni & Alster 1998)
    assert "Make-up: not before day 10" in text
    assert "wrinkles improved by about 45 %" in text  # Ward & Baker 2008, in plain words


def test_a_fractional_neck_states_its_range_interval_and_why(rules: RuleBase) -> None:
    text = guide_for(rules, SPECS[1]).patient_text()
    assert "most people need 1 to 3 treatments; your clinician expects 2" in text
    assert "Treatments are 6 to 8 weeks apart" in text
    assert "The neck heals more slowly than the face" in text
    assert "wrinkles improved by about 51.4 %" in text  # Tierney & Hanke 2009
    assert "Take the antiviral tablets" in text  # cold sores in the history


def test_a_non_ablative_series_for_light_lines_explains_skin_type_and_test_spot(
    rules: RuleBase,
) -> None:
    guide = guide_for(rules, SPECS[2])
    text = guide.patient_text()
    assert "most people need 3 to 5 treatments; your clinician expects 3" in text
    assert "Your skin type tans easily" in text  # type IV
    assert "test spot" in text
    assert "antiviral" not in text  # not ablative, no cold sores in the history
    assert "no published figure" in text  # fine lines: only the clinic's target


def test_dates_follow_the_sessions_done_the_booking_and_the_interval(rules: RuleBase) -> None:
    first = dt.date(2027, 3, 8)
    booked = dt.date(2027, 4, 5)
    guide = guide_for(rules, SPECS[2], done=(first,), booked=booked)
    dates = guide.dates
    assert [d.status for d in dates] == [DateStatus.DONE, DateStatus.BOOKED, DateStatus.ESTIMATED]
    assert dates[0].on == first and dates[1].on == booked
    assert dates[2].on == booked + dt.timedelta(weeks=1)  # the planned minimum interval
    before = guide_for(rules, SPECS[2])
    assert [d.status for d in before.dates] == [DateStatus.TO_BOOK] * 3


def test_a_deferred_screening_gives_a_guide_without_a_plan_saying_why(rules: RuleBase) -> None:
    guide = guide_for(rules, DEFERRED)
    text = guide.patient_text()
    assert not guide.planned
    assert guide.dates == () and guide.recovery == ()
    assert "Treatment is not planned for now" in text
    assert "not done during pregnancy" in text
    assert "treatments" not in text.replace("your treatment", "")
    assert PHONE in text
    assert_plain(rules, text)


def test_without_a_phone_the_guide_still_says_whom_to_call(rules: RuleBase) -> None:
    text = guide_for(rules, SPECS[1], phone="").patient_text()
    assert "call Clinic North the same day." in text
    assert " on ." not in text


def test_every_passage_keeps_its_sources_for_the_evidence_view(rules: RuleBase) -> None:
    guide = guide_for(rules, SPECS[0])
    what = next(s for s in guide.sections if s.key == "what")
    assert "Ward & Baker 2008" in what.passages[0].sources
    warnings = next(s for s in guide.sections if s.key == "warnings")
    assert all("Fife 2009" in item.sources for item in warnings.items)
    sessions = next(s for s in guide.sections if s.key == "sessions")
    assert "Nanni & Alster 1998" in sessions.passages[0].sources  # the indication's range
    assert "the clinician's decision (plan override)" in sessions.passages[0].sources
    neck = guide_for(rules, SPECS[1])
    neck_sessions = next(s for s in neck.sections if s.key == "sessions")
    assert all(
        "Tierney & Hanke 2009" in p.sources
        for p in neck_sessions.passages
        if "treatments" in p.text and "weeks apart" not in p.text and "most people" in p.text
    )
    interval = next(p for p in neck_sessions.passages if "weeks apart" in p.text)
    assert "Tierney & Hanke 2009" in interval.sources


def test_the_link_expires_after_the_longest_series_plus_recovery_and_margin(
    rules: RuleBase,
) -> None:
    _, items = consultation_for(SPECS[1], rules, TODAY)
    plan = decide(plan_of(items, TODAY))
    last = last_possible_session(plan, TODAY)
    assert last == TODAY + dt.timedelta(weeks=16)  # 3 sessions 8 weeks apart
    issued = dt.datetime(2027, 3, 1, 10, tzinfo=dt.UTC)
    expires = patient_link_expiry(issued, last, 90, 30)
    assert expires.date() == last + dt.timedelta(days=120)
    assert patient_link_expiry(issued, None, 90, 30) == issued + dt.timedelta(days=30)


def test_templates_keep_unknown_placeholders_and_lists_read_as_words() -> None:
    assert fill("call {clinic} on {phone} {unknown}", clinic="A", phone="1") == (
        "call A on 1 {unknown}"
    )
    assert words(["a", "b", "c"]) == "a, b and c"
    assert words(["a"]) == "a"


def test_treatment_dates_keep_a_booking_beyond_the_plan(rules: RuleBase) -> None:
    _, items = consultation_for(SPECS[0], rules, TODAY)
    plan = decide(plan_of(items, TODAY))
    dates = treatment_dates(plan, (TODAY,), TODAY + dt.timedelta(weeks=30))
    assert [d.status for d in dates] == [DateStatus.DONE, DateStatus.BOOKED]


def test_every_indication_of_the_rule_base_gives_a_plain_guide(rules: RuleBase) -> None:
    """Each modality x concern x area the rule base knows, for a patient with cold sores and a
    darker skin type (the most preparation steps): no placeholder, code or citation is left."""
    checked = 0
    for indication in rules.planning.indications:
        for concern in indication.concerns:
            for area in indication.areas or (Area.FULL_FACE, Area.PERIORBITAL):
                spec = CaseSpec(
                    "any",
                    Goal(concern, area, Severity.MODERATE),
                    MedicalHistory(hsv_history=True),
                    FitzpatrickType.IV,
                    None,
                    "",
                    "",
                    (),
                )
                consultation, _ = consultation_for(spec, rules, TODAY)
                item = PlanItem(
                    area, concern, Severity.MODERATE, indication.modality,
                    int(indication.sessions.min), int(indication.sessions.min),
                    int(indication.sessions.max), ChartSpan(4, 8), ChartSpan(2, 5),
                    decision=ItemDecision.ACCEPTED,
                )  # fmt: skip
                plan = decide(plan_of((item,), TODAY))
                facts = GuideFacts("Clinic North", PHONE, "Robin", consultation, plan)
                guide = patient_guide(rules, facts)
                assert_plain(rules, guide.patient_text())
                assert rules.guide.concerns[concern].name in guide.patient_text()
                checked += 1
    assert checked > 30
