"""Text that people type: what can be kept in the record.

Invisible control characters (NUL, escape, the C1 range …) and unpaired surrogates are refused
wherever text comes in, with the field named, so both databases keep the same record (PostgreSQL
cannot store NUL; SQLite would store it silently and print it raw). Free text keeps its tabs and
line breaks; a one-line value (a name, a phone number) has none.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from resurface.domain.errors import FieldProblem, InvalidInput

_LINE_BREAKS = frozenset("\t\n\r")
UNSTORABLE = "contains an invisible control character that cannot be saved; remove it"
LINE_BREAK = "must be on one line"


def text_problems(
    one_line: Mapping[str, str] | None = None, free_text: Mapping[str, str] | None = None
) -> list[FieldProblem]:
    """What is wrong with each named value, in the order given."""
    problems = []
    for field, value in (one_line or {}).items():
        if _unstorable(value, allowed=frozenset()):
            breaks_only = not _unstorable(value, allowed=_LINE_BREAKS)
            problems.append(FieldProblem(field, LINE_BREAK if breaks_only else UNSTORABLE))
    for field, value in (free_text or {}).items():
        if _unstorable(value, allowed=_LINE_BREAKS):
            problems.append(FieldProblem(field, UNSTORABLE))
    return problems


def check_text(
    one_line: Mapping[str, str] | None = None, free_text: Mapping[str, str] | None = None
) -> None:
    """Raise ``InvalidInput`` naming every field whose text cannot be kept."""
    problems = text_problems(one_line, free_text)
    if problems:
        raise InvalidInput.of(problems)


def _unstorable(value: str, allowed: frozenset[str]) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed for ch in value)
