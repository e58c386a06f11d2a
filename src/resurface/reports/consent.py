"""The signed consent as a PDF: the clinic, the patient, the consent text for their plan in plain
words (no codes, no citations), the typed name, the drawn signature and when and how it was
signed. Rendered by WeasyPrint from a self-contained HTML document (no network)."""

from __future__ import annotations

import base64
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from resurface.domain.consent import ConsentDocument

__all__ = ["consent_html", "signed_consent_pdf"]

_TEMPLATES = Path(__file__).parent / "templates"


def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]))


def consent_html(document: ConsentDocument) -> str:
    """The signed consent as a self-contained HTML document (the signature as a data URL)."""
    signature = base64.b64encode(document.signature_svg.encode()).decode()
    return (
        _environment()
        .get_template("consent.html")
        .render(
            doc=document, text=document.text, signature=f"data:image/svg+xml;base64,{signature}"
        )
    )


def signed_consent_pdf(document: ConsentDocument) -> bytes:
    """The signed consent as PDF bytes (A4). Nothing is fetched: every resource is inline."""
    # imported late: WeasyPrint is slow to load and only needed here
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    inline_only = URLFetcher(allowed_protocols={"data"})  # the signature; nothing from a network
    html = HTML(string=consent_html(document), base_url=str(_TEMPLATES), url_fetcher=inline_only)
    pdf = html.write_pdf()
    assert pdf is not None
    return bytes(pdf)
