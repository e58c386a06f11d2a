"""API for the patient's recovery link: read the page's data, send a check-in (the phone page's
offline queue uses it). The token is the only credential; every refusal looks the same."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from resurface.domain.errors import InvalidInput
from resurface.services.errors import LINK_NOT_USABLE, LinkNotUsable, Throttled
from resurface.services.recovery import checkins, link_limits
from resurface.web.api.schemas.patient_recovery import (
    CheckInIn,
    PatientCheckInOut,
    PatientRecoveryOut,
    SubmittedOut,
)
from resurface.web.api.v1 import v1_router
from resurface.web.deps import ContextDep, IdempotencyKey
from resurface.web.errors import problem
from resurface.web.patient_link import PATIENT_HEADERS
from resurface.web.security import CSRF_HEADER, client_address, tokens_match

router = v1_router(tags=["patient recovery"])

_INSTANCE = "/api/v1/recovery"
"""Problems name the resource, never the token (a refusal must not echo it)."""


def _not_usable() -> Response:
    return problem(404, "Not found", LINK_NOT_USABLE, _INSTANCE)


def _throttled(error: Throttled) -> Response:
    response = problem(429, "Too many requests", str(error), _INSTANCE)
    response.headers["Retry-After"] = str(error.retry_after)
    return response


@router.get("/recovery/{token}", response_model=PatientRecoveryOut)
def read_recovery(request: Request, ctx: ContextDep, token: str) -> Response:
    try:
        link_limits.admit(ctx, token, client_address(request))
        view = checkins.recovery_view(ctx, token, source=client_address(request))
    except Throttled as error:
        return _throttled(error)
    except LinkNotUsable:
        return _not_usable()
    body = PatientRecoveryOut.of(view).model_dump(mode="json")
    return JSONResponse(body, headers=PATIENT_HEADERS)


@router.post("/recovery/{token}/checkins", status_code=201, response_model=SubmittedOut)
def send_checkin(
    request: Request,
    ctx: ContextDep,
    token: str,
    body: CheckInIn,
    request_key: IdempotencyKey = "",
) -> Response:
    return _send(request, ctx, token, body, request_key, None)


@router.post(
    "/patient/{token}/sessions/{session_id}/checkins",
    status_code=201,
    response_model=SubmittedOut,
)
def send_checkin_through_patient_link(
    request: Request,
    ctx: ContextDep,
    token: str,
    session_id: int,
    body: CheckInIn,
    request_key: IdempotencyKey = "",
) -> Response:
    """A check-in on one of the patient's sessions, through their link of the whole series."""
    return _send(request, ctx, token, body, request_key, session_id)


def _send(
    request: Request,
    ctx: ContextDep,
    token: str,
    body: CheckInIn,
    request_key: str,
    session_id: int | None,
) -> Response:
    try:
        # The token first: a wrong token must look like any other wrong token.
        if session_id is None:
            link_limits.admit(ctx, token, client_address(request))
        else:
            link_limits.admit_patient(ctx, token, client_address(request))
        if not tokens_match(ctx.links.patient_csrf(token), request.headers.get(CSRF_HEADER)):
            return problem(
                403, "Security token missing", "send the page's X-CSRF-Token header", _INSTANCE
            )
        link_limits.count_checkin(ctx, token)
        answers = checkins.Answers(
            scores=body.scores.model_dump(),
            red_flags=[flag.value for flag in body.red_flags],
            note=body.note,
            date=body.date,
            request_key=request_key,
        )
        submitted = checkins.submit_checkin(
            ctx, token, answers, source=client_address(request), session_id=session_id
        )
    except Throttled as error:
        return _throttled(error)
    except LinkNotUsable:
        return _not_usable()
    except InvalidInput as error:
        fields = [{"field": p.field, "message": p.message} for p in error.problems]
        detail = "; ".join(f"{p.field}: {p.message}" for p in error.problems)
        return problem(422, "Invalid input", detail, _INSTANCE, errors=fields)
    out = SubmittedOut(
        checkin=PatientCheckInOut.of(submitted.result), duplicate=submitted.duplicate
    )
    status = 200 if submitted.duplicate else 201
    return JSONResponse(out.model_dump(mode="json"), status_code=status, headers=PATIENT_HEADERS)
