"""Writing to and checking the audit trail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from resurface.domain.audit import AuditEntry, AuditEvent, BrokenLink, first_broken_link
from resurface.services.access import Actor
from resurface.services.ports import UnitOfWork


def record(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    record_type: str,
    record_id: object,
    *,
    patient_id: int | None = None,
    detail: str = "",
) -> None:
    """Append one event in the caller's unit of work: it commits or rolls back with the change."""
    uow.audit.append(
        AuditEntry(
            at=dt.datetime.now(dt.UTC),
            actor=actor.name,
            action=action,
            record_type=record_type,
            record_id=str(record_id),
            clinic_id=actor.clinic_id,
            user_id=actor.user_id,
            patient_id=patient_id,
            source=actor.source,
            detail=detail,
        )
    )


def record_system(
    uow: UnitOfWork, action: str, record_type: str, record_id: object, *, detail: str = ""
) -> None:
    """An event with no signed-in user behind it (installation, demo load, failed sign-in)."""
    uow.audit.append(
        AuditEntry(
            at=dt.datetime.now(dt.UTC),
            actor="system",
            action=action,
            record_type=record_type,
            record_id=str(record_id),
            source="system",
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
