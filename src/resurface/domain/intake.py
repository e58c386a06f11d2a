"""What the therapist records at consultation: goals, medical history, preferences."""

from __future__ import annotations

from dataclasses import dataclass, fields

from resurface.domain.codes import Area, Concern, Severity


@dataclass(frozen=True)
class Goal:
    """One thing the patient wants treated: a concern in an area, graded by severity."""

    concern: Concern
    area: Area
    severity: Severity


@dataclass(frozen=True)
class MedicalHistory:
    """Answers to the medical-history questionnaire. Missing answers mean "no"."""

    pregnant: bool = False
    active_infection: bool = False
    isotretinoin_months_since_last_dose: float | None = None
    hsv_history: bool = False
    keloid_history: bool = False
    photosensitizing_drugs: bool = False
    radiation_to_area: bool = False
    vitiligo: bool = False
    recent_tan: bool = False
    immunosuppressed: bool = False

    @classmethod
    def question_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


@dataclass(frozen=True)
class Preferences:
    """What the patient can accept; ``None`` means no limit."""

    max_downtime_days: float | None = None
