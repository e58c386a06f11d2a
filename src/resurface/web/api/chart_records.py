"""Reading one chart record by id, for the routers of each kind: another clinic's id is a plain
404, like an id that does not exist."""

from __future__ import annotations

from typing import TypeVar

from resurface.domain.corrections import RecordKind
from resurface.services import charts
from resurface.web.deps import ActorDep, ContextDep

R = TypeVar("R")


def read_record(
    ctx: ContextDep, actor: ActorDep, kind: RecordKind, record_id: int, shape: type[R]
) -> R:
    """The record of ``kind`` with ``record_id`` in the actor's clinic (audited)."""
    record = charts.read_chart_record(ctx, actor, kind, record_id)
    assert isinstance(record, shape)
    return record
