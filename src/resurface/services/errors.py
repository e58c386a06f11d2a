"""Errors raised by use cases.

ServiceError
├── NotFound               no such record in the caller's clinic (also for other clinics' records)
│   ├── LinkNotUsable      a patient's link token refused, for whatever reason (says nothing more)
│   └── PhotoFileMissing   a photo's record is there but its file is not (``photos check``)
├── Throttled              too many requests in a short time; try again in ``retry_after`` seconds
│   └── SignInThrottled    (services.sign_in_throttle) repeated failed sign-ins make the next wait
├── PermissionDenied       the caller's role may not do this
│   └── PasswordChangeRequired  after a reset, the user must choose a new password first
├── AuthenticationFailed   wrong user name or password
│   └── NotSignedIn        no session, or it expired or sat idle too long
├── Conflict               the record already exists or changed meanwhile
└── Unavailable            a service Resurface needs does not answer (the limits' Redis)
"""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every error raised by ``resurface.services``."""


class NotFound(ServiceError):
    def __init__(self, record: str, record_id: object) -> None:
        super().__init__(f"{record} {record_id} not found")
        self.record = record
        self.record_id = record_id


class PhotoFileMissing(NotFound):
    def __init__(self) -> None:
        ServiceError.__init__(
            self,
            "the photo's file is missing from the photo store; `resurface photos check` names it",
        )
        self.record = "photo file"
        self.record_id = None


class PermissionDenied(ServiceError):
    pass


CHANGE_FIRST = (
    "your password was reset: choose a new one first (the Password page, or "
    "POST /api/v1/me/password); until then you may only change it or sign out"
)


class PasswordChangeRequired(PermissionDenied):
    def __init__(self) -> None:
        super().__init__(CHANGE_FIRST)


class AuthenticationFailed(ServiceError):
    pass


class NotSignedIn(AuthenticationFailed):
    """No session behind the request; ``expired`` when there was one and it ran out,
    ``idle_minutes`` when it ended because nothing was done for that long."""

    def __init__(
        self, message: str = "please sign in", *, expired: bool = False, idle_minutes: int = 0
    ) -> None:
        super().__init__(message)
        self.expired = expired
        self.idle_minutes = idle_minutes


class Conflict(ServiceError):
    pass


LINK_NOT_USABLE = (
    "This link does not work. It may have expired or been replaced: "
    "please ask the clinic for a new one."
)


class LinkNotUsable(NotFound):
    """The one answer to every refused token: it says nothing about why."""

    def __init__(self) -> None:
        ServiceError.__init__(self, LINK_NOT_USABLE)
        self.record = "recovery link"
        self.record_id = ""


class Throttled(ServiceError):
    """Too many requests in a short time; ``retry_after`` is in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many requests; try again in {retry_after} seconds")
        self.retry_after = retry_after


class Unavailable(ServiceError):
    """A service Resurface needs (the Redis that keeps the limits) does not answer; nothing was
    done, and the same request can be tried again in a moment."""
