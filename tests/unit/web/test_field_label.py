"""Form errors name fields as the person filling in the form sees them, rows counted from 1."""

from __future__ import annotations

import pytest

from resurface.web.app import field_label


@pytest.mark.parametrize(
    ("field", "shown"),
    [
        ("goal-0", "Goal 1"),
        ("goal-2", "Goal 3"),
        ("areas[1].energy_mj", "Area 2: energy mj"),
        ("photos-0-file", "Photo 1: file"),
        ("photos-2-region", "Photo 3: region"),
        ("date_of_birth", "Date of birth"),
        ("timezone", "Time zone"),
        ("public_url", "Public address"),
    ],
)
def test_a_field_is_named_as_the_form_shows_it(field: str, shown: str) -> None:
    assert field_label(field) == shown
