"""Errors raised by domain rules.

DomainError
├── InvalidInput          a value is missing, of the wrong kind or out of range (names the field)
├── ProtocolError         a protocol (rule-base) file is broken (names file and key)
└── RuleViolation         a clinical or record rule forbids the change
    └── VersionConflict   someone else saved the record first
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error raised by ``resurface.domain``."""


class InvalidInput(DomainError):
    """Input that the rules cannot accept. ``field`` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


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
