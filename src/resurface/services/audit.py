"""Writing to and checking the audit trail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from resurface.domain.audit import (
    AuditEntry,
    BrokenLink,
    Checkpoint,
    StoredLink,
    checkpoint,
    checkpoint_problem,
    first_broken_stored,
    unchanged,
)
from resurface.services.access import Actor
from resurface.services.ports import AuditAnchor, UnitOfWork

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


def record_refusal(
    ctx: Context, who: Actor, what: str, reason: str, patient_id: int | None = None
) -> None:
    """A refused attempt (a role asking for what it may not): an event of its own, committed
    although the request goes no further, so the audit review shows it. ``patient_id``, the
    patient the request named, is kept when that patient is one of the user's clinic, so the
    patient's "who saw my record" shows the attempt too."""
    with ctx.uow() as uow:
        if patient_id is not None and uow.patients.get(who.clinic_id, patient_id) is None:
            patient_id = None
        record(uow, who, "refused", "request", what, patient_id=patient_id, detail=reason)
        uow.commit()


@dataclass(frozen=True)
class TrailReport:
    events: int
    """Events checked: all of them, or those after ``from_seq``."""
    broken: BrokenLink | None
    checkpoints: int = 0
    last_checkpoint: Checkpoint | None = None
    from_seq: int = 0
    """0: the whole trail was checked; else the checkpointed event the check started from."""

    @property
    def intact(self) -> bool:
        return self.broken is None


def check_trail(ctx: Context, *, incremental: bool = False) -> TrailReport:
    """The use case behind ``resurface audit verify``: read the whole trail and check it against
    the keys and checkpoints kept outside the database; ``incremental``: only what was written
    since the last checkpoint (the whole trail if there is none)."""
    with ctx.uow() as uow:
        if incremental and ctx.anchor is not None:
            return verify_since_checkpoint(uow, ctx.anchor)
        return verify_trail(uow, ctx.anchor)


def verify_since_checkpoint(uow: UnitOfWork, anchor: AuditAnchor) -> TrailReport:
    """Check the trail from the last signed checkpoint on: the checkpoint is genuine, the event it
    saw is still there, unchanged, and every event after it links to it and is intact, up to
    the head. (A change before the checkpoint is for the full check to find.) Only the newest
    checkpoint file is read, and only the events after the checkpoint."""
    keys, point = anchor.keys(), anchor.last_checkpoint()
    if point is None:
        return verify_trail(uow, anchor)
    head_seq, _ = uow.audit.head()
    start = uow.audit.at(point.seq) if point.seq else None
    stored = {point.seq: start.hash} if start is not None else {}
    problem = checkpoint_problem(point, keys, stored, head_seq)
    if problem is None and start is not None and not unchanged(start, keys):
        problem = f"event {point.seq}, which the last checkpoint saw, was changed"
    if problem is not None:
        refused = BrokenLink(point.seq, problem)
        return TrailReport(0, refused, 1, point, from_seq=point.seq)
    count = _Count()
    broken = first_broken_stored(count(uow.audit.stored_since(point.seq)), keys, after=start)
    if broken is None and point.seq + count.seen != head_seq:
        first = point.seq + count.seen + 1
        broken = BrokenLink(first, f"events {first} to {head_seq} were removed")
    return TrailReport(count.seen, broken, 1, point, from_seq=point.seq)


def verify_trail(uow: UnitOfWork, anchor: AuditAnchor | None = None) -> TrailReport:
    """Check every event's hash and link, that none were cut off the end, and that the chain
    still holds what every checkpoint saw (no rewrite, truncation or rollback). The trail is
    streamed: memory stays flat whatever its length."""
    keys = anchor.keys() if anchor else {}
    points = anchor.checkpoints() if anchor else []
    count = _Count({point.seq for point in points})
    broken = first_broken_stored(count(uow.audit.stored_since(0)), keys)
    if broken is None:
        head_seq, _ = uow.audit.head()
        if head_seq != count.seen:
            first = count.seen + 1
            broken = BrokenLink(first, f"events {first} to {head_seq} were removed")
    for point in points if broken is None else ():
        problem = checkpoint_problem(point, keys, count.hashes, count.seen)
        if problem is not None:
            broken = BrokenLink(min(point.seq, count.seen + 1), problem)
            break
    return TrailReport(count.seen, broken, len(points), points[-1] if points else None)


class _Count:
    """Counts the events a check reads, and keeps the hashes of the checkpointed ones."""

    def __init__(self, wanted: Collection[int] = ()) -> None:
        self.seen = 0
        self.wanted = wanted
        self.hashes: dict[int, str] = {}

    def __call__(self, links: Iterable[StoredLink]) -> Iterator[StoredLink]:
        wanted, hashes = self.wanted, self.hashes
        for link in links:
            self.seen += 1
            if link.seq in wanted:
                hashes[link.seq] = link.hash
            yield link


def write_checkpoint(ctx: Context) -> Checkpoint | None:
    """Sign the chain's head into the checkpoints outside the database, if it moved since the
    last one (None: nothing new, or no anchor)."""
    anchor = ctx.anchor
    if anchor is None:
        return None
    with ctx.uow() as uow:
        seq, head_hash = uow.audit.head()
    last = anchor.last_checkpoint()
    if seq == 0 or (last is not None and last.seq == seq):
        return None
    point = checkpoint(anchor.key(), seq, head_hash, ctx.clock.now())
    anchor.add_checkpoint(point)
    return point
