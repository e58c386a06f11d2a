"""Pages: the treatment plan (proposal, accept/override, co-sign) and the clinic's co-sign setting.

Plan items are numbered from 1 in URLs. A rejected decision comes back on the plan page with the
message next to the field and what was typed kept; a decision made on a stale version comes back
with the plan as it is now and a request to review it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from resurface.domain.chart import TreatmentPlan
from resurface.domain.codes import Modality
from resurface.domain.errors import InvalidInput, VersionConflict
from resurface.services import charts, clinic_settings, plans
from resurface.services.charts import RecordKind
from resurface.services.errors import Conflict
from resurface.web.deps import CheckedSessionDep, RuntimeDep, Session, SessionDep
from resurface.web.pages.render import page

router = APIRouter()


def _plan_page(
    request: Request,
    runtime: RuntimeDep,
    session: Session,
    patient_id: int,
    *,
    error: str = "",
    error_field: str = "",
    error_item: int | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    with runtime.uow() as uow:
        view = plans.plan_view(uow, session.actor, runtime.rules, patient_id, runtime.today())
    return page(
        request,
        "plan.html",
        session,
        status_code=status,
        view=view,
        modalities=list(Modality),
        error=error,
        error_field=error_field,
        error_item=error_item,
        form=form or {},
    )


@router.get("/patients/{patient_id}/plan")
def show_plan(
    request: Request, runtime: RuntimeDep, session: SessionDep, patient_id: int
) -> Response:
    return _plan_page(request, runtime, session, patient_id)


@router.post("/patients/{patient_id}/plan")
def propose(
    request: Request, runtime: RuntimeDep, session: CheckedSessionDep, patient_id: int
) -> Response:
    try:
        with runtime.uow() as uow:
            plans.propose_plan(uow, session.actor, runtime.rules, patient_id, runtime.today())
    except InvalidInput as error:
        return _plan_page(request, runtime, session, patient_id, error=error.message, status=422)
    return RedirectResponse(f"/patients/{patient_id}/plan", status_code=303)


@router.post("/plans/{plan_id}/items/{n}")
def decide(
    request: Request,
    runtime: RuntimeDep,
    session: CheckedSessionDep,
    plan_id: int,
    n: int,
    version: Annotated[int, Form()],
    decision: Annotated[str, Form(max_length=20)],
    chosen_modality: Annotated[str, Form(max_length=60)] = "",
    chosen_sessions: Annotated[str, Form(max_length=10)] = "",
    override_reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    form = {
        "decision": decision,
        "chosen_modality": chosen_modality,
        "chosen_sessions": chosen_sessions,
        "override_reason": override_reason,
    }
    try:
        choice = plans.Decision(
            version=version,
            decision=decision,
            chosen_modality=chosen_modality,
            chosen_sessions=_whole_number(chosen_sessions, "chosen_sessions"),
            override_reason=override_reason,
        )
        with runtime.uow() as uow:
            plan = plans.decide_item(uow, session.actor, plan_id, n - 1, choice)
    except InvalidInput as error:
        return _again(request, runtime, session, plan_id, error.message, error.field, n, form, 422)
    except VersionConflict:
        return _again(request, runtime, session, plan_id, _STALE, "", n, form, 409)
    except Conflict as error:
        return _again(request, runtime, session, plan_id, str(error), "", n, form, 409)
    return RedirectResponse(f"/patients/{plan.patient_id}/plan#item-{n}", status_code=303)


@router.post("/plans/{plan_id}/cosign")
def cosign(
    request: Request,
    runtime: RuntimeDep,
    session: CheckedSessionDep,
    plan_id: int,
    version: Annotated[int, Form()],
) -> Response:
    try:
        with runtime.uow() as uow:
            plan = plans.cosign_plan(uow, session.actor, plan_id, version, dt.datetime.now(dt.UTC))
    except InvalidInput as error:
        return _again(request, runtime, session, plan_id, error.message, "cosign", None, {}, 422)
    except VersionConflict:
        return _again(request, runtime, session, plan_id, _STALE, "cosign", None, {}, 409)
    except Conflict as error:
        return _again(request, runtime, session, plan_id, str(error), "cosign", None, {}, 409)
    return RedirectResponse(f"/patients/{plan.patient_id}/plan", status_code=303)


_STALE = (
    "Someone else changed this plan while you were deciding. Nothing of yours was saved: "
    "the plan below is as it is now - review it and decide again."
)


def _again(
    request: Request,
    runtime: RuntimeDep,
    session: Session,
    plan_id: int,
    message: str,
    field: str,
    item: int | None,
    form: dict[str, str],
    status: int,
) -> Response:
    """The plan page again, as it is now, with the message and what was typed."""
    with runtime.uow() as uow:
        plan = charts.read_record(uow, session.actor, RecordKind.PLAN, plan_id)
    assert isinstance(plan, TreatmentPlan)
    return _plan_page(
        request,
        runtime,
        session,
        plan.patient_id,
        error=message,
        error_field=field,
        error_item=item,
        form=form,
        status=status,
    )


def _whole_number(text: str, field: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInput(field, f"must be a whole number, got {text!r}")
    return int(text)


# --- clinic settings ----------------------------------------------------------------------------


@router.get("/admin/clinic")
def clinic_page(request: Request, runtime: RuntimeDep, session: SessionDep) -> Response:
    with runtime.uow() as uow:
        clinic = clinic_settings.clinic_settings(uow, session.actor)
    saved = request.query_params.get("saved") == "1"
    return page(request, "clinic_settings.html", session, clinic=clinic, saved=saved)


@router.post("/admin/clinic")
def save_clinic(
    runtime: RuntimeDep,
    session: CheckedSessionDep,
    require_cosign: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    with runtime.uow() as uow:
        clinic_settings.set_require_cosign(uow, session.actor, require_cosign == "on")
    return RedirectResponse("/admin/clinic?saved=1", status_code=303)
