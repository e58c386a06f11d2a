"""The audit trail: who read or changed which chart record, when, from where.

Events are append-only and chained: each stores the hash of the one before, so that any edit or
deletion of a stored event breaks the chain at that point and can be found. The hash is keyed
(HMAC-SHA-256) with a secret kept outside the database, so whoever can write to the database
cannot recompute the chain after rewriting it; and signed checkpoints of the chain's head, also
kept outside the database, show events cut off the end or a database rolled back to an older
copy. Events written before keying (``key_id`` empty) are plain SHA-256 and may only come first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
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
    key_id: str = ""
    """The key the hash was made with; empty for an event from before the chain was keyed."""


@dataclass(frozen=True)
class ChainKey:
    """A secret the chain is keyed with, and its public name (stored with each event)."""

    id: str
    secret: bytes

    @classmethod
    def of(cls, secret: bytes) -> ChainKey:
        return cls(hashlib.sha256(b"resurface audit key id:" + secret).hexdigest()[:16], secret)


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head at a moment, signed with a chain key, kept outside the database."""

    seq: int
    hash: str
    at: dt.datetime
    key_id: str
    mac: str


def checkpoint_mac(key: ChainKey, seq: int, head_hash: str, at: dt.datetime) -> str:
    message = f"checkpoint|{seq}|{head_hash}|{at.astimezone(dt.UTC).isoformat()}"
    return hmac.new(key.secret, message.encode("ascii"), hashlib.sha256).hexdigest()


def checkpoint(key: ChainKey, seq: int, head_hash: str, at: dt.datetime) -> Checkpoint:
    return Checkpoint(seq, head_hash, at, key.id, checkpoint_mac(key, seq, head_hash, at))


REFUSED_ACTIONS = frozenset(
    {"refused", "read_not_found", "write_not_found", "sign_in_refused", "sign_in_failed"}
)
"""Actions that record an attempt that was refused (a role's limit, an id of another clinic or
none, a failed sign-in): the audit review's "refused" outcome."""


@dataclass(frozen=True)
class AuditFilter:
    """What the audit review asks for; empty fields ask for everything."""

    patient_id: int | None = None
    user_id: int | None = None
    action: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    refused: bool | None = None
    """True: refused attempts only; False: allowed ones only."""


@dataclass(frozen=True)
class BrokenLink:
    seq: int
    reason: str


def event_hash(seq: int, entry: AuditEntry, previous_hash: str, key: ChainKey | None = None) -> str:
    """HMAC-SHA-256 with ``key`` (plain SHA-256 without one) over a canonical JSON form of the
    event and the previous event's hash."""
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
    if key is None:
        return hashlib.sha256(canonical.encode("ascii")).hexdigest()
    return hmac.new(key.secret, canonical.encode("ascii"), hashlib.sha256).hexdigest()


def chain(
    seq: int, entry: AuditEntry, previous_hash: str, key: ChainKey | None = None
) -> AuditEvent:
    digest = event_hash(seq, entry, previous_hash, key)
    return AuditEvent(seq, entry, previous_hash, digest, key.id if key else "")


def first_broken_link(
    events: Iterable[AuditEvent],
    keys: Mapping[str, ChainKey] | None = None,
    *,
    after: AuditEvent | None = None,
) -> BrokenLink | None:
    """Walk the chain in order; return the first event that does not fit, or None if intact.
    ``keys`` are the chain keys by id (every key the chain was ever keyed with). ``after``: the
    event ``events`` continue from (an incremental check starts at a checkpointed event)."""
    known = keys or {}
    expected_previous = after.hash if after else GENESIS_HASH
    expected_seq = after.seq + 1 if after else 1
    keyed = bool(after and after.key_id)
    for event in events:
        if event.seq != expected_seq:
            return BrokenLink(expected_seq, f"event {expected_seq} is missing")
        if event.previous_hash != expected_previous:
            return BrokenLink(event.seq, "does not point at the event before it")
        key = known.get(event.key_id) if event.key_id else None
        if event.key_id and key is None:
            return BrokenLink(
                event.seq, f"is signed with a key this server does not hold ({event.key_id})"
            )
        if keyed and key is None:
            return BrokenLink(event.seq, "is not signed, though the events before it are")
        if event_hash(event.seq, event.entry, event.previous_hash, key) != event.hash:
            return BrokenLink(event.seq, "its content was changed after it was written")
        keyed = keyed or key is not None
        expected_previous = event.hash
        expected_seq += 1
    return None


def unchanged(event: AuditEvent, keys: Mapping[str, ChainKey]) -> bool:
    """Whether ``event``'s hash is still that of its content and the hash it follows."""
    key = keys.get(event.key_id) if event.key_id else None
    if event.key_id and key is None:
        return False
    return event_hash(event.seq, event.entry, event.previous_hash, key) == event.hash


def checkpoint_problem(
    point: Checkpoint, keys: Mapping[str, ChainKey], stored: Mapping[int, str], events: int
) -> str | None:
    """What a checkpoint shows wrong with the stored chain (``stored``: the hashes of the events
    at checkpointed places; ``events``: how many there are), or None."""
    key = keys.get(point.key_id)
    when = point.at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    if key is None or not hmac.compare_digest(
        checkpoint_mac(key, point.seq, point.hash, point.at), point.mac
    ):
        return f"the checkpoint of {when} is not genuine"
    if point.seq > events:
        return (
            f"events {events + 1} to {point.seq} were removed or the database was rolled back "
            f"(the checkpoint of {when} saw {point.seq} events)"
        )
    if point.seq and stored.get(point.seq) != point.hash:
        return f"event {point.seq} is not the one the checkpoint of {when} saw"
    return None
