"""Four patients for the guide tests, planned by the real engine and decided as a clinician would:
fully ablative CO2 on the full face (overriding the engine's fractional proposal), fractional CO2
on the neck, a non-ablative series for fine lines, and a screening deferred by pregnancy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from resurface.domain.chart import (
    Consultation,
    ItemDecision,
    PlanItem,
    PlanStatus,
    ScreeningFinding,
    Span,
    TreatmentPlan,
)
from resurface.domain.codes import Area, Concern, FitzpatrickType, Modality, Severity
from resurface.domain.intake import Goal, MedicalHistory
from resurface.domain.planning import PatientFacts, propose_treatment
from resurface.domain.rulebase import RuleBase


@dataclass(frozen=True)
class GuideCase:
    name: str
    consultation: Consultation
    plan: TreatmentPlan | None
    treatment_words: str
    """How the patient's own treatment is named in their guide."""
    area_words: str
    sessions: tuple[int, int]
    """The range of treatments the guide states (min, max)."""
    preparation: tuple[str, ...]
    """Words of preparation steps the guide must contain."""


@dataclass(frozen=True)
class CaseSpec:
    name: str
    goal: Goal
    history: MedicalHistory
    skin_type: FitzpatrickType
    choose: Modality | None
    treatment_words: str
    area_words: str
    preparation: tuple[str, ...]


SPECS = (
    CaseSpec(
        "ablative full face",
        Goal(Concern.WRINKLES, Area.FULL_FACE, Severity.SEVERE),
        MedicalHistory(),
        FitzpatrickType.II,
        Modality.ABLATIVE_CO2,
        "fully ablative laser treatment",
        "the whole face",
        ("antiviral tablets", "retinoid", "Avoid the sun"),
    ),
    CaseSpec(
        "fractional neck",
        Goal(Concern.WRINKLES, Area.NECK, Severity.MODERATE),
        MedicalHistory(hsv_history=True),
        FitzpatrickType.III,
        None,
        "fractional ablative laser treatment",
        "the neck",
        ("antiviral tablets", "retinoid", "Avoid the sun"),
    ),
    CaseSpec(
        "non-ablative light lines",
        Goal(Concern.FINE_LINES, Area.CHEEKS, Severity.MILD),
        MedicalHistory(),
        FitzpatrickType.IV,
        None,
        "non-ablative laser treatment",
        "the cheeks",
        ("Avoid the sun", "test spot"),
    ),
)


def consultation_for(
    spec: CaseSpec, rules: RuleBase, held_on: dt.date, clinic_id: int = 1, patient_id: int = 1
) -> tuple[Consultation, tuple[PlanItem, ...]]:
    facts = PatientFacts(50, "female", spec.skin_type)
    proposal = propose_treatment(rules, facts, spec.history, [spec.goal])
    consultation = Consultation(
        0,
        clinic_id,
        patient_id,
        1,
        held_on,
        goals=(spec.goal,),
        history=spec.history,
        fitzpatrick_type=spec.skin_type,
        eligible=proposal.eligible,
        findings=tuple(
            ScreeningFinding(f.code, f.action, tuple(f.modalities), f.reason, f.source)
            for f in proposal.contraindications
        ),
    )
    items = []
    for r in proposal.recommendations:
        item = PlanItem(
            r.area,
            r.concern,
            r.severity,
            r.modality,
            r.sessions.min,
            r.sessions.expected,
            r.sessions.max,
            Span(r.interval_weeks.min, r.interval_weeks.max),
            Span(r.downtime_days.min, r.downtime_days.max),
            decision=ItemDecision.ACCEPTED,
            decided_by=1,
        )
        if spec.choose is not None and spec.choose is not r.modality:
            item = replace(
                item,
                decision=ItemDecision.OVERRIDDEN,
                chosen_modality=spec.choose,
                chosen_sessions=1,
                override_reason="Patient prefers a single treatment with longer downtime.",
            )
        items.append(item)
    return consultation, tuple(items)


def plan_of(
    items: tuple[PlanItem, ...], created_on: dt.date, clinic_id: int = 1, patient_id: int = 1
) -> TreatmentPlan:
    return TreatmentPlan(0, clinic_id, patient_id, 1, created_on, PlanStatus.ACCEPTED, items)


DEFERRED = CaseSpec(
    "deferred (pregnancy)",
    Goal(Concern.WRINKLES, Area.PERIORAL, Severity.MODERATE),
    MedicalHistory(pregnant=True),
    FitzpatrickType.II,
    None,
    "",
    "",
    (),
)
