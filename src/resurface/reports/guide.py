"""The patient's personal guide and a session's aftercare sheet as PDFs (A4, WeasyPrint).

Rendered from the same read models as the pages (``domain.guide.PatientGuide``,
``services.patient_page.AftercareSheet``). Everything is drawn here (the QR code by segno as an
inline data URI): WeasyPrint never reaches the network. The patient's text carries no code and
no citation; sources stay on the staff's evidence view.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape

from resurface.domain.guide import PatientGuide
from resurface.services.patient_page import AftercareSheet

__all__ = ["aftercare_html", "aftercare_pdf", "guide_html", "guide_pdf", "qr_data_uri"]

_TEMPLATES = Path(__file__).parent / "templates"


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters["day"] = lambda d: d.strftime("%d %B %Y").lstrip("0")
    return env


def qr_data_uri(url: str) -> str:
    """The URL as an SVG QR code in a data URI (no network, no file)."""
    return str(segno.make(url, error="m").svg_data_uri(scale=4, border=2))


def guide_html(guide: PatientGuide, printed_on: dt.date, page_url: str | None = None) -> str:
    template = _environment().get_template("guide.html")
    qr = qr_data_uri(page_url) if page_url else None
    return template.render(guide=guide, printed_on=printed_on, page_url=page_url, qr=qr)


def guide_pdf(guide: PatientGuide, printed_on: dt.date, page_url: str | None = None) -> bytes:
    return _pdf(guide_html(guide, printed_on, page_url))


def aftercare_html(sheet: AftercareSheet, printed_on: dt.date) -> str:
    template = _environment().get_template("aftercare.html")
    qr = qr_data_uri(sheet.page_url) if sheet.page_url else None
    return template.render(sheet=sheet, printed_on=printed_on, qr=qr)


def aftercare_pdf(sheet: AftercareSheet, printed_on: dt.date) -> bytes:
    return _pdf(aftercare_html(sheet, printed_on))


def _pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported late: WeasyPrint is slow to load and only needed here

    pdf = HTML(string=html, base_url=str(_TEMPLATES)).write_pdf()
    assert pdf is not None
    return bytes(pdf)
