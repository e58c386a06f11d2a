"""The treatment plan: the engine proposes, the clinician accepts or overrides each item, and the
medical director co-signs when the clinic requires it.

The engine's whole proposal is kept with the plan (``TreatmentPlan.proposal``) beside each
decision, so what was proposed and what was decided can both be shown and audited later. Two
clinicians deciding at once: every write names the plan version it was made on, and a stale
version is refused (``VersionConflict``) instead of silently overwriting the other's decision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from resurface.domain.chart import (
    Consultation,
    ItemDecision,
    PlanItem,
    PlanStatus,
    Span,
    TreatmentPlan,
)
from resurface.domain.codes import Modality
from resurface.domain.corrections import RecordKind, reason_problems
from resurface.domain.errors import InvalidInput, VersionConflict
from resurface.domain.people import Patient
from resurface.domain.planning import (
    PatientFacts,
    Recommendation,
    TreatmentProposal,
    propose_treatment,
)
from resurface.domain.plans import DecidedSession, current_plan, decide, plan_being_decided
from resurface.domain.rulebase import RuleBase
from resurface.domain.rulebase import Span as RuleSpan
from resurface.domain.screening import screen
from resurface.domain.settings_limits import settings_limits
from resurface.domain.text import check_text
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.context import Context
from resurface.services.corrections import HistoryEntry, history, keep_earlier
from resurface.services.errors import Conflict, NotFound
from resurface.services.patients import find_patient_audited
from resurface.services.ports import UnitOfWork

Json = dict[str, Any]

MAX_SESSIONS = 20
"""A sanity bound on a typed session count, not a clinical rule."""
MAX_REASON = 2000


class DecisionKind:
    ACCEPT = "accept"
    OVERRIDE = "override"


@dataclass(frozen=True)
class Decision:
    """The clinician's decision on one item, made on plan ``version``."""

    version: int
    decision: str
    chosen_modality: str = ""
    chosen_sessions: int | None = None
    override_reason: str = ""
    correction_reason: str = ""
    """Why a decision of an accepted plan is corrected (needed only then)."""


@dataclass(frozen=True)
class PlanView:
    """What the plan page shows. ``proposal`` is the stored proposal of ``plan``, or, when there
    is no plan yet, a fresh (unsaved) proposal from the latest consultation."""

    patient: Patient
    consultation: Consultation | None
    plan: TreatmentPlan | None
    proposal: Json | None
    require_cosign: bool
    people: dict[int, str] = field(default_factory=dict)
    """Names of the clinic's users, for "decided by" and "co-signed by"."""
    history: tuple[HistoryEntry, ...] = ()
    """The plan's corrections, newest first."""

    @property
    def schedule(self) -> tuple[DecidedSession, ...] | list[Json]:
        """The saved plan's schedule from its decided items (an override reschedules), or the
        engine's schedule of an unsaved proposal."""
        if self.plan is not None:
            return decide(self.plan).schedule
        return list(self.proposal["schedule"]) if self.proposal else []

    @property
    def preview(self) -> bool:
        return self.plan is None and self.proposal is not None

    @property
    def all_decided(self) -> bool:
        return self.plan is not None and all(
            item.decision is not ItemDecision.PENDING for item in self.plan.items
        )

    @property
    def awaiting_cosign(self) -> bool:
        return (
            self.plan is not None
            and self.plan.status is PlanStatus.PROPOSED
            and self.require_cosign
            and self.all_decided
        )

    @property
    def can_save_proposal(self) -> bool:
        return bool(self.proposal and self.proposal["recommendations"])


# --- reading ------------------------------------------------------------------------------------


def plan_view(ctx: Context, actor: Actor, patient_id: int) -> PlanView:
    """The proposal being decided, else the patient's current plan (``domain.plans``), else a
    fresh proposal from the engine."""
    with ctx.uow() as uow:
        require(actor, Permission.VIEW_CHART)
        patient = find_patient_audited(uow, actor, patient_id)
        chart = uow.charts.chart(actor.clinic_id, patient.id)
        consultation = chart.consultations[-1] if chart.consultations else None
        plan = plan_being_decided(chart.plans) or current_plan(chart.plans)
        proposal: Json | None
        if plan is not None:
            proposal = dict(plan.proposal)
            audit.record(uow, actor, "read", "plan", plan.id, patient_id=patient.id)
        elif consultation is not None:
            proposal = proposal_json(
                ctx.rules,
                consultation,
                _engine(ctx.rules, patient, consultation, ctx.clock.today()),
            )
            audit.record(uow, actor, "plan_preview", "patient", patient.id, patient_id=patient.id)
        else:
            proposal = None
            audit.record(uow, actor, "plan_preview", "patient", patient.id, patient_id=patient.id)
        clinic = uow.clinics.get(actor.clinic_id)
        people = {u.id: u.display_name for u in uow.users.in_clinic(actor.clinic_id)}
        earlier = history(uow, actor, RecordKind.PLAN, plan.id) if plan else ()
        uow.commit()
        require_cosign = clinic.require_cosign if clinic else False
        return PlanView(patient, consultation, plan, proposal, require_cosign, people, earlier)


def proposal_json(rules: RuleBase, consultation: Consultation, proposal: TreatmentProposal) -> Json:
    """The engine's proposal as JSON, with the actual settings limits per recommendation (the
    full-face maxima times the area and precaution factors) and the consultation it came from."""
    data = proposal_to_json(proposal)
    found = screen(
        rules.screening,
        consultation.history,
        consultation.fitzpatrick_type,
        (g.area for g in consultation.goals),
    )
    for entry, recommendation in zip(
        data["recommendations"], proposal.recommendations, strict=True
    ):
        modality, area = recommendation.modality, recommendation.area
        limits = settings_limits(rules.settings, modality, area, found.precautions(modality, area))
        entry["settings_limits"] |= {
            "energy_max": limits.energy_max,
            "energy_unit": limits.energy_unit,
            "density_max_pct": limits.density_max_pct,
            "passes_max": limits.passes_max,
            "sources": list(limits.sources),
        }
    data["consultation_id"] = consultation.id
    data["consultation_on"] = consultation.held_on.isoformat()
    return data


# --- proposing ----------------------------------------------------------------------------------


def propose_plan(ctx: Context, actor: Actor, patient_id: int) -> TreatmentPlan:
    """Run the engine on the latest consultation and save its proposal as a plan to decide on.

    A plan still waiting for decisions is superseded (cancelled); an accepted plan stays in force
    until the new one is accepted.
    """
    with ctx.uow() as uow:
        require(actor, Permission.WRITE_CHART)
        patient = find_patient_audited(uow, actor, patient_id)
        chart = uow.charts.chart(actor.clinic_id, patient.id)
        if not chart.consultations:
            raise InvalidInput("consultation", "record a consultation before proposing a plan")
        consultation = chart.consultations[-1]
        today = ctx.clock.today()
        proposal = _engine(ctx.rules, patient, consultation, today)
        if not proposal.recommendations:
            reasons = " ".join(u.reason for u in proposal.unplanned)
            raise InvalidInput("consultation", f"no goal can be planned. {reasons}".strip())
        for old in chart.plans:
            if old.status is PlanStatus.PROPOSED:
                uow.charts.update_plan(replace(old, status=PlanStatus.CANCELLED))
                audit.record(
                    uow,
                    actor,
                    "cancel",
                    "plan",
                    old.id,
                    patient_id=patient.id,
                    detail="superseded by a new proposal",
                )
        plan = uow.charts.add_plan(
            TreatmentPlan(
                id=0,
                clinic_id=actor.clinic_id,
                patient_id=patient.id,
                clinician_id=actor.user_id,
                created_on=today,
                status=PlanStatus.PROPOSED,
                items=tuple(_item(r) for r in proposal.recommendations),
                rationale=tuple(
                    f"{r.area.value} {r.concern.value}: {line}"
                    for r in proposal.recommendations
                    for line in r.rationale
                ),
                sources=tuple(
                    dict.fromkeys(s for r in proposal.recommendations for s in r.sources)
                ),
                proposal=proposal_json(ctx.rules, consultation, proposal),
            )
        )
        detail = "; ".join(
            f"{i.area.value} {i.concern.value}: {i.proposed_modality.value} x{i.sessions_expected}"
            for i in plan.items
        )
        audit.record(uow, actor, "create", "plan", plan.id, patient_id=patient.id, detail=detail)
        uow.commit()
        return plan


def plan_view_of(ctx: Context, actor: Actor, plan_id: int) -> PlanView:
    """The plan page of the patient whose plan ``plan_id`` is (after a refused decision)."""
    require(actor, Permission.VIEW_CHART)
    with ctx.uow() as uow:
        plan = uow.charts.plan(actor.clinic_id, plan_id)
        if plan is None:
            audit.record(uow, actor, "read_not_found", "plan", plan_id)
            uow.commit()
            raise NotFound("plan", plan_id)
    return plan_view(ctx, actor, plan.patient_id)


# --- deciding -----------------------------------------------------------------------------------


def decide_item(
    ctx: Context, actor: Actor, plan_id: int, position: int, decision: Decision
) -> TreatmentPlan:
    """Accept or override item ``position`` (0-based), on the plan version the clinician saw.

    A decision of the accepted plan is corrected the same way, with ``correction_reason``: the
    plan stays accepted and its earlier version is kept in its history."""
    with ctx.uow() as uow:
        require(actor, Permission.WRITE_CHART)
        plan = _plan(uow, actor, plan_id, decision.version)
        correcting = plan.status is PlanStatus.ACCEPTED
        if not correcting and plan.status is not PlanStatus.PROPOSED:
            raise Conflict(f"the plan is {plan.status.value}; propose a new plan to change it")
        if correcting:
            problems = reason_problems(decision.correction_reason, "correction_reason")
            if problems:
                raise InvalidInput.of(problems)
        if not 0 <= position < len(plan.items):
            raise NotFound("plan item", position + 1)
        item = plan.items[position]
        decided = _decided(item, decision, actor)
        items = (*plan.items[:position], decided, *plan.items[position + 1 :])
        updated = replace(plan, items=items)
        if correcting:
            return _corrected(uow, actor, plan, updated, decision.correction_reason)
        clinic = uow.clinics.get(actor.clinic_id)
        all_decided = all(i.decision is not ItemDecision.PENDING for i in items)
        if all_decided and not (clinic and clinic.require_cosign):
            updated = replace(updated, status=PlanStatus.ACCEPTED)
        saved = uow.charts.update_plan(updated)
        audit.record(
            uow,
            actor,
            decided.decision.value,
            "plan",
            plan.id,
            patient_id=plan.patient_id,
            detail=_decision_detail(position, item, decided),
        )
        if saved.status is PlanStatus.ACCEPTED:
            _accepted(uow, actor, saved)
        uow.commit()
        return saved


def _corrected(
    uow: UnitOfWork, actor: Actor, plan: TreatmentPlan, corrected: TreatmentPlan, reason: str
) -> TreatmentPlan:
    described = (described_plan(plan), described_plan(corrected))
    if described[0] == described[1]:
        raise InvalidInput("correction_reason", "nothing was changed")
    saved = uow.charts.update_plan(corrected)
    keep_earlier(uow, actor, RecordKind.PLAN, plan, described, reason)
    uow.commit()
    return saved


def described_plan(plan: TreatmentPlan) -> dict[str, str]:
    """Each item's decision in words: ``around the mouth, wrinkles: fractional ablative CO2 ×2``."""
    words = {}
    for item in plan.items:
        what = f"{item.area.label}, {item.concern.replace('_', ' ')}"
        decided = f"{item.modality.label}, {item.sessions_planned} sessions"
        if item.decision is ItemDecision.OVERRIDDEN:
            decided += f" (overridden: {item.override_reason})"
        words[what] = decided if item.decision is not ItemDecision.PENDING else "not decided"
    return words


def cosign_plan(ctx: Context, actor: Actor, plan_id: int, version: int) -> TreatmentPlan:
    """The medical director co-signs a plan whose items are all decided; it is then accepted."""
    with ctx.uow() as uow:
        require(actor, Permission.COSIGN_PLAN)
        plan = _plan(uow, actor, plan_id, version)
        if plan.status is PlanStatus.CANCELLED or plan.status is PlanStatus.COMPLETED:
            raise Conflict(f"the plan is {plan.status.value} and cannot be co-signed")
        if plan.cosigned_by is not None:
            raise Conflict("the plan is already co-signed")
        pending = [i for i, item in enumerate(plan.items) if item.decision is ItemDecision.PENDING]
        if pending:
            numbers = ", ".join(str(i + 1) for i in pending)
            raise InvalidInput("items", f"decide every item before co-signing (pending: {numbers})")
        saved = uow.charts.update_plan(
            replace(
                plan,
                status=PlanStatus.ACCEPTED,
                cosigned_by=actor.user_id,
                cosigned_at=ctx.clock.now(),
            )
        )
        audit.record(uow, actor, "cosign", "plan", plan.id, patient_id=plan.patient_id)
        _accepted(uow, actor, saved)
        uow.commit()
        return saved


# --- helpers ------------------------------------------------------------------------------------


def _plan(uow: UnitOfWork, actor: Actor, plan_id: int, version: int) -> TreatmentPlan:
    plan = uow.charts.plan(actor.clinic_id, plan_id)
    if plan is None:
        audit.record(uow, actor, "read_not_found", "plan", plan_id)
        uow.commit()
        raise NotFound("plan", plan_id)
    if plan.version != version:
        raise VersionConflict("treatment plan", plan.id, version, plan.version)
    return plan


def _engine(
    rules: RuleBase, patient: Patient, consultation: Consultation, today: dt.date
) -> TreatmentProposal:
    facts = PatientFacts(patient.age_on(today), patient.sex.value, consultation.fitzpatrick_type)
    return propose_treatment(rules, facts, consultation.history, consultation.goals)


def _item(r: Recommendation) -> PlanItem:
    return PlanItem(
        area=r.area,
        concern=r.concern,
        severity=r.severity,
        proposed_modality=r.modality,
        sessions_min=r.sessions.min,
        sessions_expected=r.sessions.expected,
        sessions_max=r.sessions.max,
        interval_weeks=Span(r.interval_weeks.min, r.interval_weeks.max),
        downtime_days=Span(r.downtime_days.min, r.downtime_days.max),
    )


def _decided(item: PlanItem, decision: Decision, actor: Actor) -> PlanItem:
    if decision.decision == DecisionKind.ACCEPT:
        return replace(
            item,
            decision=ItemDecision.ACCEPTED,
            chosen_modality=None,
            chosen_sessions=None,
            override_reason="",
            decided_by=actor.user_id,
        )
    if decision.decision != DecisionKind.OVERRIDE:
        raise InvalidInput("decision", "must be accept or override")
    modality = _modality(decision.chosen_modality)
    sessions = decision.chosen_sessions
    if sessions is not None and not 1 <= sessions <= MAX_SESSIONS:
        raise InvalidInput("chosen_sessions", f"must be 1 to {MAX_SESSIONS}, got {sessions}")
    changes_modality = modality is not None and modality is not item.proposed_modality
    changes_sessions = sessions is not None and sessions != item.sessions_expected
    if not (changes_modality or changes_sessions):
        raise InvalidInput(
            "chosen_modality",
            "to override, choose another modality or another number of sessions "
            f"(proposed: {item.proposed_modality.value}, {item.sessions_expected} sessions)",
        )
    check_text(free_text={"override_reason": decision.override_reason})
    reason = " ".join(decision.override_reason.split())
    if not reason:
        raise InvalidInput("override_reason", "give the reason for overriding the proposal")
    if len(reason) > MAX_REASON:
        raise InvalidInput("override_reason", f"is longer than {MAX_REASON} characters")
    return replace(
        item,
        decision=ItemDecision.OVERRIDDEN,
        chosen_modality=modality if changes_modality else None,
        chosen_sessions=sessions if changes_sessions else None,
        override_reason=reason,
        decided_by=actor.user_id,
    )


def _modality(value: str) -> Modality | None:
    if not value:
        return None
    try:
        return Modality(value)
    except ValueError:
        choices = ", ".join(m.value for m in Modality)
        raise InvalidInput(
            "chosen_modality", f"unknown modality; choose one of {choices}"
        ) from None


def _decision_detail(position: int, before: PlanItem, after: PlanItem) -> str:
    what = f"item {position + 1} {before.area.value} {before.concern.value}"
    proposed = f"proposed {before.proposed_modality.value} x{before.sessions_expected}"
    if after.decision is ItemDecision.ACCEPTED:
        return f"{what}: accepted ({proposed})"
    return (
        f"{what}: {proposed}; chosen {after.modality.value} x{after.sessions_planned}; "
        f"reason: {after.override_reason}"
    )


def _accepted(uow: UnitOfWork, actor: Actor, plan: TreatmentPlan) -> None:
    """A newly accepted plan replaces the one in force: the older series is completed."""
    for old in uow.charts.chart(actor.clinic_id, plan.patient_id).plans:
        if old.id != plan.id and old.status is PlanStatus.ACCEPTED:
            uow.charts.update_plan(replace(old, status=PlanStatus.COMPLETED))
            audit.record(
                uow,
                actor,
                "complete",
                "plan",
                old.id,
                patient_id=plan.patient_id,
                detail=f"replaced by plan {plan.id}",
            )


# --- the proposal as JSON ---------------------------------------------------------------------


def proposal_to_json(proposal: TreatmentProposal) -> Json:
    """The engine's proposal as plain JSON (kept with the plan, printed by ``resurface plan``)."""
    return {
        "eligible": proposal.eligible,
        "fitzpatrick_type": proposal.skin_type.value,
        "contraindications": [
            {
                "code": f.code.value,
                "action": f.action.value,
                "modalities": sorted(m.value for m in f.modalities),
                "reason": f.reason,
                "source": f.source,
            }
            for f in proposal.contraindications
        ],
        "pre_treatment": [
            {"code": s.code, "detail": s.detail, "source": s.source} for s in proposal.pre_treatment
        ],
        "recommendations": [_recommendation(r) for r in proposal.recommendations],
        "unplanned": [
            {
                "area": u.goal.area.value,
                "concern": u.goal.concern.value,
                "severity": u.goal.severity.value,
                "reason": u.reason,
            }
            for u in proposal.unplanned
        ],
        "schedule": [
            {
                "session": s.session,
                "week": s.week,
                "modality": s.modality.value,
                "areas": [a.value for a in s.areas],
            }
            for s in proposal.schedule
        ],
    }


def _recommendation(r: Recommendation) -> Json:
    return {
        "area": r.area.value,
        "concern": r.concern.value,
        "severity": r.severity.value,
        "modality": r.modality.value,
        "sessions": {"min": r.sessions.min, "expected": r.sessions.expected, "max": r.sessions.max},
        "interval_weeks": _span(r.interval_weeks),
        "downtime_days": _span(r.downtime_days),
        "settings_limits": {
            "density_factor": r.settings.density,
            "energy_factor": r.settings.energy,
        },
        "alternatives": [m.value for m in r.alternatives],
        "rationale": list(r.rationale),
        "sources": list(r.sources),
    }


def _span(span: RuleSpan) -> Json:
    """Whole numbers print without a trailing .0."""
    return {"min": _whole(span.min), "max": _whole(span.max)}


def _whole(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x
