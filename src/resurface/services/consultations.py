"""The first visit: register a patient, record a consultation, screen it, and read it back as a
consent form.

Screening and the pre-treatment steps come from the clinical engine (``domain.planning``) and the
clinic's rule base; the Fitzpatrick total and cut-offs come from ``protocols/scales.yaml``. The
questionnaire wording below is presentation only: it carries no clinical number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from resurface.domain.chart import Consultation, ScreeningFinding
from resurface.domain.codes import FitzpatrickType, Modality, ScreeningAction
from resurface.domain.corrections import RecordKind, reason_problems
from resurface.domain.dates import record_date_problem
from resurface.domain.errors import InvalidInput
from resurface.domain.intake import Goal, MedicalHistory
from resurface.domain.people import Clinic, Patient, patient_details_problems
from resurface.domain.planning import PatientFacts, PreTreatmentStep, propose_treatment
from resurface.domain.rulebase import RuleBase
from resurface.domain.scales import fitzpatrick_type_from_answers
from resurface.domain.text import check_text
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.corrections import HistoryEntry, check_reason, history, keep_earlier
from resurface.services.errors import NotFound
from resurface.services.patients import add_patient, find_patient, find_patient_audited
from resurface.services.ports import UnitOfWork
from resurface.services.request_keys import checked_key, scope

if TYPE_CHECKING:
    from resurface.services.context import Context

__all__ = [
    "FITZPATRICK_ITEMS",
    "HISTORY_QUESTIONS",
    "ConsultationView",
    "FitzpatrickItem",
    "Intake",
    "amend_consultation",
    "read_consultation",
    "record_consultation",
    "register_with_consultation",
]

MAX_NOTES = 4000


@dataclass(frozen=True)
class FitzpatrickItem:
    """One questionnaire item: the question and the meaning of each answer, lowest first."""

    group: str
    question: str
    answers: tuple[str, ...]


# The usual wording of the Fitzpatrick self-assessment (genetic disposition, reaction to sun,
# tanning habits). Scores and cut-offs are not here: they are the rule base's.
FITZPATRICK_ITEMS: tuple[FitzpatrickItem, ...] = (
    FitzpatrickItem(
        "Your natural colouring",
        "What colour are your eyes?",
        (
            "light blue, grey or green",
            "blue, grey or green",
            "blue",
            "dark brown",
            "brownish black",
        ),
    ),
    FitzpatrickItem(
        "Your natural colouring",
        "What is the natural colour of your hair?",
        ("sandy red", "blond", "chestnut or dark blond", "dark brown", "black"),
    ),
    FitzpatrickItem(
        "Your natural colouring",
        "What colour is your skin where the sun does not reach it?",
        ("reddish", "very pale", "pale with a beige tint", "light brown", "dark brown"),
    ),
    FitzpatrickItem(
        "Your natural colouring",
        "Do you have freckles where the sun does not reach?",
        ("many", "several", "a few", "hardly any", "none"),
    ),
    FitzpatrickItem(
        "How your skin reacts to the sun",
        "What happens when you stay in the sun too long?",
        (
            "painful redness, blistering, peeling",
            "blistering, then peeling",
            "burns, sometimes peeling",
            "rarely burns",
            "never burns",
        ),
    ),
    FitzpatrickItem(
        "How your skin reacts to the sun",
        "How brown do you get?",
        (
            "hardly or not at all",
            "a light tan",
            "a reasonable tan",
            "a deep tan",
            "very deep brown",
        ),
    ),
    FitzpatrickItem(
        "How your skin reacts to the sun",
        "Do you turn brown within a few hours in the sun?",
        ("never", "seldom", "sometimes", "often", "always"),
    ),
    FitzpatrickItem(
        "How your skin reacts to the sun",
        "How does your face react to the sun?",
        ("very sensitive", "sensitive", "normal", "very resistant", "never had a problem"),
    ),
    FitzpatrickItem(
        "Your time in the sun",
        "When did you last expose your body to the sun, a sunbed or tanning cream?",
        (
            "more than 3 months ago",
            "2 to 3 months ago",
            "1 to 2 months ago",
            "less than a month ago",
            "less than 2 weeks ago",
        ),
    ),
    FitzpatrickItem(
        "Your time in the sun",
        "Do you expose the area to be treated to the sun?",
        ("never", "hardly ever", "sometimes", "often", "always"),
    ),
)

#: The medical-history questionnaire in plain words, one question per ``MedicalHistory`` field.
HISTORY_QUESTIONS: dict[str, str] = {
    "pregnant": "Are you pregnant, or could you be?",
    "active_infection": "Is there an infection, cold sore or open wound in the area now?",
    "isotretinoin_months_since_last_dose": (
        "If you have ever taken isotretinoin (Roaccutane, Accutane) for acne: "
        "how many months ago was the last dose?"
    ),
    "hsv_history": "Have you ever had cold sores (herpes simplex)?",
    "keloid_history": "Have you ever had raised, thick scars (keloids) after a cut or surgery?",
    "photosensitizing_drugs": (
        "Are you taking medicine that makes skin sensitive to light "
        "(for example doxycycline, St John's wort)?"
    ),
    "radiation_to_area": "Has the area ever had radiotherapy?",
    "vitiligo": "Do you have vitiligo (white patches of skin)?",
    "recent_tan": "Have you had a suntan, sunbed or self-tan in the last 4 weeks?",
    "immunosuppressed": (
        "Do you take medicine that lowers your immunity, or have an immune illness?"
    ),
}


@dataclass(frozen=True)
class Intake:
    """What the therapist enters at consultation. Give the questionnaire answers or a type."""

    goals: tuple[Goal, ...]
    history: MedicalHistory = field(default_factory=MedicalHistory)
    fitzpatrick_answers: tuple[int, ...] | None = None
    fitzpatrick_type: FitzpatrickType | None = None
    held_on: dt.date | None = None
    notes: str = ""


@dataclass(frozen=True)
class ConsultationView:
    """A consultation as the clinician and the consent form show it."""

    consultation: Consultation
    patient: Patient
    clinic: Clinic
    clinician_name: str
    pre_treatment: tuple[PreTreatmentStep, ...]
    fitzpatrick_score: int | None
    history: tuple[HistoryEntry, ...] = ()
    """The consultation's earlier versions, newest first."""

    def findings(self, action: ScreeningAction) -> tuple[ScreeningFinding, ...]:
        return tuple(f for f in self.consultation.findings if f.action is action)

    @property
    def deferred(self) -> tuple[ScreeningFinding, ...]:
        return self.findings(ScreeningAction.DEFER)

    @property
    def avoided(self) -> tuple[ScreeningFinding, ...]:
        return self.findings(ScreeningAction.AVOID_MODALITY)

    @property
    def precautions(self) -> tuple[ScreeningFinding, ...]:
        return self.findings(ScreeningAction.PRECAUTION)


def register_with_consultation(
    ctx: Context,
    actor: Actor,
    patient: Patient,
    intake: Intake | None,
    *,
    request_key: str = "",
) -> tuple[Patient, ConsultationView | None]:
    """Register a new patient and, if given, record the first consultation.

    Everything is checked before anything is saved, so a refused consultation leaves no
    half-registered patient behind. Staff may register; only chart writers may add the intake.
    A resend under the same ``request_key`` is given the patient the first request registered.
    """
    require(actor, Permission.REGISTER_PATIENT)
    if intake is not None:
        require(actor, Permission.WRITE_CHART)
    key = checked_key(request_key)
    with ctx.uow() as uow:
        keys = scope("patient", "user", actor.user_id)
        earlier = uow.request_keys.claim(keys, key, ctx.clock.now()) if key else None
        if earlier is None:
            return _register(uow, ctx, actor, patient, intake, (keys, key))
    return _registered(ctx, actor, earlier)


def _register(
    uow: UnitOfWork,
    ctx: Context,
    actor: Actor,
    patient: Patient,
    intake: Intake | None,
    request: tuple[str, str],
) -> tuple[Patient, ConsultationView | None]:
    """Check everything, then save the patient (and the consultation); ``request`` is the
    request key's (scope, key), settled on the new patient when a key was given."""
    today = ctx.clock.today()
    _check_new_patient(uow, actor, patient, today)
    decided = None
    if intake is not None:
        probe = replace(patient, clinic_id=actor.clinic_id)
        decided = _decide(ctx.rules, probe, intake, today)
        patient = replace(patient, fitzpatrick_type=decided.consultation.fitzpatrick_type)
    saved = add_patient(uow, ctx, actor, patient)
    if request[1]:
        uow.request_keys.settle(*request, saved.id)
    if decided is None:
        uow.commit()
        return saved, None
    consultation = replace(decided.consultation, patient_id=saved.id)
    consultation = _save(uow, actor, consultation, ctx.clock.now())
    view = _view(uow, actor, saved, consultation, decided.pre_treatment)
    uow.commit()
    return saved, view


def _registered(
    ctx: Context, actor: Actor, patient_id: int
) -> tuple[Patient, ConsultationView | None]:
    """What registering ``patient_id`` answered: the patient, and the first consultation."""
    with ctx.uow() as uow:
        patient = find_patient_audited(uow, actor, patient_id)
        consultations = uow.charts.chart(actor.clinic_id, patient.id).consultations
        uow.commit()
    first = min(consultations, key=lambda c: c.id, default=None)
    return patient, read_consultation(ctx, actor, first.id) if first else None


def record_consultation(
    ctx: Context, actor: Actor, patient_id: int, intake: Intake
) -> ConsultationView:
    """Record a consultation for an existing patient of the clinic and screen it."""
    require(actor, Permission.WRITE_CHART)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        patient = find_patient(uow, actor, patient_id)
        decided = _decide(ctx.rules, patient, intake, ctx.clock.today())
        consultation = _save(uow, actor, decided.consultation, now)
        skin_type = consultation.fitzpatrick_type
        if patient.fitzpatrick_type is not skin_type:
            patient = uow.patients.update(replace(patient, fitzpatrick_type=skin_type))
            audit.record(
                uow,
                actor,
                "update",
                "patient",
                patient.id,
                patient_id=patient.id,
                detail=f"fitzpatrick_type={skin_type.value}",
                at=now,
            )
        view = _view(uow, actor, patient, consultation, decided.pre_treatment)
        uow.commit()
        return view


def amend_consultation(
    ctx: Context, actor: Actor, consultation_id: int, version: int, intake: Intake, reason: str
) -> Consultation:
    """Correct a consultation (goals, history, skin type, date, notes): it is screened again as
    when it was recorded, and the earlier version is kept with the reason. A plan already made
    from it stays as decided; the clinician makes a new one if the correction calls for it."""
    require(actor, Permission.WRITE_CHART)
    problems = reason_problems(reason)
    if problems:
        raise InvalidInput.of(problems)
    with ctx.uow() as uow:
        consultation = uow.charts.consultation(actor.clinic_id, consultation_id)
        if consultation is None or consultation.entered_in_error:
            audit.record(uow, actor, "write_not_found", "consultation", consultation_id)
            uow.commit()
            raise NotFound("consultation", consultation_id)
        patient = find_patient(uow, actor, consultation.patient_id)
        decided = _decide(ctx.rules, patient, intake, ctx.clock.today()).consultation
        check_reason(reason, version, consultation, "consultation")
        amended = replace(
            decided,
            id=consultation.id,
            clinic_id=consultation.clinic_id,
            clinician_id=consultation.clinician_id,
            version=consultation.version,
        )
        described = (described_consultation(consultation), described_consultation(amended))
        if described[0] == described[1]:
            raise InvalidInput("reason", "nothing was changed")
        saved = uow.charts.amend_consultation(amended)
        keep_earlier(uow, actor, RecordKind.CONSULTATION, consultation, described, reason)
        latest = uow.charts.chart(actor.clinic_id, patient.id).consultations[-1]
        if latest.id == saved.id and patient.fitzpatrick_type is not saved.fitzpatrick_type:
            uow.patients.update(replace(patient, fitzpatrick_type=saved.fitzpatrick_type))
        uow.commit()
        return saved


def described_consultation(consultation: Consultation) -> dict[str, str]:
    history = consultation.history
    answered = [
        name.replace("_", " ")
        for name in MedicalHistory.question_names()
        if getattr(history, name) not in (False, None)
    ]
    words = {
        "Date": consultation.held_on.strftime("%d %b %Y"),
        "Goals": "; ".join(
            f"{g.concern.replace('_', ' ')}, {g.area.label} ({g.severity})"
            for g in consultation.goals
        ),
        "History": ", ".join(answered) or "nothing of note",
        "Skin type": consultation.fitzpatrick_type.value,
        "Screening": "eligible" if consultation.eligible else "deferred",
        "Notes": consultation.notes,
    }
    if history.isotretinoin_months_since_last_dose is not None:
        months = history.isotretinoin_months_since_last_dose
        words["History"] += f" (isotretinoin {months:g} months ago)"
    return words


def read_consultation(ctx: Context, actor: Actor, consultation_id: int) -> ConsultationView:
    """One consultation with what its result page and consent form need. Audited."""
    require(actor, Permission.VIEW_CHART)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        consultation = uow.charts.consultation(actor.clinic_id, consultation_id)
        patient = (
            uow.patients.get(actor.clinic_id, consultation.patient_id) if consultation else None
        )
        clinic = uow.clinics.get(actor.clinic_id)
        if consultation is None or patient is None or clinic is None:
            audit.record(uow, actor, "read_not_found", "consultation", consultation_id, at=now)
            uow.commit()
            raise NotFound("consultation", consultation_id)
        clinician = uow.users.get(actor.clinic_id, consultation.clinician_id)
        found = history(uow, actor, RecordKind.CONSULTATION, consultation.id)
        audit.record(
            uow, actor, "read", "consultation", consultation.id, patient_id=patient.id, at=now
        )
        uow.commit()
    proposal = propose_treatment(
        ctx.rules,
        PatientFacts(
            patient.age_on(consultation.held_on),
            patient.sex.value,
            consultation.fitzpatrick_type,
        ),
        consultation.history,
        consultation.goals,
    )
    return ConsultationView(
        consultation=consultation,
        patient=patient,
        clinic=clinic,
        clinician_name=clinician.display_name if clinician else "",
        pre_treatment=proposal.pre_treatment,
        fitzpatrick_score=_score(consultation),
        history=found,
    )


def _view(
    uow: UnitOfWork,
    actor: Actor,
    patient: Patient,
    consultation: Consultation,
    pre_treatment: tuple[PreTreatmentStep, ...],
) -> ConsultationView:
    clinic = uow.clinics.get(actor.clinic_id)
    if clinic is None:  # the actor's own clinic: only missing if deleted mid-request
        raise NotFound("clinic", actor.clinic_id)
    return ConsultationView(
        consultation, patient, clinic, actor.name, pre_treatment, _score(consultation)
    )


def _score(consultation: Consultation) -> int | None:
    answers = consultation.fitzpatrick_answers
    return sum(answers) if answers is not None else None


# -- deciding ------------------------------------------------------------------------------------


def _check_new_patient(uow: UnitOfWork, actor: Actor, patient: Patient, today: dt.date) -> None:
    problems = patient_details_problems(patient, today)
    if problems:
        raise InvalidInput.of(problems)
    twin = uow.patients.find(
        actor.clinic_id,
        patient.given_name.strip(),
        patient.family_name.strip(),
        patient.date_of_birth,
    )
    if twin is not None:
        raise InvalidInput(
            "family_name",
            f"a patient with this name and date of birth is already registered (no. {twin.id})",
        )


@dataclass(frozen=True)
class _Decided:
    consultation: Consultation
    pre_treatment: tuple[PreTreatmentStep, ...]


def _decide(rules: RuleBase, patient: Patient, intake: Intake, today: dt.date) -> _Decided:
    """Check the intake and screen it; the result is a consultation ready to save."""
    held_on = intake.held_on or today
    dated = record_date_problem("held_on", held_on, today, patient.date_of_birth)
    if dated is not None:
        raise InvalidInput.of([dated])
    if len(intake.notes) > MAX_NOTES:
        raise InvalidInput("notes", f"is longer than {MAX_NOTES} characters")
    check_text(free_text={"notes": intake.notes})
    _check_goals(intake.goals)
    _check_history(intake.history)
    skin_type, answers = _skin_type(rules, intake)
    proposal = propose_treatment(
        rules,
        PatientFacts(patient.age_on(held_on), patient.sex.value, skin_type),
        intake.history,
        intake.goals,
    )
    findings = tuple(
        ScreeningFinding(
            f.code, f.action, tuple(sorted(f.modalities, key=_modality_order)), f.reason, f.source
        )
        for f in proposal.contraindications
    )
    consultation = Consultation(
        id=0,
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        clinician_id=0,
        held_on=held_on,
        goals=intake.goals,
        history=intake.history,
        fitzpatrick_type=skin_type,
        eligible=proposal.eligible,
        findings=findings,
        fitzpatrick_answers=answers,
        notes=intake.notes.strip(),
    )
    return _Decided(consultation, proposal.pre_treatment)


def _save(uow: UnitOfWork, actor: Actor, decided: Consultation, at: dt.datetime) -> Consultation:
    saved = uow.charts.add_consultation(
        replace(decided, clinic_id=actor.clinic_id, clinician_id=actor.user_id)
    )
    detail = "eligible" if saved.eligible else "deferred"
    codes = ",".join(f.code.value for f in saved.findings)
    audit.record(
        uow,
        actor,
        "create",
        "consultation",
        saved.id,
        patient_id=saved.patient_id,
        detail=f"{detail}; findings={codes or 'none'}",
        at=at,
    )
    return saved


def _check_goals(goals: Sequence[Goal]) -> None:
    if not goals:
        raise InvalidInput("goals", "choose at least one goal (concern, area and severity)")
    seen: set[tuple[str, str]] = set()
    for goal in goals:
        key = (goal.concern.value, goal.area.value)
        if key in seen:
            raise InvalidInput(
                "goals",
                f"{goal.concern.value.replace('_', ' ')} on the {goal.area.value.replace('_', ' ')}"
                " is listed twice",
            )
        seen.add(key)


def _check_history(history: MedicalHistory) -> None:
    months = history.isotretinoin_months_since_last_dose
    if months is not None and not 0 <= months <= 1200:
        raise InvalidInput(
            "isotretinoin_months_since_last_dose", "must be a number of months from 0 to 1200"
        )


def _skin_type(rules: RuleBase, intake: Intake) -> tuple[FitzpatrickType, tuple[int, ...] | None]:
    answers = intake.fitzpatrick_answers
    if answers is not None and intake.fitzpatrick_type is not None:
        raise InvalidInput(
            "fitzpatrick_type", "give either the questionnaire answers or the type, not both"
        )
    if answers is not None:
        result = fitzpatrick_type_from_answers(
            rules.scales.fitzpatrick, answers, field="fitzpatrick_answers"
        )
        return result.type, tuple(answers)
    if intake.fitzpatrick_type is None:
        raise InvalidInput(
            "fitzpatrick_type", "answer the skin-type questionnaire or choose the skin type"
        )
    return intake.fitzpatrick_type, None


def _modality_order(modality: Modality) -> int:
    return list(Modality).index(modality)
