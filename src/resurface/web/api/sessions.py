"""API: recording a treatment session. The draft carries the last settings forward and gives
each area's limits; a setting beyond its limit without a reason is a 422 naming the setting and
the limit (every such setting is listed in ``errors``)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from resurface.domain.errors import InvalidInput
from resurface.services import sessions
from resurface.web.api.session_schemas import RecordedSessionOut, SessionDraftOut, SessionIn
from resurface.web.deps import ActorDep, CheckedSessionDep, ContextDep
from resurface.web.errors import problem

router = APIRouter(prefix="/patients/{patient_id}/sessions", tags=["sessions"])


@router.get("/draft", response_model=SessionDraftOut)
def draft(ctx: ContextDep, actor: ActorDep, patient_id: int) -> SessionDraftOut:
    return SessionDraftOut.of(sessions.session_draft(ctx, actor, patient_id))


@router.post(
    "",
    response_model=RecordedSessionOut,
    status_code=201,
    responses={422: {"description": "a field to fix, or a setting beyond its limit"}},
)
def record(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    patient_id: int,
    body: SessionIn,
) -> RecordedSessionOut | Response:
    try:
        recorded = sessions.record_session(ctx, session.actor, patient_id, body.to_entry())
    except InvalidInput as rejected:  # every field, with the limit a setting went beyond
        errors = [
            {k: v for k, v in vars(p).items() if v not in ("", None)} for p in rejected.problems
        ]
        detail = "; ".join(f"{p.field}: {p.message}" for p in rejected.problems)
        return problem(422, "Invalid input", detail, request.url.path, errors=errors)
    return RecordedSessionOut.of(recorded)
