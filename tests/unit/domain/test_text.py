"""Which typed text the record can keep."""

from __future__ import annotations

import pytest

from resurface.domain.errors import InvalidInput
from resurface.domain.text import LINE_BREAK, UNSTORABLE, check_text, text_problems


@pytest.mark.parametrize("bad", ["\x00", "\x1b[31m", "\x7f", "\x85", "\ud800"])
def test_control_characters_and_lone_surrogates_are_refused_everywhere(bad: str) -> None:
    problems = text_problems(one_line={"phone": f"0207{bad}"}, free_text={"note": f"ok{bad}"})
    assert [(p.field, p.message) for p in problems] == [
        ("phone", UNSTORABLE),
        ("note", UNSTORABLE),
    ]


def test_free_text_keeps_tabs_and_line_breaks_but_a_name_is_one_line() -> None:
    typed = "Yellow crust on the upper lip.\r\n\tI feel hot."
    assert text_problems(free_text={"note": typed}) == []
    assert [p.message for p in text_problems(one_line={"family_name": "Ng\nOh"})] == [LINE_BREAK]


def test_accents_emoji_and_right_to_left_text_are_kept() -> None:
    assert text_problems(one_line={"given_name": "Zoë Ørsted 😊 سارة"}) == []


def test_every_bad_field_is_named_at_once() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_text(
            one_line={"given_name": "a\x00", "family_name": "b"}, free_text={"notes": "\x00"}
        )
    assert [p.field for p in refused.value.problems] == ["given_name", "notes"]
