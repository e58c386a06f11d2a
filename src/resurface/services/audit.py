"""Writing to and checking the audit trail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from resurface.domain.audit import AuditEntry, AuditEvent, BrokenLink, first_broken_link
from resurface.services.access import Actor
from resurface.services.ports import UnitOfWork

if TYPE_CHECKING:
    from resurface.services.context import Context


def record(
    uow: UnitOfWork,
    who: Actor | None,
    action: str,
    record_type: str,
    record_id: object,
    *,
    patient_id: int | None = None,
    detail: str = "",
    at: dt.datetime | None = None,
) -> None:
    """Append one event in the caller's unit of work: it commits or rolls back with the change.

    ``who`` is the signed-in user, or None for the system itself (installation, demo load, a
    refused sign-in). The event is stamped ``at``, or else by the clock of the context that
    opened ``uow``: records and their audit events read one clock.
    """
    uow.audit.append(
        AuditEntry(
            at=at if at is not None else uow.clock.now(),
            actor=who.name if who else "system",
            action=action,
            record_type=record_type,
            record_id=str(record_id),
            clinic_id=who.clinic_id if who else None,
            user_id=who.user_id if who else None,
            patient_id=patient_id,
            source=who.source if who else "system",
            detail=detail,
        )
    )


@dataclass(frozen=True)
class TrailReport:
    events: int
    broken: BrokenLink | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def check_trail(ctx: Context) -> TrailReport:
    """The use case behind ``resurface audit verify``: read the whole trail and check it."""
    with ctx.uow() as uow:
        return verify_trail(uow)


def verify_trail(uow: UnitOfWork) -> TrailReport:
    """Check every event's hash and link; also that none were cut off the end."""
    count = 0

    def counted() -> Iterator[AuditEvent]:
        nonlocal count
        for event in uow.audit.in_order():
            count += 1
            yield event

    broken = first_broken_link(counted())
    if broken is None:
        head_seq, _ = uow.audit.head()
        if head_seq != count:
            broken = BrokenLink(count + 1, f"events {count + 1} to {head_seq} were removed")
    return TrailReport(count, broken)
