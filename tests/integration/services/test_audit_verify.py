"""``resurface audit verify`` on SQLite and PostgreSQL: the trail is streamed from the database
and each stored row hashed as it is, so an edit in the middle of a trail longer than one
streamed batch is found at its event, the check stops there and the database is usable after;
the incremental check finds what changed after the last checkpoint and reads nothing before."""

from __future__ import annotations

import pytest
from sqlalchemy import event, update

from resurface.bootstrap import Runtime
from resurface.domain.people import Role
from resurface.services import audit
from resurface.services.access import Actor
from resurface.storage.repositories import audit as stored_trail
from resurface.storage.tables import audit_events

EVENTS = 40


def _trail(runtime: Runtime) -> None:
    actor = Actor(1, 1, Role.CLINICIAN, 'Dr Zoë "Test"', "127.0.0.1")
    with runtime.context.uow() as uow:
        for n in range(EVENTS):
            audit.record(uow, actor, "chart_read", "patient", n, patient_id=n or None,
                         detail="" if n % 2 else f"page {n}\nné")  # fmt: skip
        uow.commit()


def _tamper(runtime: Runtime, seq: int) -> None:
    with runtime.engine.begin() as connection:
        connection.execute(
            update(audit_events).where(audit_events.c.seq == seq).values(detail="rewritten")
        )


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stream a few events at a time, so the check crosses many batches."""
    monkeypatch.setattr(stored_trail, "_STREAM", 7)


@pytest.mark.usefixtures("small_batches")
def test_an_edit_in_a_streamed_trail_is_found_at_its_event(runtime: Runtime) -> None:
    _trail(runtime)
    assert audit.check_trail(runtime.context).intact
    _tamper(runtime, 23)
    with runtime.context.uow() as uow:
        report = audit.verify_trail(uow, runtime.context.anchor)
        assert uow.audit.head()[0] == EVENTS  # the stopped stream left the connection usable
    assert report.broken is not None and report.broken.seq == 23
    assert "changed" in report.broken.reason
    assert report.events == 23


@pytest.mark.usefixtures("small_batches")
def test_the_incremental_check_reads_from_the_last_checkpoint(runtime: Runtime) -> None:
    _trail(runtime)
    point = audit.write_checkpoint(runtime.context)
    assert point is not None and point.seq == EVENTS
    _trail(runtime)
    intact = audit.check_trail(runtime.context, incremental=True)
    assert (intact.intact, intact.from_seq, intact.events) == (True, EVENTS, EVENTS)
    _tamper(runtime, 5)  # before the checkpoint: for the full check to find
    assert audit.check_trail(runtime.context, incremental=True).intact
    full = audit.check_trail(runtime.context)
    assert full.broken is not None and full.broken.seq == 5
    _tamper(runtime, EVENTS + 30)
    late = audit.check_trail(runtime.context, incremental=True)
    assert late.broken is not None and late.broken.seq == EVENTS + 30


@pytest.mark.usefixtures("small_batches")
def test_a_check_runs_as_many_statements_for_a_long_trail_as_for_a_short_one(
    runtime: Runtime,
) -> None:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    def checked() -> int:
        statements.clear()
        event.listen(runtime.engine, "before_cursor_execute", count)
        try:
            assert audit.check_trail(runtime.context).intact
        finally:
            event.remove(runtime.engine, "before_cursor_execute", count)
        return len(statements)

    _trail(runtime)
    short = checked()
    for _ in range(9):
        _trail(runtime)
    assert checked() == short  # 400 events streamed 7 at a time: still one read of the trail
