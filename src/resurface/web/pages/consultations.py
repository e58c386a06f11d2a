"""Pages: register a new patient with the first consultation, record a consultation, and its
result (the consent is signed on the patient's consent page).

A rejected form is shown again with everything the user typed and the message next to the field.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from resurface.domain.chart import Consultation
from resurface.domain.codes import Area, Concern, FitzpatrickType, ScreeningAction, Severity
from resurface.domain.corrections import RecordKind
from resurface.domain.errors import InvalidInput, VersionConflict
from resurface.domain.intake import Goal, MedicalHistory
from resurface.domain.people import Patient, Sex
from resurface.services import charts, consultations
from resurface.services.access import Permission, require
from resurface.services.consultations import FITZPATRICK_ITEMS, HISTORY_QUESTIONS, Intake
from resurface.services.context import Context
from resurface.web.deps import CheckedSessionDep, ContextDep, Session, SessionDep
from resurface.web.pages.render import page

router = APIRouter()

GOAL_ROWS = 4
MAX_GOAL_ROWS = 20
_GOAL_FIELD = re.compile(r"^goal-(\d+)-(concern|area|severity)$")
ISOTRETINOIN = "isotretinoin_months_since_last_dose"


@dataclass
class Parsed:
    """What a submitted form said, and what was wrong with it (field -> message)."""

    errors: dict[str, str] = field(default_factory=dict)
    patient: Patient | None = None
    intake: Intake | None = None


@router.get("/patients/new")
def new_patient(request: Request, ctx: ContextDep, session: SessionDep) -> Response:
    _may_register(session)
    return _form(request, ctx, session, "patient_new.html", {})


@router.post("/patients/new")
async def register(request: Request, ctx: ContextDep, session: CheckedSessionDep) -> Response:
    _may_register(session)
    form = await request.form()
    with_intake = session.actor.may(Permission.WRITE_CHART)
    parsed = parse_patient(form)
    if with_intake:
        parsed.intake = _parse_intake(form, parsed.errors, _items(ctx))
    if parsed.errors or parsed.patient is None:
        return _form(request, ctx, session, "patient_new.html", {}, form, parsed.errors)
    try:
        patient, view = consultations.register_with_consultation(
            ctx,
            session.actor,
            parsed.patient,
            parsed.intake,
            request_key=str(form.get("request_key") or "")[:100],
        )
    except InvalidInput as error:
        errors = error.by_field()
        return _form(request, ctx, session, "patient_new.html", {}, form, errors)
    if view is None:  # registered by the front desk: back to the list, showing the patient
        return RedirectResponse(f"/patients?q={quote(patient.family_name)}", status_code=303)
    return RedirectResponse(f"/consultations/{view.consultation.id}", status_code=303)


@router.get("/patients/{patient_id}/consultations/new")
def new_consultation(
    request: Request, ctx: ContextDep, session: SessionDep, patient_id: int
) -> Response:
    patient = _writable_patient(ctx, session, patient_id)
    context = {"patient": patient}
    return _form(request, ctx, session, "consultation_new.html", context)


@router.post("/patients/{patient_id}/consultations/new")
async def record(
    request: Request, ctx: ContextDep, session: CheckedSessionDep, patient_id: int
) -> Response:
    patient = _writable_patient(ctx, session, patient_id)
    form = await request.form()
    errors: dict[str, str] = {}
    intake = _parse_intake(form, errors, _items(ctx))
    context = {"patient": patient}
    if errors or intake is None:
        return _form(request, ctx, session, "consultation_new.html", context, form, errors)
    try:
        view = consultations.record_consultation(ctx, session.actor, patient_id, intake)
    except InvalidInput as error:
        errors = error.by_field()
        return _form(request, ctx, session, "consultation_new.html", context, form, errors)
    return RedirectResponse(f"/consultations/{view.consultation.id}", status_code=303)


@router.get("/consultations/{consultation_id}")
def consultation(
    request: Request, ctx: ContextDep, session: SessionDep, consultation_id: int
) -> Response:
    view = consultations.read_consultation(ctx, session.actor, consultation_id)
    return page(
        request,
        "consultation_view.html",
        session,
        view=view,
        printed_on=ctx.clock.today(),
        ScreeningAction=ScreeningAction,
        corrected=request.query_params.get("corrected") == "1",
    )


@router.get("/consultations/{consultation_id}/amend")
def correct_consultation(
    request: Request, ctx: ContextDep, session: SessionDep, consultation_id: int
) -> Response:
    require(session.actor, Permission.WRITE_CHART)
    view = consultations.read_consultation(ctx, session.actor, consultation_id)
    context = {"patient": view.patient, "consultation_id": consultation_id}
    values = saved_values(view.consultation)
    return _form(request, ctx, session, "consultation_amend.html", context, values=values)


@router.post("/consultations/{consultation_id}/amend")
async def amend(
    request: Request, ctx: ContextDep, session: CheckedSessionDep, consultation_id: int
) -> Response:
    require(session.actor, Permission.WRITE_CHART)
    form = await request.form()
    errors: dict[str, str] = {}
    intake = _parse_intake(form, errors, _items(ctx))
    version = int(v) if isinstance(v := form.get("version"), str) and v.isdigit() else 0
    reason = form.get("reason")
    view = consultations.read_consultation(ctx, session.actor, consultation_id)
    context = {"patient": view.patient, "consultation_id": consultation_id}
    template = "consultation_amend.html"
    if not errors and intake is not None:
        try:
            consultations.amend_consultation(
                ctx, session.actor, consultation_id, version, intake, str(reason or "")
            )
        except InvalidInput as error:
            errors = error.by_field()
        except VersionConflict as conflict:
            errors = {"version": f"{conflict} Below is the consultation as it is now."}
            values = saved_values(view.consultation)
            return _form(request, ctx, session, template, context, errors=errors, values=values)
        else:
            return RedirectResponse(
                f"/consultations/{consultation_id}?corrected=1", status_code=303
            )
    return _form(request, ctx, session, template, context, form, errors)


def saved_values(consultation: Consultation) -> dict[str, str]:
    """A saved consultation as the consultation form's fields start."""
    values = {
        "held_on": consultation.held_on.isoformat(),
        "notes": consultation.notes,
        "version": str(consultation.version),
    }
    if consultation.fitzpatrick_answers is None:
        values["fitzpatrick_type"] = consultation.fitzpatrick_type.value
    for i, goal in enumerate(consultation.goals):
        values |= {
            f"goal-{i}-concern": goal.concern.value,
            f"goal-{i}-area": goal.area.value,
            f"goal-{i}-severity": goal.severity.value,
        }
    for name in MedicalHistory.question_names():
        answer = getattr(consultation.history, name)
        if isinstance(answer, bool):
            values[name] = "yes" if answer else ""
        elif answer is not None:
            values[name] = f"{answer:g}"
    for number, answer in enumerate(consultation.fitzpatrick_answers or (), start=1):
        values[f"fitz-{number}"] = str(answer)
    return values


# -- helpers -------------------------------------------------------------------------------------


def _may_register(session: Session) -> None:
    require(session.actor, Permission.REGISTER_PATIENT)


def _writable_patient(ctx: Context, session: Session, patient_id: int) -> Patient:
    """The patient (clinic-scoped, audited read), for a user who may write the chart."""
    require(session.actor, Permission.WRITE_CHART)
    record = charts.read_chart_record(ctx, session.actor, RecordKind.PATIENT, patient_id)
    assert isinstance(record, Patient)
    return record


def _form(
    request: Request,
    ctx: Context,
    session: Session,
    template: str,
    context: dict[str, Any],
    form: FormData | None = None,
    errors: dict[str, str] | None = None,
    *,
    values: dict[str, str] | None = None,
) -> Response:
    """The form with what was typed (``form``), or else the ``values`` it starts with."""
    if form is not None:
        values = {key: str(value) for key, value in form.multi_items()}
    values = dict(values or {})
    # A double click on "Save" sends the form twice under one key: one patient is registered.
    values.setdefault("request_key", secrets.token_urlsafe(16))
    typed_goals = (
        len(_goal_indexes(form)) if form else sum(1 for k in values if k.endswith("-concern"))
    )
    rows = max(GOAL_ROWS, typed_goals + 1)
    questionnaire = ctx.rules.scales.fitzpatrick
    answers = list(range(questionnaire.answer_min, questionnaire.answer_max + 1))
    items = []
    for number in range(1, questionnaire.items + 1):
        item = FITZPATRICK_ITEMS[number - 1] if number <= len(FITZPATRICK_ITEMS) else None
        words = item.answers if item and len(item.answers) == len(answers) else None
        items.append(
            {
                "number": number,
                "group": item.group if item else "",
                "question": item.question if item else f"Question {number}",
                "options": [(a, words[i] if words else str(a)) for i, a in enumerate(answers)],
            }
        )
    return page(
        request,
        template,
        session,
        status_code=(409 if "version" in errors else 422) if errors else 200,
        values=values,
        errors=errors or {},
        goal_rows=min(rows, MAX_GOAL_ROWS),
        concerns=list(Concern),
        areas=list(Area),
        severities=list(Severity),
        sexes=list(Sex),
        skin_types=list(FitzpatrickType),
        skin_type_bands={t.code: t.description for t in questionnaire.types},
        fitzpatrick_items=items,
        history_questions=HISTORY_QUESTIONS,
        isotretinoin=ISOTRETINOIN,
        with_intake=session.actor.may(Permission.WRITE_CHART),
        today=ctx.clock.today(),
        **context,
    )


def _items(ctx: Context) -> int:
    return ctx.rules.scales.fitzpatrick.items


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def parse_patient(form: FormData) -> Parsed:
    parsed = Parsed()
    given, family = _text(form, "given_name"), _text(form, "family_name")
    for name, value in (("given_name", given), ("family_name", family)):
        if not value:
            parsed.errors[name] = "is required"
        elif len(value) > 100:
            parsed.errors[name] = "is longer than 100 characters"
    born = _date(form, "date_of_birth", parsed.errors, required=True)
    try:
        sex = Sex(_text(form, "sex") or Sex.UNKNOWN.value)
    except ValueError:
        parsed.errors["sex"] = "choose one of the listed options"
        sex = Sex.UNKNOWN
    email = _text(form, "email")
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        parsed.errors["email"] = "is not an e-mail address"
    if not parsed.errors and born is not None:
        parsed.patient = Patient(0, 0, given, family, born, sex, _text(form, "phone"), email)
    return parsed


def _date(form: FormData, name: str, errors: dict[str, str], *, required: bool) -> dt.date | None:
    text = _text(form, name)
    if not text:
        if required:
            errors[name] = "is required"
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = "is not a date (year-month-day)"
        return None


def _goal_indexes(form: FormData | None) -> list[int]:
    if form is None:
        return []
    found = {int(m.group(1)) for key in form if (m := _GOAL_FIELD.match(key))}
    return sorted(i for i in found if i < MAX_GOAL_ROWS)


def _parse_intake(form: FormData, errors: dict[str, str], items: int) -> Intake | None:
    goals = _parse_goals(form, errors)
    history = _parse_history(form, errors)
    answers = _parse_answers(form, errors, items)
    skin_type: FitzpatrickType | None = None
    if chosen := _text(form, "fitzpatrick_type"):
        try:
            skin_type = FitzpatrickType(chosen)
        except ValueError:
            errors["fitzpatrick_type"] = "choose one of the listed types"
    held_on = _date(form, "held_on", errors, required=False)
    notes = _text(form, "notes")
    if len(notes) > consultations.MAX_NOTES:
        errors["notes"] = f"is longer than {consultations.MAX_NOTES} characters"
    if errors:
        return None
    return Intake(tuple(goals), history, answers, skin_type, held_on, notes)


def _parse_goals(form: FormData, errors: dict[str, str]) -> list[Goal]:
    goals = []
    for index in _goal_indexes(form):
        parts = {p: _text(form, f"goal-{index}-{p}") for p in ("concern", "area", "severity")}
        if not any(parts.values()):
            continue
        missing = [p for p, v in parts.items() if not v]
        if missing:
            errors[f"goal-{index}"] = f"choose the {' and the '.join(missing)} too"
            continue
        try:
            goals.append(
                Goal(Concern(parts["concern"]), Area(parts["area"]), Severity(parts["severity"]))
            )
        except ValueError:
            errors[f"goal-{index}"] = "choose from the lists"
    if not goals and not any(k.startswith("goal-") for k in errors):
        errors["goals"] = "choose at least one goal (concern, area and severity)"
    return goals


def _parse_history(form: FormData, errors: dict[str, str]) -> MedicalHistory:
    answers: dict[str, Any] = {
        name: form.get(name) == "yes" for name in MedicalHistory.question_names()
    }
    answers[ISOTRETINOIN] = None
    if text := _text(form, ISOTRETINOIN):
        try:
            months = float(text.replace(",", "."))
        except ValueError:
            errors[ISOTRETINOIN] = "is not a number of months"
        else:
            if not 0 <= months <= 1200:
                errors[ISOTRETINOIN] = "must be a number of months from 0 to 1200"
            answers[ISOTRETINOIN] = months
    return MedicalHistory(**answers)


def _parse_answers(form: FormData, errors: dict[str, str], items: int) -> tuple[int, ...] | None:
    given = {}
    for key in form:
        if (m := re.fullmatch(r"fitz-(\d+)", key)) and _text(form, key):
            given[int(m.group(1))] = _text(form, key)
    if not given:
        return None
    missing = [n for n in range(1, items + 1) if n not in given]
    answers = []
    for number, text in sorted(given.items()):
        try:
            answers.append(int(text))
        except ValueError:
            errors[f"fitzpatrick_answers item {number}"] = "choose an answer from the list"
    for number in missing:
        errors[f"fitzpatrick_answers item {number}"] = "answer this question too"
    return tuple(answers)
