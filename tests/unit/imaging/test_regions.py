from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from resurface.imaging.analysis import analyze
from resurface.imaging.colour import lab_from_linear, linear_from_srgb8
from resurface.imaging.errors import EmptyRegion
from resurface.imaging.landmarks import detect_face_landmarks
from resurface.imaging.overlay import overlay_png, overlay_rgb
from resurface.imaging.regions import (
    _FACE_OVAL,
    FACE_EDGE_MARGIN_MM,
    FACE_REGION_NAMES,
    parse_polygon,
)
from tests.support.phantoms import PhantomSpec, render_phantom


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


# --- clean skin regions (issue 15) --------------------------------------------------------------

_IRISES = list(range(468, 478))
_LIPS = [0, 13, 14, 17, 37, 39, 40, 61, 78, 80, 81, 82, 87, 88, 95, 178, 181, 267, 291, 308, 311]
_NOSTRILS = [2, 64, 97, 98, 294, 326, 327]
_EYELIDS = [145, 159, 374, 386, 33, 133, 263, 362]


@pytest.fixture(scope="module")
def face_4x():  # type: ignore[no-untyped-def]
    rgb = cv2.resize(data.astronaut(), None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC)
    result = analyze(rgb)
    landmarks = detect_face_landmarks(rgb) * (result.maps.rgb.shape[1] / rgb.shape[1])
    return result, landmarks


def test_regions_leave_out_eyes_lids_lips_teeth_and_nostrils(face_4x) -> None:  # type: ignore[no-untyped-def]
    result, landmarks = face_4x
    measured = np.logical_or.reduce(result.maps.region_masks)
    ppmm = result.analysis_px_per_mm
    near = cv2.dilate(measured.view(np.uint8), _disc(round(1.5 * ppmm))).view(bool)
    for index in _IRISES + _LIPS + _NOSTRILS + _EYELIDS:
        x, y = np.round(landmarks[index]).astype(int)
        assert not near[y, x], f"landmark {index} is within 1.5 mm of a measured pixel"


def test_regions_keep_away_from_the_face_edge(face_4x) -> None:  # type: ignore[no-untyped-def]
    result, landmarks = face_4x
    measured = np.logical_or.reduce(result.maps.region_masks)
    oval = np.zeros(measured.shape, np.uint8)
    cv2.fillPoly(oval, [np.round(landmarks[list(_FACE_OVAL)]).astype(np.int32)], 1)
    inside = cv2.distanceTransform(oval, cv2.DIST_L2, 5)
    margin_px = FACE_EDGE_MARGIN_MM * result.analysis_px_per_mm
    assert inside[measured].min() >= margin_px - 1.5


def test_hair_fringe_is_not_measured_as_forehead(face_4x) -> None:  # type: ignore[no-untyped-def]
    result, _ = face_4x
    names = [r.name for r in result.regions]
    lab = lab_from_linear(linear_from_srgb8(result.maps.rgb))
    cheek = np.median(lab[..., 0][result.maps.region_masks[names.index("cheek_left")]])
    forehead_l = lab[..., 0][result.maps.region_masks[names.index("forehead")]]
    # The astronaut's fringe (L* ≈ 30-45) covers the top of the forehead polygon.
    assert np.percentile(forehead_l, 1) > 0.6 * cheek
    assert result.skin_model is not None and result.skin_model.source == "cheeks"


def test_drawn_region_loses_hair_and_background_but_keeps_its_spots() -> None:
    phantom = render_phantom(PhantomSpec(grey_card=False, line_count=0, seed=4))
    rgb = phantom.rgb.copy()
    h, w = rgb.shape[:2]
    rng = np.random.default_rng(0)
    # A hairline: dense dark-brown strands over the top 15 %, and backdrop on the right 10 %.
    hair = np.zeros((h, w), np.uint8)
    for _ in range(400):
        x = int(rng.uniform(0, w))
        cv2.line(hair, (x, 0), (x + int(rng.uniform(-30, 30)), int(0.15 * h)), 1, 2)
    rgb[hair > 0] = (60, 40, 28)
    backdrop = np.zeros((h, w), bool)
    backdrop[:, int(0.9 * w) :] = True
    rgb[backdrop] = (95, 110, 135)
    clean = ~backdrop
    clean[: int(0.15 * h) + 2] = False
    polygon = [[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]]
    result = analyze(rgb, region=polygon, px_per_mm=10.0)
    (region,) = result.regions
    measured = result.maps.region_masks[0]
    assert not (measured & ((hair > 0) | backdrop)).any()
    assert np.count_nonzero(measured & clean) >= 0.99 * np.count_nonzero(clean)
    assert region.metrics.spot_count == phantom.truth.spot_count
    assert region.metrics.wrinkle_length_mm == 0.0
    assert result.skin_model is not None and result.skin_model.source == "region"


def test_overlay_shows_which_pixels_were_measured(face_4x) -> None:  # type: ignore[no-untyped-def]
    result, _ = face_4x
    measured = np.logical_or.reduce(result.maps.region_masks)
    shown = overlay_rgb(result).astype(np.float32)
    original = result.maps.rgb.astype(np.float32)
    # Unmeasured pixels are dimmed to grey; measured ones keep their colour (bar the drawings).
    assert shown[~measured].mean() < 0.55 * original[~measured].mean()
    untouched = measured & ~result.maps.spots & ~result.maps.wrinkles & ~result.maps.red
    assert np.median(np.abs(shown[untouched] - original[untouched])) == 0


def _disc(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
