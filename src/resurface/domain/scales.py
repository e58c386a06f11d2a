"""Grading scales: Fitzpatrick skin type, Glogau, Fitzpatrick wrinkle class, Goodman & Baron, GAIS,
improvement quartiles. The grades and cut-offs come from ``protocols/scales.yaml``.

References
----------
Glogau RG, 1996 (photoaging classes). Fitzpatrick RE et al., 1996, Arch Dermatol 132:395
(wrinkle and elastosis classes). Goodman GJ & Baron JA, 2006, J Cosmet Dermatol 5:48
(qualitative acne-scar grade).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from resurface.domain.codes import FitzpatrickType
from resurface.domain.errors import InvalidInput
from resurface.domain.rulebase import FitzpatrickQuestionnaire, Grade, GradedScale


@dataclass(frozen=True)
class FitzpatrickResult:
    """Questionnaire total and the skin type it falls in."""

    score: int
    type: FitzpatrickType


def fitzpatrick_type_from_answers(
    questionnaire: FitzpatrickQuestionnaire, answers: Sequence[int], field: str = "answers"
) -> FitzpatrickResult:
    """Add up the questionnaire answers and look the total up in the clinic's cut-offs.

    Raises
    ------
    InvalidInput
        Wrong number of answers, or an answer outside the item range (names the item, 1-based).
    """
    if len(answers) != questionnaire.items:
        raise InvalidInput(field, f"needs {questionnaire.items} answers, got {len(answers)}")
    for number, answer in enumerate(answers, start=1):
        if isinstance(answer, bool) or not isinstance(answer, int):
            raise InvalidInput(f"{field} item {number}", f"must be a whole number, got {answer!r}")
        if not questionnaire.answer_min <= answer <= questionnaire.answer_max:
            raise InvalidInput(
                f"{field} item {number}",
                f"must be {questionnaire.answer_min} to {questionnaire.answer_max}, got {answer}",
            )
    total = sum(answers)
    band = next(t for t in questionnaire.types if t.up_to is not None and total <= t.up_to)
    return FitzpatrickResult(total, FitzpatrickType(band.code))


def grade_by_code(scale: GradedScale, code: str) -> Grade:
    """The grade with this code (``"II"``, ``"3"`` ...); case does not matter."""
    wanted = code.strip().upper()
    for grade in scale.grades:
        if grade.code.upper() == wanted:
            return grade
    choices = ", ".join(g.code for g in scale.grades)
    raise InvalidInput(scale.name, f"unknown grade {code!r}; expected one of {choices}")


def grade_by_score(scale: GradedScale, score: float) -> Grade:
    """The grade whose band holds ``score`` (for scales with score bands)."""
    bands = [g for g in scale.grades if g.up_to is not None]
    if not bands or scale.score_min is None:
        raise InvalidInput(scale.name, "this scale is graded by code, not by score")
    top = bands[-1].up_to
    if not scale.score_min <= score <= (top or 0):
        raise InvalidInput(scale.name, f"must be {scale.score_min:g} to {top:g}, got {score:g}")
    return next(g for g in bands if g.up_to is not None and score <= g.up_to)


def scale_named(scales: Mapping[str, GradedScale], name: str) -> GradedScale:
    """Look a scale up by name, with an error listing the known ones."""
    if name not in scales:
        raise InvalidInput("scale", f"unknown scale {name!r}; expected one of {', '.join(scales)}")
    return scales[name]
