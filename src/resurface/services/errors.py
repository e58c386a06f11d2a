"""Errors raised by use cases.

ServiceError
├── NotFound               no such record in the caller's clinic (also for other clinics' records)
├── PermissionDenied       the caller's role may not do this
├── AuthenticationFailed   wrong user name or password
│   └── AccountLocked      too many failed attempts; try again later
└── Conflict               the record already exists or changed meanwhile
"""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every error raised by ``resurface.services``."""


class NotFound(ServiceError):
    def __init__(self, record: str, record_id: object) -> None:
        super().__init__(f"{record} {record_id} not found")
        self.record = record
        self.record_id = record_id


class PermissionDenied(ServiceError):
    pass


class AuthenticationFailed(ServiceError):
    pass


class AccountLocked(AuthenticationFailed):
    pass


class NotSignedIn(AuthenticationFailed):
    """No session behind the request; ``expired`` when there was one and it ran out."""

    def __init__(self, message: str = "please sign in", *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


class Conflict(ServiceError):
    pass
