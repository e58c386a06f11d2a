"""The audit trail: who read or changed which chart record, when, from where.

Events are append-only and hash-chained: each stores the hash of the one before, so that any
edit or deletion of a stored event breaks the chain at that point and can be found.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    """An event before it is chained: what happened."""

    at: dt.datetime
    actor: str
    action: str
    record_type: str
    record_id: str
    clinic_id: int | None = None
    user_id: int | None = None
    patient_id: int | None = None
    source: str = ""
    detail: str = ""


@dataclass(frozen=True)
class AuditEvent:
    """A stored event: the entry, its place in the chain and the hashes that tie it in."""

    seq: int
    entry: AuditEntry
    previous_hash: str
    hash: str


@dataclass(frozen=True)
class BrokenLink:
    seq: int
    reason: str


def event_hash(seq: int, entry: AuditEntry, previous_hash: str) -> str:
    """SHA-256 over a canonical JSON form of the event and the previous event's hash."""
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=dt.UTC)
    body = {
        "seq": seq,
        "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "action": entry.action,
        "record_type": entry.record_type,
        "record_id": entry.record_id,
        "clinic_id": entry.clinic_id,
        "user_id": entry.user_id,
        "patient_id": entry.patient_id,
        "source": entry.source,
        "detail": entry.detail,
        "previous_hash": previous_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def chain(seq: int, entry: AuditEntry, previous_hash: str) -> AuditEvent:
    return AuditEvent(seq, entry, previous_hash, event_hash(seq, entry, previous_hash))


def first_broken_link(events: Iterable[AuditEvent]) -> BrokenLink | None:
    """Walk the chain in order; return the first event that does not fit, or None if intact."""
    expected_previous = GENESIS_HASH
    expected_seq = 1
    for event in events:
        if event.seq != expected_seq:
            return BrokenLink(expected_seq, f"event {expected_seq} is missing")
        if event.previous_hash != expected_previous:
            return BrokenLink(event.seq, "does not point at the event before it")
        if event_hash(event.seq, event.entry, event.previous_hash) != event.hash:
            return BrokenLink(event.seq, "its content was changed after it was written")
        expected_previous = event.hash
        expected_seq += 1
    return None
