"""InvalidInput names every refused field at once, so a form can mark them all in one round."""

from __future__ import annotations

import pytest

from resurface.domain.errors import FieldProblem, InvalidInput


def test_one_problem_reads_as_its_field_and_message() -> None:
    error = InvalidInput("phone", "is too long")
    assert (error.field, error.message) == ("phone", "is too long")
    assert error.problems == (FieldProblem("phone", "is too long"),)
    assert str(error) == "phone: is too long"


def test_several_problems_are_kept_in_order_and_each_field_once_for_the_form() -> None:
    error = InvalidInput.of(
        [
            FieldProblem("areas[1].energy_mj", "beyond the limit of 120 mJ"),
            FieldProblem("device", "name the laser device used"),
            FieldProblem("areas[1].energy_mj", "must be a number"),
        ]
    )
    assert error.field == "areas[1].energy_mj"
    assert error.by_field() == {
        "areas[1].energy_mj": "beyond the limit of 120 mJ",
        "device": "name the laser device used",
    }
    assert len(error.problems) == 3
    assert "device: name the laser device used" in str(error)


def test_no_problem_is_not_an_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        InvalidInput.of([])
