from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from resurface.imaging.analysis import analyze
from resurface.imaging.errors import EmptyRegion
from resurface.imaging.overlay import overlay_png
from resurface.imaging.regions import FACE_REGION_NAMES, parse_polygon


@pytest.fixture(scope="module")
def astronaut_analysis():  # type: ignore[no-untyped-def]
    return analyze(data.astronaut())


def test_astronaut_yields_all_six_face_regions(astronaut_analysis) -> None:  # type: ignore[no-untyped-def]
    assert tuple(r.name for r in astronaut_analysis.regions) == FACE_REGION_NAMES
    assert all(r.area_mm2 and r.area_mm2 > 100 for r in astronaut_analysis.regions)
    assert astronaut_analysis.scale_source == "iris"
    # A 512-pixel portrait: the face (~14 cm wide) spans ~100 px, so about 0.5-1 px/mm.
    assert 0.4 < astronaut_analysis.px_per_mm < 1.2


def test_face_regions_are_on_the_patients_sides(astronaut_analysis) -> None:  # type: ignore[no-untyped-def]
    def centre_x(name: str) -> float:
        index = [r.name for r in astronaut_analysis.regions].index(name)
        return float(np.nonzero(astronaut_analysis.maps.region_masks[index])[1].mean())

    # Unmirrored frontal photo: the patient's left is on the image's right.
    assert centre_x("cheek_left") > centre_x("perioral") > centre_x("cheek_right")
    assert centre_x("periorbital_left") > centre_x("periorbital_right")


def test_overlay_is_a_png(astronaut_analysis) -> None:  # type: ignore[no-untyped-def]
    png = overlay_png(astronaut_analysis)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(
    "text",
    ['[[0, 0], [10, 0], [10, 10]]', '{"name": "neck", "points": [[0, 0], [10, 0], [10, 10]]}',
     '{"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 0]]]}'],
)  # fmt: skip
def test_polygon_json_forms(text: str) -> None:
    region = parse_polygon(text)
    assert region.outline_px is not None and region.outline_px.shape[1] == 2


@pytest.mark.parametrize(
    "text", ["not json", "[[0, 0], [1, 1]]", '{"points": "x"}', '[["a", 1], [2, 3], [4, 5]]']
)
def test_bad_polygons_are_refused(text: str) -> None:
    with pytest.raises(EmptyRegion):
        parse_polygon(text)
