"""Recovery charts as inline SVG: one 0-10 score against its expected band, day by day.

Pure string building. Every piece of text is escaped; colours come from classes styled in
``static/recovery.css`` (the page's CSP allows no inline styles).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

SCORE_TOP = 10


@dataclass(frozen=True)
class BandPoint:
    day: int
    low: float
    high: float


@dataclass(frozen=True)
class ScorePoint:
    day: int
    value: float
    label: str = ""


@dataclass(frozen=True)
class FlagMark:
    day: int
    label: str


@dataclass(frozen=True)
class Geometry:
    """Where days and scores land in the picture (SVG user units)."""

    days: int
    width: int = 640
    height: int = 240
    left: int = 40
    right: int = 12
    top: int = 14
    bottom: int = 36

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom

    def x(self, day: float) -> float:
        return round(self.left + self.plot_width * min(max(day, 0), self.days) / self.days, 1)

    def y(self, score: float) -> float:
        share = min(max(score, 0), SCORE_TOP) / SCORE_TOP
        return round(self.top + self.plot_height * (1 - share), 1)


def score_chart(
    title: str,
    band: Sequence[BandPoint],
    points: Sequence[ScorePoint],
    flags: Sequence[FlagMark] = (),
    *,
    days: int = 30,
    today: int | None = None,
    chart_id: str = "chart",
) -> str:
    """An SVG chart of one score: the expected band shaded, the patient's scores as a line with
    points, red flags as marked lines on their day, and today as a thin line."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    g = Geometry(days)
    ident = escape(chart_id, quote=True)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="score-chart" viewBox="0 0 {g.width} '
        f'{g.height}" role="img" aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(_describe(title, points, flags))}</desc>',
        *_axes(g),
        _band(g, [b for b in band if b.day <= days]),
        *_flags(g, [f for f in flags if f.day <= days]),
        *_today(g, today),
        *_line(g, [p for p in points if p.day <= days]),
        "</svg>",
    ]
    return "\n".join(part for part in parts if part)


def _describe(title: str, points: Sequence[ScorePoint], flags: Sequence[FlagMark]) -> str:
    if not points:
        scores = "no check-ins yet"
    else:
        scores = "; ".join(f"day {p.day}: {p.value:g}" for p in points)
    text = f"{title}: {scores}."
    if flags:
        text += " Warning signs: " + "; ".join(f"day {f.day}: {f.label}" for f in flags) + "."
    return text


def _axes(g: Geometry) -> list[str]:
    out = [
        f'<rect class="plot" x="{g.left}" y="{g.top}" width="{g.plot_width}" '
        f'height="{g.plot_height}"/>'
    ]
    for score in range(0, SCORE_TOP + 1, 2):
        y = g.y(score)
        out.append(
            f'<line class="grid" x1="{g.left}" y1="{y}" x2="{g.left + g.plot_width}" y2="{y}"/>'
            f'<text class="tick" x="{g.left - 6}" y="{y + 4}" text-anchor="end">{score}</text>'
        )
    step = _day_step(g.days)
    for day in range(0, g.days + 1, step):
        x = g.x(day)
        out.append(
            f'<text class="tick" x="{x}" y="{g.height - 18}" text-anchor="middle">{day}</text>'
        )
    out.append(
        f'<text class="axis-label" x="{g.left + g.plot_width}" y="{g.height - 2}" '
        'text-anchor="end">days after the session</text>'
    )
    return out


def _day_step(days: int) -> int:
    for step in (1, 2, 5, 10, 15, 30):
        if days / step <= 12:
            return step
    return 30


def _band(g: Geometry, band: Sequence[BandPoint]) -> str:
    if not band:
        return ""
    ordered = sorted(band, key=lambda b: b.day)
    upper = [f"{g.x(b.day)},{g.y(b.high)}" for b in ordered]
    lower = [f"{g.x(b.day)},{g.y(b.low)}" for b in reversed(ordered)]
    points = " ".join(upper + lower)
    return f'<polygon class="band" points="{points}"><title>expected range</title></polygon>'


def _flags(g: Geometry, flags: Sequence[FlagMark]) -> list[str]:
    out = []
    for flag in flags:
        x = g.x(flag.day)
        label = escape(f"day {flag.day}: {flag.label}")
        out.append(
            f'<g class="flag"><title>{label}</title>'
            f'<line x1="{x}" y1="{g.top}" x2="{x}" y2="{g.top + g.plot_height}"/>'
            f'<path d="M{x - 6},{g.top} L{x + 6},{g.top} L{x},{g.top + 10} Z"/></g>'
        )
    return out


def _today(g: Geometry, today: int | None) -> list[str]:
    if today is None or not 0 <= today <= g.days:
        return []
    x = g.x(today)
    return [
        f'<line class="today" x1="{x}" y1="{g.top}" x2="{x}" y2="{g.top + g.plot_height}">'
        "<title>today</title></line>"
    ]


def _line(g: Geometry, points: Sequence[ScorePoint]) -> list[str]:
    ordered = sorted(points, key=lambda p: p.day)
    out = []
    if len(ordered) > 1:
        path = " ".join(f"{g.x(p.day)},{g.y(p.value)}" for p in ordered)
        out.append(f'<polyline class="scores" points="{path}"/>')
    for p in ordered:
        label = escape(f"day {p.day}: {p.value:g}" + (f" ({p.label})" if p.label else ""))
        out.append(
            f'<circle class="score{" outside" if p.label else ""}" cx="{g.x(p.day)}" '
            f'cy="{g.y(p.value)}" r="5"><title>{label}</title></circle>'
        )
    return out
