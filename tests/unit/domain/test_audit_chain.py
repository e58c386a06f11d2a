from __future__ import annotations

import datetime as dt
from dataclasses import replace

from resurface.domain.audit import GENESIS_HASH, AuditEntry, chain, first_broken_link


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
