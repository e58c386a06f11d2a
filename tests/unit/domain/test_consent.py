"""The consent text for one patient's plan, the drawn signature, and photo consent in force."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from resurface.domain.chart import ItemDecision, PlanItem, PlanStatus, Span, TreatmentPlan
from resurface.domain.codes import Area, Concern, Modality, Severity
from resurface.domain.consent import (
    PhotoConsent,
    PhotoUse,
    SignedConsent,
    SignedVia,
    consent_text,
    consents_missing,
    photo_consent_in_force,
    photos_allowed_for,
    signature_strokes,
    signature_svg,
    signed_name_problems,
)
from resurface.domain.errors import InvalidInput
from resurface.domain.plans import decide
from tests.support.consents import SIGNATURE
from tests.support.contexts import shipped_rules

CITATION = re.compile(r"\b(19|20)\d\d\b|et al|&")
CODE = re.compile(r"\b[a-z]+_[a-z_0-9]+\b")


def _plan(*items: tuple[Area, Concern, Modality, int, int, int]) -> TreatmentPlan:
    return TreatmentPlan(
        1, 1, 1, 1, dt.date(2026, 3, 1), PlanStatus.ACCEPTED,
        items=tuple(
            PlanItem(area, concern, Severity.MODERATE, modality, low, mid, high, Span(4, 8),
                     Span(3, 7), decision=ItemDecision.ACCEPTED)
            for area, concern, modality, low, mid, high in items
        ),
    )  # fmt: skip


@pytest.mark.parametrize("modality", list(Modality))
def test_every_shipped_template_reads_without_codes_or_citations(modality: Modality) -> None:
    plan = _plan((Area.NECK, Concern.WRINKLES, modality, 1, 2, 3))
    text = consent_text(shipped_rules().consent, decide(plan), modality)
    for line in text.as_lines():
        assert not CITATION.search(line), line
        assert not CODE.search(line), line
    assert text.risks and text.expected and text.alternatives
    assert text.evidence  # the sources are kept for staff


def test_fully_ablative_co2_names_its_published_rates() -> None:
    plan = _plan((Area.FULL_FACE, Concern.WRINKLES, Modality.ABLATIVE_CO2, 1, 1, 1))
    text = consent_text(shipped_rules().consent, decide(plan), Modality.ABLATIVE_CO2)
    risks = {r.name: r.how_often for r in text.risks}
    assert risks["Darker patches of skin"] == "about 37 in 100 people"
    assert risks["Cold sores"] == (
        "about 9.4 in 100 people without antiviral tablets; 0 to 1.1 in 100 people with "
        "antiviral tablets"
    )
    assert risks["Scarring"] == "fewer than 1 in 100 people"
    assert text.sessions == "1 treatment."
    assert text.areas == "the whole face" and text.concerns == "wrinkles"
    sources = {s for line in text.evidence for s in line.sources}
    assert {"Nanni & Alster 1998", "Wall 1999"} <= sources


def test_a_rate_the_reference_lacks_is_the_clinics_to_tell() -> None:
    plan = _plan(
        (Area.FULL_FACE, Concern.SUN_DAMAGE, Modality.NONABLATIVE_FRACTIONAL_1927, 3, 3, 4)
    )
    rules = shipped_rules().consent
    text = consent_text(rules, decide(plan), Modality.NONABLATIVE_FRACTIONAL_1927)
    assert all(r.how_often == rules.clinic_sets_rate for r in text.risks)
    staff = " ".join(s for line in text.evidence for s in line.sources)
    assert "expert opinion (clinic setting)" in staff
    assert text.sessions == "3 to 4 treatments; we expect 3, about 4 to 8 weeks apart."


def test_only_the_areas_of_the_modality_are_named() -> None:
    plan = _plan(
        (Area.PERIORAL, Concern.WRINKLES, Modality.ABLATIVE_CO2, 1, 1, 1),
        (Area.NECK, Concern.LAXITY, Modality.FRACTIONAL_ABLATIVE_CO2, 1, 2, 3),
    )
    text = consent_text(shipped_rules().consent, decide(plan), Modality.FRACTIONAL_ABLATIVE_CO2)
    assert text.areas == "the neck" and text.concerns == "loose skin"
    with pytest.raises(ValueError, match="does not use"):
        consent_text(shipped_rules().consent, decide(plan), Modality.ABLATIVE_ERBIUM)


def test_a_template_edit_changes_its_digest() -> None:
    from dataclasses import replace

    template = shipped_rules().consent.templates[Modality.ABLATIVE_CO2]
    assert replace(template, procedure=template.procedure + " ").digest != template.digest


def test_a_signature_is_lines_drawn_in_the_box() -> None:
    strokes = signature_strokes(SIGNATURE)
    svg = signature_svg(strokes)
    assert svg.count("<polyline") == 2 and 'viewBox="0 0 300 100"' in svg
    for bad in ("", "[]", "[[[0.5, 0.5]]]", "not json", "[[[2, 0.5], [0.3, 0.4]]]", '[[["a", 1]]]',
                json.dumps([[[0.5, 0.5]] * 5])):  # fmt: skip
        with pytest.raises(InvalidInput) as refused:
            signature_strokes(bad)
        assert refused.value.field == "signature"


def test_the_typed_name_must_be_the_patients() -> None:
    assert signed_name_problems("  robin   TESTER ", "Robin Tester") == []
    assert signed_name_problems("Robin-Tester", "Robin Tester") == []
    assert signed_name_problems("", "Robin Tester")[0].message == "type your full name"
    assert signed_name_problems("Someone Else", "Robin Tester")[0].field == "signed_name"


def _signed(modality: Modality) -> SignedConsent:
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    return SignedConsent(1, 1, 1, 1, modality, "1", "d" * 64, "A", now, "e" * 64,
                         SignedVia.CLINIC_DEVICE, 1)  # fmt: skip


def test_consent_is_asked_for_each_new_modality_only() -> None:
    co2, frac = Modality.ABLATIVE_CO2, Modality.FRACTIONAL_ABLATIVE_CO2
    assert consents_missing([co2], [], []) == (co2,)
    assert consents_missing([co2], [_signed(co2)], []) == ()
    assert consents_missing([frac, co2], [_signed(co2)], []) == (frac,)
    assert consents_missing([frac], [], [frac]) == ()  # treated before consent existed


def test_the_newest_photo_decision_is_in_force() -> None:
    at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    given = PhotoConsent(1, 1, 1, PhotoUse.TEACHING, True, 1, at)
    withdrawn = PhotoConsent(2, 1, 1, PhotoUse.TEACHING, False, 1, at + dt.timedelta(days=1))
    marketing = PhotoConsent(3, 1, 1, PhotoUse.MARKETING, True, 1, at)
    assert photos_allowed_for([given, marketing], PhotoUse.TEACHING)
    assert not photos_allowed_for([withdrawn, given, marketing], PhotoUse.TEACHING)
    assert photos_allowed_for([withdrawn, given, marketing], PhotoUse.MARKETING)
    assert not photos_allowed_for([], PhotoUse.RECORD)
    assert photo_consent_in_force([given, withdrawn])[PhotoUse.TEACHING] is withdrawn


def test_only_the_benefits_for_the_patients_concerns_and_areas_are_told() -> None:
    rules = shipped_rules().consent
    frac = Modality.FRACTIONAL_ABLATIVE_CO2
    lips = consent_text(
        rules, decide(_plan((Area.PERIORAL, Concern.WRINKLES, frac, 1, 2, 3))), frac
    )
    neck = consent_text(rules, decide(_plan((Area.NECK, Concern.LAXITY, frac, 1, 2, 3))), frac)
    scars = consent_text(
        rules, decide(_plan((Area.CHEEKS, Concern.ACNE_SCARS, frac, 2, 2, 3))), frac
    )
    assert not any("neck" in b or "Acne" in b for b in lips.benefits)
    assert any("On the neck" in b for b in neck.benefits)
    assert any("Acne scars" in b for b in scars.benefits)
    assert all(len(t.benefits) >= 1 for t in (lips, neck, scars))
