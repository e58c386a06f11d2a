"""Screening: from the medical history, skin type and treated areas, the contraindications and
precautions that apply, each with an action (``defer``, ``avoid_modality``, ``precaution``).

The rules live in ``protocols/screening.yaml``. References there include Spring 2017 (JAMA
Dermatol 153:802: no fully ablative resurfacing within 6 months of isotretinoin), Wall 1999 and
Gilbert & McBurney 2000 (antiviral prophylaxis), Kono 2007 and Chan 2007 (lower density in darker
skin), Fife 2009 and Avram 2009 (delicate areas).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from resurface.domain.codes import (
    Area,
    Contraindication,
    FitzpatrickType,
    Modality,
    ScreeningAction,
)
from resurface.domain.intake import MedicalHistory
from resurface.domain.rulebase import (
    ScreeningRule,
    ScreeningRules,
    SettingsFactors,
    Trigger,
    TriggerKind,
)


@dataclass(frozen=True)
class Finding:
    """A contraindication or precaution that applies to this patient.

    ``areas`` empty: it applies wherever the patient is treated; otherwise only in those areas.
    """

    code: Contraindication
    action: ScreeningAction
    modalities: frozenset[Modality]
    reason: str
    sources: tuple[str, ...]
    areas: frozenset[Area] = frozenset()
    settings: SettingsFactors | None = None

    def applies_to(self, modality: Modality, area: Area) -> bool:
        return modality in self.modalities and (not self.areas or area in self.areas)

    def excludes(self, modality: Modality, area: Area) -> bool:
        """True when this finding rules the modality out for that area (or defers everything)."""
        if self.action is ScreeningAction.DEFER:
            return True
        return self.action is ScreeningAction.AVOID_MODALITY and self.applies_to(modality, area)

    @property
    def source(self) -> str:
        return "; ".join(self.sources)


@dataclass(frozen=True)
class ScreeningResult:
    findings: tuple[Finding, ...]

    @property
    def eligible(self) -> bool:
        """False when any finding defers treatment altogether."""
        return not any(f.action is ScreeningAction.DEFER for f in self.findings)

    @property
    def found(self) -> frozenset[Contraindication]:
        return frozenset(f.code for f in self.findings)

    def exclusions(self, modality: Modality, area: Area) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.excludes(modality, area))

    def precautions(self, modality: Modality, area: Area) -> tuple[Finding, ...]:
        return tuple(
            f
            for f in self.findings
            if f.action is ScreeningAction.PRECAUTION and f.applies_to(modality, area)
        )


def screen(
    rules: ScreeningRules,
    history: MedicalHistory,
    skin_type: FitzpatrickType,
    areas: Iterable[Area] = (),
) -> ScreeningResult:
    """Apply every screening rule to one patient; ``areas`` are the areas to be treated."""
    wanted = tuple(dict.fromkeys(areas))
    findings = []
    for rule in rules.rules:
        hit = _triggered(rule.trigger, history, skin_type, wanted)
        if hit is not None:
            findings.append(_finding(rule, hit))
    return ScreeningResult(tuple(findings))


def _triggered(
    trigger: Trigger, history: MedicalHistory, skin_type: FitzpatrickType, areas: tuple[Area, ...]
) -> frozenset[Area] | None:
    """``None`` if the rule does not fire; else the areas it is limited to (empty: all)."""
    if trigger.kind is TriggerKind.DELICATE_AREA:
        delicate = frozenset(a for a in areas if a.is_delicate)
        return delicate or None
    if trigger.kind is TriggerKind.SKIN_TYPE_FROM:
        threshold = trigger.skin_type or FitzpatrickType.VI
        return frozenset() if skin_type.number >= threshold.number else None
    answer = getattr(history, trigger.answer)
    if trigger.kind is TriggerKind.ANSWER_BELOW:
        below = trigger.below if trigger.below is not None else 0.0
        return frozenset() if answer is not None and answer < below else None
    return frozenset() if answer is True else None


def _finding(rule: ScreeningRule, areas: frozenset[Area]) -> Finding:
    reason = rule.reason
    if rule.trigger.below is not None:
        reason = reason.replace("{below}", f"{rule.trigger.below:g}")
    if areas:
        reason = f"{reason} Areas: {', '.join(sorted(a.value for a in areas))}."
    return Finding(
        code=rule.code,
        action=rule.action,
        modalities=rule.modalities,
        reason=reason,
        sources=rule.provenance.labels,
        areas=areas,
        settings=rule.settings,
    )
