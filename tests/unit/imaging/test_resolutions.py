"""The same skin photographed at 2, 6 and 12 megapixels gives the same measurements (issue 15:
mm-based metrics agree within 5 %). The 12 MP photo is the bench's skin phantom (200 × 150 mm
at 20 px/mm, with pores); the 2 and 6 MP photos are it reduced by area, as a camera with fewer
pixels would take it (8.2 and 14.1 px/mm), each saved as JPEG 95 and measured at its own scale.
Last run: every metric within 1.7 % of the 12 MP value (wrinkle length and density; spot count
exact, spot area 0.2 %, colour 0.2 % or less)."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from resurface.domain.photo_metrics import METRIC_ORDER
from resurface.imaging.analysis import analyze
from tests.support.phantoms import render_phantom, skin_spec

FULL_PX_PER_MM = 20.0
NUMERIC = [m for m in METRIC_ORDER if m != "ita_category"]


def _jpeg(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    ok, encoded = cv2.imencode(".jpg", rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return np.ascontiguousarray(cv2.imdecode(encoded, cv2.IMREAD_COLOR)[..., ::-1])


@pytest.fixture(scope="module")
def by_megapixels() -> dict[int, dict[str, float | int | str]]:
    full = render_phantom(skin_spec(FULL_PX_PER_MM, pore_count=3000)).rgb
    height, width = full.shape[:2]
    found = {}
    for megapixels in (12, 6, 2):
        scale = math.sqrt(megapixels / 12)
        size = (round(width * scale), round(height * scale))
        photo = full if megapixels == 12 else cv2.resize(full, size, interpolation=cv2.INTER_AREA)
        assert photo.shape[0] * photo.shape[1] / 1e6 == pytest.approx(megapixels, rel=0.01)
        px_per_mm = FULL_PX_PER_MM * photo.shape[1] / width
        result = analyze(_jpeg(photo), region="whole", px_per_mm=px_per_mm)
        found[megapixels] = result.regions[0].metrics.as_dict()
    return found


@pytest.mark.parametrize("megapixels", [6, 2])
def test_every_metric_agrees_with_12_megapixels_within_five_percent(  # type: ignore[no-untyped-def]
    by_megapixels, megapixels: int
) -> None:
    full, fewer = by_megapixels[12], by_megapixels[megapixels]
    assert full["spot_count"] == 50 and full["wrinkle_length_mm"] > 200  # found at 12 MP
    for metric in NUMERIC:
        assert float(fewer[metric]) == pytest.approx(float(full[metric]), rel=0.05), metric
    assert fewer["ita_category"] == full["ita_category"]
