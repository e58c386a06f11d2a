from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

from resurface.domain.audit import (
    GENESIS_HASH,
    AuditEntry,
    AuditEvent,
    ChainKey,
    canonical_form,
    chain,
    checkpoint,
    checkpoint_problem,
    first_broken_link,
)


def _trail(n: int) -> list:
    events, previous = [], GENESIS_HASH
    for seq in range(1, n + 1):
        entry = AuditEntry(
            dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "dr", "read", "patient", str(seq)
        )
        event = chain(seq, entry, previous)
        events.append(event)
        previous = event.hash
    return events


def test_an_untouched_chain_is_intact() -> None:
    assert first_broken_link(_trail(4)) is None
    assert first_broken_link([]) is None


def test_an_edited_event_is_the_first_broken_link() -> None:
    events = _trail(4)
    events[1] = replace(events[1], entry=replace(events[1].entry, actor="mallory"))
    broken = first_broken_link(events)
    assert broken is not None and broken.seq == 2 and "changed" in broken.reason


def test_a_removed_event_is_found() -> None:
    events = _trail(4)
    del events[2]
    broken = first_broken_link(events)
    assert broken is not None and broken.seq == 3 and "missing" in broken.reason


def test_naive_and_utc_times_hash_alike() -> None:
    aware = AuditEntry(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "dr", "read", "patient", "1")
    naive = replace(aware, at=dt.datetime(2026, 1, 1))
    assert chain(1, aware, GENESIS_HASH).hash == chain(1, naive, GENESIS_HASH).hash


def _events(keys: list[ChainKey | None]) -> list[AuditEvent]:
    """One event per key (None: an event from before the chain was keyed), chained in order."""
    events: list[AuditEvent] = []
    previous = GENESIS_HASH
    for seq, key in enumerate(keys, start=1):
        entry = AuditEntry(dt.datetime(2026, 3, 2, 9, seq, tzinfo=dt.UTC), "a", "read", "x", "1")
        events.append(chain(seq, entry, previous, key))
        previous = events[-1].hash
    return events


KEY = ChainKey.of(b"k" * 32)
OTHER = ChainKey.of(b"o" * 32)


def test_a_keyed_chain_verifies_only_with_its_keys_and_after_unkeyed_events() -> None:
    events = _events([None, None, KEY, OTHER])
    assert first_broken_link(events, {KEY.id: KEY, OTHER.id: OTHER}) is None
    unknown = first_broken_link(events, {KEY.id: KEY})
    assert unknown is not None and unknown.seq == 4 and "does not hold" in unknown.reason
    mixed = first_broken_link(_events([KEY, None]), {KEY.id: KEY})
    assert mixed is not None and mixed.seq == 2 and "not signed" in mixed.reason


def test_a_checkpoint_names_rollback_rewrite_and_forgery() -> None:
    events = _events([KEY, KEY, KEY])
    keys = {KEY.id: KEY}
    stored = {e.seq: e.hash for e in events}
    at = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    point = checkpoint(KEY, 3, events[-1].hash, at)
    assert checkpoint_problem(point, keys, stored, 3) is None
    assert "rolled back" in (checkpoint_problem(point, keys, stored, 2) or "")
    assert "is not the one" in (checkpoint_problem(point, keys, {3: "f" * 64}, 3) or "")
    forged = replace(point, mac="0" * 64)
    assert "not genuine" in (checkpoint_problem(forged, keys, stored, 3) or "")
    assert "not genuine" in (checkpoint_problem(point, {}, stored, 3) or "")


def _json_form(seq: int, entry: AuditEntry, previous_hash: str) -> bytes:
    """The canonical form as first defined (``json.dumps``): every stored chain was hashed so."""
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=dt.UTC)
    body = {
        "seq": seq, "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor, "action": entry.action, "record_type": entry.record_type,
        "record_id": entry.record_id, "clinic_id": entry.clinic_id, "user_id": entry.user_id,
        "patient_id": entry.patient_id, "source": entry.source, "detail": entry.detail,
        "previous_hash": previous_hash,
    }  # fmt: skip
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def test_the_canonical_form_is_byte_for_byte_the_json_one() -> None:
    """Built directly for speed, it must hash every chain written before exactly as then."""
    paris = dt.timezone(dt.timedelta(hours=1))
    texts = ["", "plain", 'quote " and \\ backslash', "line\nbreak\ttab\r", "Zoë Ó Súilleabháin",
             "emoji 😀 and \u2028 separator", "control \x00\x1f\x7f", "</script>&"]  # fmt: skip
    times = [dt.datetime(2026, 3, 29, 1, 59, 59, 999999, tzinfo=paris), dt.datetime(2026, 1, 1)]
    for n, text in enumerate(texts):
        for at in times:
            entry = AuditEntry(at, text, "chart_read", "patient", text or "7",
                               clinic_id=n or None, user_id=None if n % 2 else 12,
                               patient_id=10**12 + n, source=text, detail=text)  # fmt: skip
            assert canonical_form(n + 1, entry, GENESIS_HASH) == _json_form(
                n + 1, entry, GENESIS_HASH
            )
