"""Which part of a photo is measured: face areas on the found face, the rest the whole frame."""

from __future__ import annotations

from resurface.domain.codes import Area
from resurface.domain.measurements import FACE_REGIONS, WHOLE_FRAME, region_to_measure


def test_face_areas_are_measured_on_the_face_and_the_rest_over_the_whole_frame() -> None:
    for area in Area:
        expected = FACE_REGIONS if area.is_face else WHOLE_FRAME
        assert region_to_measure(area.value) == expected
    assert region_to_measure(Area.CHEEKS.value) == FACE_REGIONS
    assert region_to_measure(Area.NECK.value) == WHOLE_FRAME


def test_a_region_that_names_no_area_is_measured_whole() -> None:
    assert region_to_measure("somewhere else") == WHOLE_FRAME
