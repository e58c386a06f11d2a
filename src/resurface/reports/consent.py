"""The consent form of a consultation as a PDF, for the patient to read and sign.

Built from the consultation read model (``services.consultations.ConsultationView``): the patient,
the goals, the screening findings in plain words, the steps before treatment and signature lines.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from resurface.domain.codes import Modality, ScreeningAction
from resurface.services.consultations import ConsultationView

__all__ = ["consent_html", "consent_pdf"]

_TEMPLATES = Path(__file__).parent / "templates"

ACTION_WORDS = {
    ScreeningAction.DEFER: "Treatment is put off",
    ScreeningAction.AVOID_MODALITY: "These treatments are not used",
    ScreeningAction.PRECAUTION: "Extra care is taken",
}


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters["words"] = lambda code: str(code).replace("_", " ")
    env.filters["modality"] = _modality_words
    return env


def _modality_words(modality: Modality) -> str:
    words = modality.value.replace("_", " ")
    return words.replace("co2", "CO₂").replace("nonablative", "non-ablative")


def consent_html(view: ConsultationView, printed_on: dt.date | None = None) -> str:
    """The consent form as a self-contained HTML document (styles inline in ``<style>``)."""
    template = _environment().get_template("consent.html")
    return template.render(
        view=view,
        actions=ACTION_WORDS,
        printed_on=printed_on or dt.datetime.now(dt.UTC).date(),
    )


def consent_pdf(view: ConsultationView, printed_on: dt.date | None = None) -> bytes:
    """The consent form as PDF bytes (A4)."""
    from weasyprint import HTML  # imported late: WeasyPrint is slow to load and only needed here

    pdf = HTML(string=consent_html(view, printed_on), base_url=str(_TEMPLATES)).write_pdf()
    assert pdf is not None
    return bytes(pdf)
