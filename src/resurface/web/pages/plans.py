"""Pages: the treatment plan (proposal, accept/override, co-sign) and the clinic's co-sign setting.

Plan items are numbered from 1 in URLs. A rejected decision comes back on the plan page with the
message next to the field and what was typed kept; a decision made on a stale version comes back
with the plan as it is now and a request to review it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from pydantic import Field as PydanticField

from resurface.domain.codes import Modality
from resurface.domain.errors import InvalidInput, VersionConflict
from resurface.services import plans
from resurface.services.errors import Conflict
from resurface.web.deps import CheckedSessionDep, ContextDep, Session, SessionDep
from resurface.web.pages.render import page

router = APIRouter()


@dataclass(frozen=True)
class _Refused:
    """Why the plan page comes back: the message, the field and item it belongs to, what was
    typed, and the status."""

    message: str = ""
    field: str = ""
    item: int | None = None
    form: dict[str, str] = dataclasses.field(default_factory=dict)
    status: int = 200


def _plan_page(
    request: Request, session: Session, view: plans.PlanView, refused: _Refused = _Refused()
) -> Response:
    return page(
        request,
        "plan.html",
        session,
        status_code=refused.status,
        view=view,
        modalities=list(Modality),
        error=refused.message,
        error_field=refused.field,
        error_item=refused.item,
        form=refused.form,
    )


@router.get("/patients/{patient_id}/plan")
def show_plan(request: Request, ctx: ContextDep, session: SessionDep, patient_id: int) -> Response:
    return _plan_page(request, session, plans.plan_view(ctx, session.actor, patient_id))


@router.post("/patients/{patient_id}/plan")
def propose(
    request: Request, ctx: ContextDep, session: CheckedSessionDep, patient_id: int
) -> Response:
    try:
        plans.propose_plan(ctx, session.actor, patient_id)
    except InvalidInput as error:
        view = plans.plan_view(ctx, session.actor, patient_id)
        return _plan_page(request, session, view, _Refused(error.message, status=422))
    return RedirectResponse(f"/patients/{patient_id}/plan", status_code=303)


class DecisionForm(BaseModel):
    """What the clinician typed for one item."""

    version: int
    decision: str = PydanticField(max_length=20)
    chosen_modality: str = PydanticField("", max_length=60)
    chosen_sessions: str = PydanticField("", max_length=10)
    override_reason: str = PydanticField("", max_length=2000)
    correction_reason: str = PydanticField("", max_length=2000)


@router.post("/plans/{plan_id}/items/{n}")
def decide(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    plan_id: int,
    n: int,
    typed: Annotated[DecisionForm, Form()],
) -> Response:
    form = typed.model_dump(exclude={"version"})
    try:
        choice = plans.Decision(
            version=typed.version,
            decision=typed.decision,
            chosen_modality=typed.chosen_modality,
            chosen_sessions=_whole_number(typed.chosen_sessions, "chosen_sessions"),
            override_reason=typed.override_reason,
            correction_reason=typed.correction_reason,
        )
        plan = plans.decide_item(ctx, session.actor, plan_id, n - 1, choice)
    except (InvalidInput, VersionConflict, Conflict) as error:
        return _again(request, ctx, session, plan_id, _refusal(error, "", n, form))
    return RedirectResponse(f"/patients/{plan.patient_id}/plan#item-{n}", status_code=303)


@router.post("/plans/{plan_id}/cosign")
def cosign(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    plan_id: int,
    version: Annotated[int, Form()],
) -> Response:
    try:
        plan = plans.cosign_plan(ctx, session.actor, plan_id, version)
    except (InvalidInput, VersionConflict, Conflict) as error:
        return _again(request, ctx, session, plan_id, _refusal(error, "cosign", None, {}))
    return RedirectResponse(f"/patients/{plan.patient_id}/plan", status_code=303)


_STALE = (
    "Someone else changed this plan while you were deciding. Nothing of yours was saved: "
    "the plan below is as it is now - review it and decide again."
)


def _refusal(
    error: InvalidInput | VersionConflict | Conflict,
    field: str,
    item: int | None,
    form: dict[str, str],
) -> _Refused:
    """A refused decision or co-signature as the page shows it: a bad field is a 422 next to
    the field; a stale version or a plan no longer open is a 409 with the plan as it is now."""
    if isinstance(error, InvalidInput):
        return _Refused(error.message, field or error.field, item, form, 422)
    message = _STALE if isinstance(error, VersionConflict) else str(error)
    return _Refused(message, field, item, form, 409)


def _again(
    request: Request, ctx: ContextDep, session: Session, plan_id: int, refused: _Refused
) -> Response:
    """The plan page again, as it is now, with the message and what was typed."""
    return _plan_page(request, session, plans.plan_view_of(ctx, session.actor, plan_id), refused)


def _whole_number(text: str, field: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInput(field, f"must be a whole number, got {text!r}")
    return int(text)
