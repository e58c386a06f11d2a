"""Errors raised by domain rules.

DomainError
├── InvalidInput          values are missing, of the wrong kind or out of range (names every field)
├── ProtocolError         a protocol (rule-base) file is broken (names file and key)
└── RuleViolation         a clinical or record rule forbids the change
    └── VersionConflict   someone else saved the record first
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class DomainError(Exception):
    """Base of every error raised by ``resurface.domain``."""


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with the input, named by its field (``areas[0].energy_mj``).

    For a setting beyond its limit, ``setting``/``recorded``/``limit``/``unit`` say which."""

    field: str
    message: str
    setting: str = ""
    recorded: float | None = None
    limit: float | None = None
    unit: str = ""


class InvalidInput(DomainError):
    """Input that the rules cannot accept: ``problems`` names every offending field at once.

    ``InvalidInput("phone", "is too long")`` is one problem; ``InvalidInput.of(problems)`` many.
    ``field`` and ``message`` are the first problem's."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.problems: tuple[FieldProblem, ...] = (FieldProblem(field, message),)

    @classmethod
    def of(cls, problems: Sequence[FieldProblem]) -> InvalidInput:
        if not problems:
            raise ValueError("InvalidInput needs at least one problem")
        error = cls(problems[0].field, problems[0].message)
        error.problems = tuple(problems)
        error.args = ("; ".join(f"{p.field}: {p.message}" for p in problems),)
        return error

    @property
    def field(self) -> str:
        return self.problems[0].field

    @property
    def message(self) -> str:
        return self.problems[0].message

    def by_field(self) -> dict[str, str]:
        """The first message for each field, in order: what a form shows beside each field."""
        found: dict[str, str] = {}
        for problem in self.problems:
            found.setdefault(problem.field, problem.message)
        return found


class ProtocolError(DomainError):
    """A protocol file is missing, malformed or has an unsourced number."""

    def __init__(self, file: str, key: str, message: str) -> None:
        super().__init__(f"{file}: {key}: {message}")
        self.file = file
        self.key = key
        self.message = message


class RuleViolation(DomainError):
    """A rule forbids what was asked."""


class VersionConflict(RuleViolation):
    """The record changed since it was read; the stale write is refused."""

    def __init__(self, record: str, record_id: int, expected: int, actual: int) -> None:
        super().__init__(
            f"{record} {record_id} was changed by someone else "
            f"(you edited version {expected}, it is now version {actual}); reload and try again"
        )
        self.record = record
        self.record_id = record_id
        self.expected = expected
        self.actual = actual
