"""The clinic's patients: the list, the search, registering a new one."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING

from resurface.domain.codes import Modality
from resurface.domain.corrections import RecordKind, reason_problems
from resurface.domain.errors import InvalidInput
from resurface.domain.journey import Progress, Stage, stage_of
from resurface.domain.people import Patient, name_key, patient_details_problems
from resurface.domain.recovery import modality_healing_days
from resurface.domain.rulebase import RuleBase
from resurface.domain.text import check_text
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.corrections import HistoryEntry, check_reason, history, keep_earlier
from resurface.services.errors import NotFound
from resurface.services.paging import Page, check_page
from resurface.services.ports import ListPlace, SeriesFacts, StageWindow, UnitOfWork
from resurface.services.second_factor import SecretBox

if TYPE_CHECKING:
    from resurface.services.context import Context


LIST_COUNT_AHEAD = 1000
"""How far past the page's first row the list is counted: a clinic of 100,000 reads "more than
1,000 patients" on its first page (40 pages of 25 to follow), not a count of every patient."""

CURSOR_MAX = 4000
"""The longest cursor taken: it seals two name keys of at most 480 characters."""

NOT_THIS_LIST = "is not a place in this list; leave it out to count the pages from the start"


@dataclass(frozen=True)
class PatientQuery:
    text: str = ""
    stage: Stage | None = None
    page: int = 1
    per_page: int = 25
    cursor: str = ""
    """``Page.cursor`` of a page of the same list near ``page``: the page is then found from
    where that one began, reading only the rows between (keyset paging), however deep in the
    list. Without it (a number typed or bookmarked, or a cursor too far from ``page``), a page
    of the whole list is found from the nearest of the list's marks before it, a few hundred
    rows at most (``storage.repositories.patients.MARK_STEP``); a page of a search or of a
    stage is still counted from the start of its list."""


@dataclass(frozen=True)
class PatientSummary:
    """A row of the patient list. The front desk gets no clinical facts: ``stage`` is None and
    the session counts are zero (minimum necessary)."""

    patient: Patient
    stage: Stage | None
    sessions_done: int
    sessions_planned: int
    last_session_on: dt.date | None


def stage_for(facts: SeriesFacts | None, today: dt.date, rules: RuleBase) -> Stage:
    """Where the patient stands on ``today``; recovery lasts the last modality's healing days."""
    facts = facts or SeriesFacts(0, 0, None, None)
    progress = Progress(
        has_accepted_plan=facts.sessions_planned > 0,
        sessions_planned=facts.sessions_planned,
        sessions_done=facts.sessions_done,
        last_session_on=facts.last_session_on,
        recovery_days=modality_healing_days(rules, facts.last_modality),
    )
    return stage_of(progress, today)


def stage_window(today: dt.date, rules: RuleBase) -> StageWindow:
    """What the storage needs to find patients at a stage on ``today`` (see ``stage_for``)."""
    healing = {m: modality_healing_days(rules, m) for m in Modality if m in rules.planning.profiles}
    return StageWindow(today, healing)


def list_patients(ctx: Context, actor: Actor, query: PatientQuery) -> Page[PatientSummary]:
    """One page of the clinic's patients; the storage finds, counts and pages them (by name,
    stage and search words) so the work follows the page, not the size of the clinic: the
    count stops ``LIST_COUNT_AHEAD`` past the page's first row (``Page.more``)."""
    require(actor, Permission.VIEW_PATIENT_LIST)
    if len(query.text) > 100:
        raise InvalidInput("q", "search text is longer than 100 characters")
    check_text(one_line={"q": query.text})
    check_page(query.page, query.per_page)
    clinical = actor.may(Permission.VIEW_CHART)
    if query.stage is not None:
        require(actor, Permission.VIEW_CHART)  # a stage is a clinical fact
    today = ctx.clock.today()
    start, place = _place(ctx, actor, query)
    with ctx.uow() as uow:
        counted_most = place.skip + LIST_COUNT_AHEAD
        rows, counted = uow.patients.listing(
            actor.clinic_id,
            query.text,
            query.stage,
            stage_window(today, ctx.rules),
            place,
            query.per_page,
            count_most=counted_most + 1,
        )
        summaries = tuple(
            _summary(row.patient, stage_for(row.series, today, ctx.rules), row.series)
            if clinical
            else PatientSummary(_contact(row.patient), None, 0, 0, None)
            for row in rows
        )
        detail = f"q={query.text!r} stage={query.stage or 'any'} page={query.page}"
        at = ctx.clock.now()
        audit.record(uow, actor, "patient_list", "patient", "*", detail=detail, at=at)
        uow.commit()
        more = counted > counted_most
        total = start + min(counted, counted_most)
        cursor = _cursor(ctx, actor, query, rows[0].patient) if rows else ""
        reach = LIST_COUNT_AHEAD // query.per_page
        return Page(summaries, total, query.page, query.per_page, more, cursor, reach)


# The cursor: where a page of a list began, sealed with the server's key (the names in it stay
# out of addresses and logs; an altered one is refused), with the list it belongs to.


@cache
def _box(secret: str) -> SecretBox:
    return SecretBox(secret, purpose="patient-list-cursor")


def _list_of(actor: Actor, query: PatientQuery) -> list[object]:
    stage = query.stage.value if query.stage else ""
    return [actor.clinic_id, query.text, stage, query.per_page]


def _cursor(ctx: Context, actor: Actor, query: PatientQuery, first: Patient) -> str:
    """``Page.cursor``: this list, this page's number and the key of its first row."""
    key = [name_key(first.family_name), name_key(first.given_name), first.id]
    return _box(ctx.links.secret).seal(json.dumps([*_list_of(actor, query), query.page, *key]))


def _place(ctx: Context, actor: Actor, query: PatientQuery) -> tuple[int, ListPlace]:
    """Where the page begins, and how many rows of the list come before that place: from the
    cursor's page when it is near enough (within the rows a page counts ahead), else counted
    from the start of the list. InvalidInput for a cursor altered or of another list (another
    clinic's: it shows nothing of that clinic)."""
    from_start = 0, ListPlace((query.page - 1) * query.per_page)
    if not query.cursor:
        return from_start
    opened = _box(ctx.links.secret).open(query.cursor)
    try:
        values = json.loads(opened) if opened is not None else None
    except ValueError:
        values = None
    if not isinstance(values, list) or len(values) != 8 or values[:4] != _list_of(actor, query):
        raise InvalidInput("cursor", NOT_THIS_LIST)
    page, family, given, patient_id = values[4:]
    if not (isinstance(page, int) and isinstance(patient_id, int)):
        raise InvalidInput("cursor", NOT_THIS_LIST)
    skip = (query.page - page) * query.per_page
    if abs(skip) > LIST_COUNT_AHEAD:
        return from_start
    before = (page - 1) * query.per_page
    return before, ListPlace(skip, (str(family), str(given), patient_id), before)


def _contact(patient: Patient) -> Patient:
    """The patient as the front desk sees them: no skin type."""
    return replace(patient, fitzpatrick_type=None)


def _summary(patient: Patient, stage: Stage, series: SeriesFacts | None) -> PatientSummary:
    return PatientSummary(
        patient,
        stage,
        series.sessions_done if series else 0,
        series.sessions_planned if series else 0,
        series.last_session_on if series else None,
    )


def find_patient(uow: UnitOfWork, actor: Actor, patient_id: int) -> Patient:
    """The patient, if in the actor's clinic; another clinic's patient is simply not found.

    Inside the caller's unit of work; it audits nothing (see ``find_patient_audited``)."""
    patient = uow.patients.get(actor.clinic_id, patient_id)
    if patient is None:
        raise NotFound("patient", patient_id)
    return patient


def find_patient_audited(uow: UnitOfWork, actor: Actor, patient_id: int) -> Patient:
    """The patient whose record is being opened, inside the caller's unit of work.

    A patient not found (or another clinic's) is audited as ``read_not_found`` and that event is
    committed before NotFound is raised, so probing for records leaves a trace even though the
    caller's transaction goes no further."""
    patient = uow.patients.get(actor.clinic_id, patient_id)
    if patient is None:
        audit.record(uow, actor, "read_not_found", "patient", patient_id)
        uow.commit()
        raise NotFound("patient", patient_id)
    return patient


@dataclass(frozen=True)
class PatientDetails:
    """The patient's details as the front desk sees them, with their history of corrections."""

    patient: Patient
    history: tuple[HistoryEntry, ...]


def patient_details(ctx: Context, actor: Actor, patient_id: int) -> PatientDetails:
    """Contact details and demographics: what the front desk keeps right. Audited."""
    require(actor, Permission.EDIT_PATIENT_DETAILS)
    with ctx.uow() as uow:
        patient = find_patient_audited(uow, actor, patient_id)
        found = history(uow, actor, RecordKind.PATIENT, patient.id)
        audit.record(uow, actor, "read_details", "patient", patient.id, patient_id=patient.id)
        uow.commit()
        return PatientDetails(patient, found)


def amend_details(
    ctx: Context, actor: Actor, patient_id: int, version: int, details: Patient, reason: str
) -> Patient:
    """Correct the patient's name, date of birth, sex, phone or e-mail; the earlier version is
    kept with the reason. ``version`` is the one the corrector saw."""
    require(actor, Permission.EDIT_PATIENT_DETAILS)
    problems = patient_details_problems(details, ctx.clock.today()) + reason_problems(reason)
    if problems:
        raise InvalidInput.of(problems)
    with ctx.uow() as uow:
        patient = find_patient_audited(uow, actor, patient_id)
        check_reason(reason, version, patient, "patient")
        amended = replace(
            patient,
            given_name=details.given_name.strip(),
            family_name=details.family_name.strip(),
            date_of_birth=details.date_of_birth,
            sex=details.sex,
            phone=details.phone.strip(),
            email=details.email.strip(),
        )
        if _described(amended) == _described(patient):
            raise InvalidInput("reason", "nothing was changed")
        saved = uow.patients.update(amended)
        described = (_described(patient), _described(saved))
        keep_earlier(uow, actor, RecordKind.PATIENT, patient, described, reason)
        uow.commit()
        return saved


def _described(patient: Patient) -> dict[str, str]:
    return {
        "Given name": patient.given_name,
        "Family name": patient.family_name,
        "Date of birth": patient.date_of_birth.strftime("%d %b %Y"),
        "Sex": patient.sex.value,
        "Phone": patient.phone,
        "E-mail": patient.email,
    }


def register_patient(ctx: Context, actor: Actor, patient: Patient) -> Patient:
    with ctx.uow() as uow:
        saved = add_patient(uow, ctx, actor, patient)
        uow.commit()
        return saved


def add_patient(uow: UnitOfWork, ctx: Context, actor: Actor, patient: Patient) -> Patient:
    """Check and add a patient to the actor's clinic, audited, inside the caller's unit of work
    (registration with a consultation adds both in one transaction); the caller commits."""
    require(actor, Permission.REGISTER_PATIENT)
    problems = patient_details_problems(patient, ctx.clock.today())
    if problems:
        raise InvalidInput.of(problems)
    saved = uow.patients.add(
        Patient(
            id=0,
            clinic_id=actor.clinic_id,
            given_name=patient.given_name.strip(),
            family_name=patient.family_name.strip(),
            date_of_birth=patient.date_of_birth,
            sex=patient.sex,
            phone=patient.phone.strip(),
            email=patient.email.strip(),
            fitzpatrick_type=patient.fitzpatrick_type,
        )
    )
    at = ctx.clock.now()
    audit.record(uow, actor, "create", "patient", saved.id, patient_id=saved.id, at=at)
    return saved
