"""The results report as a PDF (A4, WeasyPrint): the patient's version and the chart version.

Rendered from ``services.results_report.ResultsReport``. The photos and the comparison overlay
are scaled down and inlined as data URIs; the plots of the change across the series are drawn by
matplotlib as SVG with DejaVu Sans, the font matplotlib ships, so nothing depends on the
machine's fonts or the network. WeasyPrint may fetch only ``data:`` URLs.

matplotlib rather than ``web/svg_charts.py``: that module draws one 0-10 check-in score against
its band by day, styled by the web page's CSS classes; the report plots percent change against
dates, with a noise band, session markers and a legend, and must look right in a PDF without the
page's stylesheet.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, select_autoescape

from resurface.domain.photo_metrics import ChangeVerdict
from resurface.services.results_report import ItemProgress, ResultsReport

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["progress_svg", "results_html", "results_pdf"]

_TEMPLATES = Path(__file__).parent / "templates"
PHOTO_PX = 900
"""The longest side of a photo in the report: sharp at print size, small enough to e-mail."""

_PLOTTING = threading.Lock()
"""matplotlib's settings (``rc_context``) are global to the process: one plot at a time, so two
reports rendered at once cannot change each other's fonts."""

_COLOURS = {
    ChangeVerdict.BETTER: "#1b7a3d",
    ChangeVerdict.WORSE: "#b3261e",
    ChangeVerdict.NO_MEASURABLE_CHANGE: "#6b6b6b",
}


def _day(on: dt.date) -> str:
    return on.strftime("%d %B %Y").lstrip("0")


def _short_day(on: dt.date) -> str:
    return on.strftime("%d %b %Y").lstrip("0")


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters["day"] = _day
    env.filters["short_day"] = _short_day
    env.filters["words"] = lambda code: str(code).replace("_", " ")
    env.filters["number"] = _number
    env.filters["signed_pct"] = signed_pct
    env.filters["plural"] = plural
    env.filters["listing"] = listing
    return env


def plural(noun: str, count: int) -> str:
    """``noun`` as it reads after ``count``: ``1 treatment``, ``2 treatments``, ``0 treatments``."""
    return noun if count == 1 else f"{noun}s"


def listing(items: Iterable[object]) -> str:
    """``2``, ``2 and 5``, ``2, 5 and 7``: a list in words, as a patient reads it."""
    words = [str(item) for item in items]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def signed_pct(value: float) -> str:
    """``+12 %``, ``-3 %``; a change that rounds to nothing reads ``0 %`` (never ``-0 %``)."""
    whole = round(value)
    return f"{whole:+d} %" if whole else "0 %"


def _number(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _data_uri(data: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


def _jpeg(data: bytes) -> str:
    """A stored photo (or the overlay) scaled to ``PHOTO_PX`` as a JPEG data URI."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (PHOTO_PX, PHOTO_PX))  # a JPEG decodes at a fraction of its size
        picture = image.convert("RGB")
    picture.thumbnail((PHOTO_PX, PHOTO_PX))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85)
    return _data_uri(out.getvalue(), "image/jpeg")


def progress_svg(item: ItemProgress) -> str:
    """The measured improvement of one plan item at each follow-up photo (0 at the first photo),
    the band of measurement noise around no change, and the session days."""
    import matplotlib as mpl
    from matplotlib.figure import Figure

    with (
        _PLOTTING,
        mpl.rc_context(
            {
                "svg.fonttype": "none",  # text stays text: searchable, and pdftotext reads it
                "svg.hashsalt": "resurface",  # the same report gives the same SVG
                "font.family": "DejaVu Sans",
                "font.size": 8,
            }
        ),
    ):
        figure = Figure(figsize=(6.4, 2.6), dpi=100, layout="constrained")
        _draw(figure.add_subplot(), item)
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def _x(on: dt.date) -> float:
    """Days since the epoch: the x axis is in days, labelled with dates."""
    return float(on.toordinal())


def _tick_labels(days: list[dt.date], every: list[float]) -> list[str]:
    """Each photo's date in words (a short date would read like a citation to a patient);
    a date too close to the one labelled before it is left unlabelled."""
    span = max(max(every) - min(every), 1.0)
    labels, last = [], None
    for on in days:
        x = _x(on)
        crowded = last is not None and (x - last) / span < 0.16
        labels.append("" if crowded else _day(on))
        last = last if crowded else x
    return labels


def _draw(axes: Axes, item: ItemProgress) -> None:
    days = [_x(p.on) for p in item.points]
    values = [p.improvement_pct if p.improvement_pct is not None else 0.0 for p in item.points]
    start_on = item.baseline_on or item.points[0].on  # drawn only with a follow-up photo
    start = _x(start_on)
    every = [start, *days, *(_x(on) for on in item.session_dates)]
    margin = max((max(every) - min(every)) * 0.04, 2.0)
    if item.noise_pct is not None:
        axes.axhspan(
            -item.noise_pct, item.noise_pct, color="#d9d9d9", alpha=0.6, lw=0,
            label=f"within ±{item.noise_pct:g} %: no measurable change",
        )  # fmt: skip
    axes.axhline(0, color="#999999", lw=0.6)
    for number, on in enumerate(item.session_dates, start=1):
        axes.axvline(_x(on), color="#1b5e6b", lw=0.8, ls=":")
        axes.annotate(
            f"treatment {number}", (_x(on), 1), xycoords=("data", "axes fraction"),
            xytext=(2, -2), textcoords="offset points", va="top", fontsize=6.5, color="#1b5e6b",
        )  # fmt: skip
    axes.plot([start, *days], [0.0, *values], color="#1b5e6b", lw=1.4, zorder=3)
    axes.plot([start], [0.0], "o", ms=5, color="#1b5e6b", zorder=4, label="first photo")
    for point, x, value in zip(item.points, days, values, strict=True):
        colour = _COLOURS.get(point.verdict, "#6b6b6b")
        filled = point.verdict is not ChangeVerdict.NO_MEASURABLE_CHANGE
        axes.plot(
            [x], [value], "o", ms=6, zorder=4, color=colour,
            markerfacecolor=colour if filled else "white", markeredgewidth=1.4,
        )  # fmt: skip
        axes.annotate(
            signed_pct(value), (x, value), xytext=(0, 7), textcoords="offset points",
            ha="center", fontsize=7, color=colour,
        )  # fmt: skip
    top = max([abs(v) for v in values] + [item.noise_pct or 0.0, 10.0]) * 1.4
    axes.set_ylim(-top, top)
    axes.set_xlim(min(every) - margin, max(every) + margin)
    photo_days = [start_on, *(p.on for p in item.points)]
    axes.set_xticks([_x(on) for on in photo_days], labels=_tick_labels(photo_days, every))
    axes.tick_params(axis="x", labelsize=6.5)
    axes.set_ylabel("improvement (%)")
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="lower left", fontsize=6.5, frameon=False)


def results_html(report: ResultsReport) -> str:
    template = _environment().get_template("results.html")
    return template.render(
        report=report,
        photo=_jpeg,
        plot=lambda item: _data_uri(progress_svg(item).encode(), "image/svg+xml"),
        verdict_class=_verdict_class,
    )


def _verdict_class(verdict: str) -> str:
    return {"better": "better", "worse": "worse"}.get(verdict, "same")


def results_pdf(report: ResultsReport) -> bytes:
    """The report as PDF bytes (A4). Nothing is fetched: every picture is inline."""
    # imported late: WeasyPrint is slow to load and only needed here
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    inline_only = URLFetcher(allowed_protocols={"data"})
    html = HTML(string=results_html(report), base_url=str(_TEMPLATES), url_fetcher=inline_only)
    pdf = html.write_pdf()
    assert pdf is not None
    return bytes(pdf)
