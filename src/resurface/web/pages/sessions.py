"""Pages: recording a treatment session (settings per area, carried forward, checked against the
limits) and reading one back with what it scheduled.

Form fields are named like the service's fields (``areas[0].energy_mj``), so a message about a
field lands next to it. A rejected form comes back with everything typed kept.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from resurface.domain.chart import AreaSettings
from resurface.domain.errors import InvalidInput, VersionConflict
from resurface.services import patients, sessions
from resurface.services.sessions import AreaEntry, SessionDraft, SessionEntry
from resurface.web.deps import CheckedSessionDep, ContextDep, Session, SessionDep
from resurface.web.pages.render import page

router = APIRouter()

NUMBERS = (
    "wavelength_nm",
    "energy_mj",
    "fluence_j_cm2",
    "pulse_duration_ms",
    "spot_size_mm",
    "density_pct",
    "passes",
)
WHOLE = frozenset({"wavelength_nm", "passes"})
MAX_AREAS = 20


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


FormDep = Annotated[dict[str, str], Depends(_form)]


@router.get("/patients/{patient_id}/sessions/new")
def new_session(
    request: Request, ctx: ContextDep, session: SessionDep, patient_id: int
) -> Response:
    return _form_page(request, ctx, session, patient_id)


@router.post("/patients/{patient_id}/sessions/new")
def record(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    patient_id: int,
    form: FormDep,
) -> Response:
    errors: dict[str, str] = {}
    entry, positions = _entry(form, errors)
    if errors:
        return _form_page(request, ctx, session, patient_id, form, errors, status=422)
    try:
        recorded = sessions.record_session(ctx, session.actor, patient_id, entry)
    except InvalidInput as rejected:  # every problem at once, beside its field
        for problem in rejected.problems:
            errors.setdefault(_form_field(problem.field, positions), problem.message)
        return _form_page(request, ctx, session, patient_id, form, errors, status=422)
    return RedirectResponse(f"/sessions/{recorded.session.id}?saved=1", status_code=303)


@router.get("/sessions/{session_id}")
def show_session(
    request: Request, ctx: ContextDep, session: SessionDep, session_id: int
) -> Response:
    view = sessions.session_view(ctx, session.actor, session_id)
    saved = request.query_params.get("saved") == "1"
    corrected = request.query_params.get("corrected") == "1"
    return page(request, "session.html", session, view=view, saved=saved, corrected=corrected)


@router.get("/sessions/{session_id}/amend")
def correct_session(
    request: Request, ctx: ContextDep, session: SessionDep, session_id: int
) -> Response:
    return _correction_page(request, ctx, session, session_id)


@router.post("/sessions/{session_id}/amend")
def amend(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    session_id: int,
    form: FormDep,
) -> Response:
    """Save the corrected session with its reason; a refused correction comes back filled in,
    every problem on its field; one made on a version since corrected comes back as it is now."""
    errors: dict[str, str] = {}
    entry, positions = _entry(form, errors)
    version = int(v) if (v := form.get("version", "")).isdigit() else 0
    reason = form.get("reason", "")
    if errors:
        return _correction_page(request, ctx, session, session_id, form, errors, status=422)
    try:
        sessions.amend_session(ctx, session.actor, session_id, version, entry, reason)
    except InvalidInput as rejected:
        for problem in rejected.problems:
            errors.setdefault(_form_field(problem.field, positions), problem.message)
        return _correction_page(request, ctx, session, session_id, form, errors, status=422)
    except VersionConflict as conflict:
        errors["version"] = f"{conflict} Below is the session as it is now."
        return _correction_page(request, ctx, session, session_id, None, errors, status=409)
    return RedirectResponse(f"/sessions/{session_id}?corrected=1", status_code=303)


def _correction_page(
    request: Request,
    ctx: ContextDep,
    session: Session,
    session_id: int,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    draft = sessions.correction_draft(ctx, session.actor, session_id)
    recorded = draft.session
    values = {
        "performed_on": recorded.performed_on.isoformat(),
        "device": recorded.device,
        "notes": recorded.notes,
        "area_count": str(len(draft.areas)),
        "performed_by": str(recorded.clinician_id),
        "version": str(recorded.version),
        "reason": "",
    }
    for index, area in enumerate(draft.areas):
        values |= _area_values(f"areas[{index}]", area.settings, carried=True)
        values[f"areas[{index}].immediate_response"] = area.settings.immediate_response
        values[f"areas[{index}].beyond_limits_reason"] = area.settings.beyond_limits_reason
    if form is not None:
        values |= form
        for index in range(len(draft.areas)):
            values.setdefault(f"areas[{index}].treated", "")
    return page(
        request,
        "session_form.html",
        session,
        status_code=status,
        draft=draft,
        correcting=True,
        values=values,
        errors=errors or {},
        submitted=form is not None,
    )


# --- the form -----------------------------------------------------------------------------------


def _form_page(
    request: Request,
    ctx: ContextDep,
    session: Session,
    patient_id: int,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    try:
        draft = sessions.session_draft(ctx, session.actor, patient_id)
    except InvalidInput as error:
        if error.field not in ("plan", "consultation"):
            raise
        patient = patients.patient_details(ctx, session.actor, patient_id).patient
        return page(
            request,
            "session_blocked.html",
            session,
            patient_id=patient_id,
            patient_name=patient.full_name,
            reason=error.message,
        )
    values = _defaults(draft)
    if form is not None:
        values |= form
        for index in range(len(draft.areas)):
            values.setdefault(f"areas[{index}].treated", "")
    return page(
        request,
        "session_form.html",
        session,
        status_code=status,
        draft=draft,
        values=values,
        errors=errors or {},
        submitted=form is not None,
    )


def _defaults(draft: SessionDraft) -> dict[str, str]:
    values = {
        "performed_on": draft.today.isoformat(),
        "device": draft.device,
        "notes": "",
        "area_count": str(len(draft.areas)),
        # A double click on "Save" sends the form twice under one key: one session is kept.
        "request_key": secrets.token_urlsafe(16),
        "performed_by": str(draft.performed_by),
    }
    for index, area in enumerate(draft.areas):
        carried = area.carried_from is not None
        values |= _area_values(f"areas[{index}]", area.settings, carried=carried)
    return values


def _area_values(prefix: str, settings: AreaSettings, *, carried: bool) -> dict[str, str]:
    """An area's fields as the form starts them; passes only when carried from a session."""
    values = {
        f"{prefix}.treated": "on",
        f"{prefix}.area": settings.area.value,
        f"{prefix}.modality": settings.modality.value,
        f"{prefix}.immediate_response": "",
        f"{prefix}.beyond_limits_reason": "",
    }
    for name in NUMBERS:
        number = getattr(settings, name)
        if name == "passes" and not carried:
            number = None
        values[f"{prefix}.{name}"] = "" if number is None else f"{number:g}"
    return values


def _entry(form: dict[str, str], errors: dict[str, str]) -> tuple[SessionEntry, list[int]]:
    """The typed session; ``positions[k]`` is the form row of the k-th treated area."""
    count = _count(form.get("area_count", "0"))
    areas: list[AreaEntry] = []
    positions: list[int] = []
    for index in range(count):
        prefix = f"areas[{index}]"
        if form.get(f"{prefix}.treated") != "on":
            continue
        n = {name: _number(form, f"{prefix}.{name}", name in WHOLE, errors) for name in NUMBERS}
        areas.append(
            AreaEntry(
                area=form.get(f"{prefix}.area", ""),
                modality=form.get(f"{prefix}.modality", ""),
                wavelength_nm=_whole(n["wavelength_nm"]),
                energy_mj=n["energy_mj"],
                fluence_j_cm2=n["fluence_j_cm2"],
                pulse_duration_ms=n["pulse_duration_ms"],
                spot_size_mm=n["spot_size_mm"],
                density_pct=n["density_pct"],
                passes=_whole(n["passes"]),
                immediate_response=form.get(f"{prefix}.immediate_response", ""),
                beyond_limits_reason=form.get(f"{prefix}.beyond_limits_reason", ""),
            )
        )
        positions.append(index)
    performed_on = dt.date.today()
    try:
        performed_on = dt.date.fromisoformat(form.get("performed_on", ""))
    except ValueError:
        errors["performed_on"] = "give the date as YYYY-MM-DD"
    entry = SessionEntry(
        performed_on,
        form.get("device", ""),
        tuple(areas),
        notes=form.get("notes", ""),
        proceed_reason=form.get("proceed_reason", ""),
        request_key=form.get("request_key", "")[:100],
        performed_by=int(chosen) if (chosen := form.get("performed_by", "")).isdigit() else None,
    )
    return entry, positions


def _count(text: str) -> int:
    return min(int(text), MAX_AREAS) if text.isdigit() else 0


def _number(form: dict[str, str], name: str, whole: bool, errors: dict[str, str]) -> float | None:
    text = form.get(name, "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        errors[name] = f"must be a number, got {text!r}"
        return None
    if not math.isfinite(value):
        errors[name] = "must be a number"
        return None
    if whole and not value.is_integer():
        errors[name] = "must be a whole number"
        return None
    return value


def _whole(value: float | None) -> int | None:
    return None if value is None else int(value)


def _form_field(field: str, positions: list[int]) -> str:
    """The service names the k-th treated area ``areas[k]``; the form names its row."""
    if field.startswith("areas[") and "]" in field:
        index, rest = field[6:].split("]", 1)
        if index.isdigit() and int(index) < len(positions):
            return f"areas[{positions[int(index)]}]{rest}"
    return field
