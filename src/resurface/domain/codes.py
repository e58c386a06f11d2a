"""The clinic's vocabulary: stable codes used in the API, CLI JSON and FHIR export.

Every code comes from ../shared/CLINICAL.md. Codes are ``StrEnum`` members so that they
compare equal to, and serialise as, their plain string value.
"""

from __future__ import annotations

from enum import StrEnum


class Concern(StrEnum):
    WRINKLES = "wrinkles"
    FINE_LINES = "fine_lines"
    ACNE_SCARS = "acne_scars"
    PIGMENTATION = "pigmentation"
    SUN_DAMAGE = "sun_damage"
    TEXTURE = "texture"
    LAXITY = "laxity"


class Area(StrEnum):
    FOREHEAD = "forehead"
    PERIORBITAL = "periorbital"
    PERIORAL = "perioral"
    CHEEKS = "cheeks"
    FULL_FACE = "full_face"
    NECK = "neck"
    CHEST = "chest"
    HANDS = "hands"

    @property
    def is_delicate(self) -> bool:
        """Fewer adnexal structures and slower healing: gentler settings, no fully ablative."""
        return self in DELICATE_AREAS

    @property
    def is_face(self) -> bool:
        return self in FACE_AREAS

    @property
    def label(self) -> str:
        return _AREA_LABELS.get(self, self.value.replace("_", " "))


DELICATE_AREAS = frozenset({Area.NECK, Area.CHEST, Area.HANDS, Area.PERIORBITAL})
FACE_AREAS = frozenset(
    {Area.FOREHEAD, Area.PERIORBITAL, Area.PERIORAL, Area.CHEEKS, Area.FULL_FACE}
)


_AREA_LABELS = {
    Area.PERIORBITAL: "around the eyes",
    Area.PERIORAL: "around the mouth",
}


class Modality(StrEnum):
    ABLATIVE_CO2 = "ablative_co2"
    ABLATIVE_ERBIUM = "ablative_erbium"
    FRACTIONAL_ABLATIVE_CO2 = "fractional_ablative_co2"
    FRACTIONAL_ABLATIVE_ERBIUM = "fractional_ablative_erbium"
    NONABLATIVE_FRACTIONAL_1550 = "nonablative_fractional_1550"
    NONABLATIVE_FRACTIONAL_1927 = "nonablative_fractional_1927"

    @property
    def is_fully_ablative(self) -> bool:
        return self in (Modality.ABLATIVE_CO2, Modality.ABLATIVE_ERBIUM)

    @property
    def is_ablative(self) -> bool:
        """Fully or fractionally ablative: the skin surface is removed."""
        return not self.value.startswith("nonablative")

    @property
    def wavelength_nm(self) -> int:
        return _WAVELENGTH_NM[self]

    @property
    def label(self) -> str:
        return _MODALITY_LABELS[self]


_WAVELENGTH_NM = {
    Modality.ABLATIVE_CO2: 10600,
    Modality.ABLATIVE_ERBIUM: 2940,
    Modality.FRACTIONAL_ABLATIVE_CO2: 10600,
    Modality.FRACTIONAL_ABLATIVE_ERBIUM: 2940,
    Modality.NONABLATIVE_FRACTIONAL_1550: 1550,
    Modality.NONABLATIVE_FRACTIONAL_1927: 1927,
}


_MODALITY_LABELS = {
    Modality.ABLATIVE_CO2: "fully ablative CO₂ (10,600 nm)",
    Modality.ABLATIVE_ERBIUM: "fully ablative erbium (2,940 nm)",
    Modality.FRACTIONAL_ABLATIVE_CO2: "fractional ablative CO₂ (10,600 nm)",
    Modality.FRACTIONAL_ABLATIVE_ERBIUM: "fractional ablative erbium (2,940 nm)",
    Modality.NONABLATIVE_FRACTIONAL_1550: "non-ablative fractional 1,550 nm",
    Modality.NONABLATIVE_FRACTIONAL_1927: "non-ablative fractional 1,927 nm",
}


class Severity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class FitzpatrickType(StrEnum):
    I = "I"  # noqa: E741 - the clinical name of the type
    II = "II"
    III = "III"
    IV = "IV"
    V = "V"
    VI = "VI"

    @property
    def number(self) -> int:
        return list(FitzpatrickType).index(self) + 1

    @classmethod
    def from_number(cls, number: int) -> FitzpatrickType:
        return list(cls)[number - 1]


class Contraindication(StrEnum):
    """Contraindication and precaution codes found by screening."""

    PREGNANCY = "pregnancy"
    ACTIVE_INFECTION = "active_infection"
    ISOTRETINOIN_RECENT = "isotretinoin_recent"
    KELOID_HISTORY = "keloid_history"
    HSV_HISTORY = "hsv_history"
    PHOTOSENSITIZING_DRUGS = "photosensitizing_drugs"
    RADIATION_TO_AREA = "radiation_to_area"
    VITILIGO = "vitiligo"
    RECENT_TAN = "recent_tan"
    IMMUNOSUPPRESSED = "immunosuppressed"
    DARKER_SKIN_TYPE = "darker_skin_type"
    DELICATE_AREA = "delicate_area"
    EYELID_LAXITY = "eyelid_laxity"


class ScreeningAction(StrEnum):
    DEFER = "defer"
    AVOID_MODALITY = "avoid_modality"
    PRECAUTION = "precaution"


class PreTreatment(StrEnum):
    ANTIVIRAL_PROPHYLAXIS = "antiviral_prophylaxis"
    SUN_AVOIDANCE = "sun_avoidance"
    TEST_SPOT = "test_spot"
    STOP_RETINOIDS = "stop_retinoids"
    PHOTOS_BASELINE = "photos_baseline"
    CONSENT = "consent"


class AlertCode(StrEnum):
    POSSIBLE_INFECTION = "possible_infection"
    POSSIBLE_HSV = "possible_hsv"
    POSSIBLE_FUNGAL = "possible_fungal"
    PROLONGED_ERYTHEMA = "prolonged_erythema"
    POSSIBLE_PIH = "possible_pih"
    DELAYED_HEALING = "delayed_healing"
    POSSIBLE_SCARRING = "possible_scarring"
    URGENT_CONTACT = "urgent_contact"


class Urgency(StrEnum):
    URGENT = "urgent"
    SOON = "soon"
    ROUTINE = "routine"

    @property
    def rank(self) -> int:
        """How pressing: routine 1, soon 2, urgent 3. Sort with ``-rank`` for urgent first."""
        return {Urgency.ROUTINE: 1, Urgency.SOON: 2, Urgency.URGENT: 3}[self]


class RecoveryStatus(StrEnum):
    AS_EXPECTED = "as_expected"
    WATCH = "watch"
    CONTACT_CLINIC = "contact_clinic"
    URGENT = "urgent"


class Score(StrEnum):
    """The 0–10 numeric ratings a patient gives at each check-in."""

    REDNESS = "redness"
    SWELLING = "swelling"
    IRRITATION = "irritation"
    PAIN = "pain"
    ITCH = "itch"


class RedFlag(StrEnum):
    """Yes/no warning-sign questions at each check-in."""

    YELLOW_CRUST_OR_PUS = "yellow_crust_or_pus"
    BLISTERS_OR_COLD_SORES = "blisters_or_cold_sores"
    FEVER = "fever"
    SPREADING_REDNESS = "spreading_redness"
    WHITE_PUSTULES = "white_pustules"
    DARK_PATCHES = "dark_patches"
    RAISED_OR_FIRM_AREAS = "raised_or_firm_areas"
    RAW_AREAS_AFTER_DAY_10 = "raw_areas_after_day_10"
