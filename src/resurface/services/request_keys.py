"""Creates that a client may send twice (an offline phone's queue, a double tap, a retry after
a dropped connection) carry a request key. The first request under a key makes the record; a
resend under the same key is given that record, not a second one, even when both arrive at once.

A key belongs to a scope: whose request it is (the user, or the patient's link) and what it
creates, so one client's keys never meet another's.
"""

from __future__ import annotations

import re

from resurface.domain.errors import InvalidInput

__all__ = ["HEADER", "checked_key", "scope"]

HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


def checked_key(key: str, field: str = HEADER) -> str:
    """The key as given, or ``InvalidInput`` naming ``field``; ``""`` means no key."""
    if key and not _KEY.match(key):
        raise InvalidInput(field, "use 1 to 100 letters, digits, '.', ':', '-' or '_'")
    return key


def scope(creates: str, owner: str, owner_id: int) -> str:
    """E.g. ``scope("checkin", "session", 12)`` -> ``"checkin:session:12"``."""
    return f"{creates}:{owner}:{owner_id}"
