"""The recovery chart SVG: the band, the points and the flags land where they should; text is
escaped so a patient's words cannot inject markup."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from resurface.web.svg_charts import BandPoint, FlagMark, Geometry, ScorePoint, score_chart

NS = {"svg": "http://www.w3.org/2000/svg"}


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _pairs(points: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (p.split(",") for p in points.split())]


def test_geometry_maps_day_zero_and_score_ten_to_the_plot_corner() -> None:
    g = Geometry(days=30)
    assert g.x(0) == g.left and g.x(30) == g.left + g.plot_width
    assert g.y(10) == g.top and g.y(0) == g.top + g.plot_height
    assert g.x(15) == pytest.approx(g.left + g.plot_width / 2, abs=0.1)
    assert g.x(45) == g.x(30) and g.y(12) == g.y(10)  # clipped to the plot


def test_band_outlines_high_then_low_over_the_days_shown() -> None:
    band = [BandPoint(day, low=day / 10, high=8 - day / 5) for day in range(0, 31)]
    root = _parse(score_chart("Redness", band, [], days=20))
    (polygon,) = root.findall("svg:polygon", NS)
    corners = _pairs(polygon.attrib["points"])
    g = Geometry(days=20)
    assert len(corners) == 2 * 21  # days after the shown range are left out
    assert corners[0] == (g.x(0), g.y(8))  # day 0, high
    assert corners[20] == (g.x(20), g.y(4))  # day 20, high
    assert corners[21] == (g.x(20), g.y(2))  # back along the low edge
    assert corners[-1] == (g.x(0), g.y(0))


def test_scores_are_points_joined_in_day_order() -> None:
    points = [ScorePoint(5, 3), ScorePoint(1, 7, "above the expected range")]
    root = _parse(score_chart("Pain", [], points, days=30))
    circles = root.findall("svg:circle", NS)
    g = Geometry(days=30)
    assert [(float(c.attrib["cx"]), float(c.attrib["cy"])) for c in circles] == [
        (g.x(1), g.y(7)),
        (g.x(5), g.y(3)),
    ]
    assert "outside" in circles[0].attrib["class"] and "outside" not in circles[1].attrib["class"]
    (line,) = root.findall("svg:polyline", NS)
    assert _pairs(line.attrib["points"]) == [(g.x(1), g.y(7)), (g.x(5), g.y(3))]


def test_flags_are_marked_on_their_day_and_described() -> None:
    root = _parse(score_chart("Itch", [], [], [FlagMark(12, "fever")], days=30))
    (flag,) = root.findall("svg:g[@class='flag']", NS)
    (line,) = flag.findall("svg:line", NS)
    assert float(line.attrib["x1"]) == Geometry(days=30).x(12)
    assert flag.find("svg:title", NS).text == "day 12: fever"  # type: ignore[union-attr]
    assert "day 12: fever" in root.find("svg:desc", NS).text  # type: ignore[union-attr,operator]


def test_text_is_escaped() -> None:
    nasty = '<script>alert("x")</script> & "quotes"'
    svg = score_chart(nasty, [], [ScorePoint(2, 4, nasty)], [FlagMark(3, nasty)], chart_id='a"b')
    assert "<script>" not in svg
    root = _parse(svg)  # still well-formed XML
    assert root.find("svg:title", NS).text == nasty  # type: ignore[union-attr]


def test_an_empty_chart_says_so_and_days_must_be_positive() -> None:
    root = _parse(score_chart("Swelling", [], []))
    assert "no check-ins yet" in root.find("svg:desc", NS).text  # type: ignore[union-attr,operator]
    with pytest.raises(ValueError, match="days"):
        score_chart("Swelling", [], [], days=0)
