"""Aftercare for a given day after treatment, by modality family (fully ablative, fractional
ablative, non-ablative). The wording and day ranges are the clinic's own protocol, kept in
``protocols/aftercare.yaml`` (expert opinion, clinic-editable).
"""

from __future__ import annotations

from dataclasses import dataclass

from resurface.domain.codes import Modality
from resurface.domain.errors import InvalidInput
from resurface.domain.rulebase import AftercareRules, ModalityFamily


@dataclass(frozen=True)
class AftercareAdvice:
    day: int
    family: ModalityFamily
    title: str
    cleansing: str
    moisturising: str
    sun_protection: str
    avoid: tuple[str, ...]
    sources: tuple[str, ...]


def aftercare_for_day(rules: AftercareRules, modality: Modality, day: int) -> AftercareAdvice:
    """What the patient should do on ``day`` after treatment (0 = the day of the session)."""
    if day < 0:
        raise InvalidInput("day", f"must be 0 or later, got {day}")
    family = ModalityFamily.of(modality)
    phase = next(
        p
        for p in rules.phases[family]
        if p.from_day <= day and (p.to_day is None or day <= p.to_day)
    )
    return AftercareAdvice(
        day=day,
        family=family,
        title=phase.title,
        cleansing=phase.cleansing,
        moisturising=phase.moisturising,
        sun_protection=phase.sun_protection,
        avoid=phase.avoid,
        sources=rules.provenance[family].labels,
    )
