"""The signed consent PDF as the patient gets it: the procedure, their areas, the risks with
their rates, the signature; no code and no citation (``pdftotext``). Its pages are saved as PNG
under tests/output for review (``pdftoppm``)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from resurface.domain.chart import ItemDecision, PlanItem, PlanStatus, Span, TreatmentPlan
from resurface.domain.codes import Area, Concern, Modality, Severity
from resurface.domain.consent import (
    ConsentDocument,
    SignedVia,
    consent_text,
    signature_strokes,
    signature_svg,
)
from resurface.domain.plans import decide
from resurface.reports.consent import signed_consent_pdf
from tests.support.browser import OUTPUT
from tests.support.consents import SIGNATURE
from tests.support.contexts import shipped_rules

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="needs poppler-utils (make system-packages installs it)",
)

CITATION = re.compile(r"et al|&|\b(19|20)\d\d\)")


def _cited_authors() -> set[str]:
    """Every author name cited anywhere in the consent templates (``Nanni & Alster 1998``)."""
    names: set[str] = set()
    for template in shipped_rules().consent.templates.values():
        provenances = [b.provenance for b in template.benefits] + [
            rate.provenance for risk in (*template.expected, *template.risks) for rate in risk.rates
        ]
        for provenance in provenances:
            for source in provenance.sources:
                names |= set(re.findall(r"[A-Z][a-z]+", source))
    return names


CODE = re.compile(r"\b[a-z]+_[a-z_0-9]+\b")


def _document(
    modality: Modality, area: Area, concern: Concern, sessions: tuple[int, int, int]
) -> ConsentDocument:
    low, mid, high = sessions
    plan = TreatmentPlan(
        1, 1, 1, 1, dt.date(2026, 3, 1), PlanStatus.ACCEPTED,
        items=(PlanItem(area, concern, Severity.SEVERE, modality, low, mid, high, Span(6, 8),
                        Span(3, 7), decision=ItemDecision.ACCEPTED),),
    )  # fmt: skip
    text = consent_text(shipped_rules().consent, decide(plan), modality)
    return ConsentDocument(
        clinic_name="Harbour Skin Clinic",
        clinic_phone="+44 20 7946 0000",
        clinic_address="1 Quay Street, Bristol",
        patient_name="Alex Consenter",
        date_of_birth=dt.date(1968, 3, 9),
        text=text,
        signed_name="Alex Consenter",
        signed_at_local=dt.datetime(2026, 3, 2, 10, 15, tzinfo=dt.UTC),
        signature_svg=signature_svg(signature_strokes(SIGNATURE)),
        via=SignedVia.PATIENT_LINK,
        witness="Dr Jo Laser",
        reference="harbour-7-20260302101500",
    )


def _text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


def _pages(pdf: Path, name: str) -> list[Path]:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for old in OUTPUT.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(OUTPUT / name)], check=True)
    return sorted(OUTPUT.glob(f"{name}-*.png"))


@pytest.mark.parametrize(
    ("modality", "area", "concern", "sessions", "expect"),
    [
        (Modality.ABLATIVE_CO2, Area.FULL_FACE, Concern.WRINKLES, (1, 1, 1),
         ["Fully ablative CO₂ laser resurfacing", "The whole face", "1 treatment",
          "Darker patches of skin", "About 37 in 100 people", "without antiviral tablets",
          "Fewer than 1 in 100 people"]),
        (Modality.NONABLATIVE_FRACTIONAL_1550, Area.PERIORBITAL, Concern.FINE_LINES, (3, 4, 5),
         ["Non-ablative fractional laser treatment (1,550 nm)", "Around the eyes",
          "3 to 5 treatments; we expect 4, about 6 to 8 weeks apart", "Acne-like spots",
          "About 10 in 100 people"]),
    ],
)  # fmt: skip
def test_the_signed_pdf_names_the_treatment_and_its_risks_without_codes_or_citations(
    tmp_path: Path,
    modality: Modality,
    area: Area,
    concern: Concern,
    sessions: tuple[int, int, int],
    expect: list[str],
) -> None:
    pdf = tmp_path / "consent.pdf"
    pdf.write_bytes(signed_consent_pdf(_document(modality, area, concern, sessions)))
    text = " ".join(_text(pdf).split())
    signed = "Signed by Alex Consenter on 02 March 2026 at 10:15"
    for words in [*expect, "Harbour Skin Clinic", "+44 20 7946 0000", signed, "Other choices"]:
        assert words in text, words
    assert not CITATION.search(text), CITATION.search(text)
    assert not CODE.search(text), CODE.search(text)
    authors = _cited_authors()
    assert {"Nanni", "Wall", "Graber"} <= authors
    for forbidden in (*authors, "source", "Source"):
        assert not re.search(rf"\b{forbidden}\b", text), forbidden
    pages = _pages(pdf, f"consent-{modality.value}")
    assert pages and all(p.stat().st_size > 5_000 for p in pages)
