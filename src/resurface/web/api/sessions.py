"""API: recording a treatment session. The draft carries the last settings forward and gives
each area's limits; a setting beyond its limit without a reason is a 422 naming the setting and
the limit (every such setting is listed in ``errors``)."""

from __future__ import annotations

from dataclasses import replace

from resurface.domain.chart import TreatmentSession
from resurface.domain.corrections import RecordKind
from resurface.services import sessions
from resurface.web.api.chart_records import read_record
from resurface.web.api.schemas.sessions import (
    RecordedSessionOut,
    SessionCorrectionIn,
    SessionDraftOut,
    SessionIn,
    SessionOut,
)
from resurface.web.api.v1 import v1_router
from resurface.web.deps import ActorDep, CheckedSessionDep, ContextDep, IdempotencyKey

router = v1_router(tags=["sessions"])


@router.get("/patients/{patient_id}/sessions/draft", response_model=SessionDraftOut)
def draft(ctx: ContextDep, actor: ActorDep, patient_id: int) -> SessionDraftOut:
    return SessionDraftOut.of(sessions.session_draft(ctx, actor, patient_id))


@router.post("/patients/{patient_id}/sessions", response_model=RecordedSessionOut, status_code=201)
def record(
    ctx: ContextDep,
    session: CheckedSessionDep,
    patient_id: int,
    body: SessionIn,
    request_key: IdempotencyKey = "",
) -> RecordedSessionOut:
    """A 422 names every field to fix; a setting beyond its limit also gives ``setting``,
    ``recorded``, ``limit`` and ``unit``."""
    entry = replace(body.to_entry(), request_key=request_key)
    recorded = sessions.record_session(ctx, session.actor, patient_id, entry)
    return RecordedSessionOut.of(recorded)


@router.get("/sessions/{session_id}", response_model=SessionOut)
def session(ctx: ContextDep, actor: ActorDep, session_id: int) -> SessionOut:
    record = read_record(ctx, actor, RecordKind.SESSION, session_id, TreatmentSession)
    return SessionOut.of(record)


@router.patch("/sessions/{session_id}", response_model=SessionOut)
def amend(
    ctx: ContextDep, session: CheckedSessionDep, session_id: int, body: SessionCorrectionIn
) -> SessionOut:
    """Correct a recorded session: send it whole, with the ``version`` you corrected and the
    ``reason``. Settings are checked against the limits again; the earlier version is kept."""
    saved = sessions.amend_session(
        ctx, session.actor, session_id, body.version, body.to_entry(), body.reason
    )
    return SessionOut.of(saved)
