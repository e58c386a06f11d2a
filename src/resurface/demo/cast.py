"""The demo's fictional people: two clinics, their staff, and ten patients each.

Every name, birth date and story is invented. Each patient is meant to stand at one stage of the
journey (``stage``) when the demo is loaded; ``services.demo`` plays their story up to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from resurface.domain.codes import Area, Concern, FitzpatrickType, Severity
from resurface.domain.intake import Goal, MedicalHistory
from resurface.domain.journey import Stage
from resurface.domain.people import Role, Sex

DEMO_PASSWORD = "resurface-demo"  # noqa: S105 - printed for the fictional demo on purpose


@dataclass(frozen=True)
class DemoClinic:
    name: str
    slug: str
    phone: str
    people: tuple[tuple[Role, str, str], ...] = ()  # role, user name, display name
    require_cosign: bool = False

    @property
    def email(self) -> str:
        return f"care@{self.slug}.example"


@dataclass(frozen=True)
class DemoPatient:
    given: str
    family: str
    born: dt.date
    sex: Sex
    skin: FitzpatrickType
    goals: tuple[Goal, ...]
    stage: Stage
    history: MedicalHistory = field(default_factory=MedicalHistory)
    warning_sign: bool = False
    override: str = ""
    """A reason the clinician gave to plan one session more than proposed (empty: accepted)."""


CLINICS = (
    DemoClinic(
        "Harbour Skin & Laser",
        "harbour",
        "+44 20 7946 0018",
        (
            (Role.ADMIN, "harbour.admin", "Dr Imogen Hale"),
            (Role.CLINICIAN, "harbour.nurse", "Sam Okafor RN"),
            (Role.CLINICIAN, "harbour.laser", "Priya Raman"),
            (Role.STAFF, "harbour.desk", "Leo Brandt"),
        ),
    ),
    DemoClinic(
        "Northgate Laser Studio",
        "northgate",
        "+44 161 496 0734",
        (
            (Role.ADMIN, "northgate.admin", "Dr Tomas Lind"),
            (Role.CLINICIAN, "northgate.nurse", "Ada Mwangi RN"),
            (Role.CLINICIAN, "northgate.laser", "Jonah Pereira"),
            (Role.STAFF, "northgate.desk", "Mia Kowalski"),
        ),
        require_cosign=True,
    ),
)

W, FL, AS, PG, SD, TX = (
    Concern.WRINKLES,
    Concern.FINE_LINES,
    Concern.ACNE_SCARS,
    Concern.PIGMENTATION,
    Concern.SUN_DAMAGE,
    Concern.TEXTURE,
)
MILD, MOD, SEV = Severity.MILD, Severity.MODERATE, Severity.SEVERE
T = FitzpatrickType


def _g(concern: Concern, area: Area, severity: Severity) -> Goal:
    return Goal(concern, area, severity)


def _d(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, day)


PATIENTS: dict[str, tuple[DemoPatient, ...]] = {
    "harbour": (
        DemoPatient(
            "Elena",
            "Marsh",
            _d(1968, 3, 2),
            Sex.FEMALE,
            T.II,
            (_g(W, Area.PERIORAL, MOD), _g(FL, Area.PERIORBITAL, MILD)),
            Stage.CONSULTATION,
        ),
        DemoPatient(
            "Hannah",
            "Ocampo",
            _d(1991, 7, 19),
            Sex.FEMALE,
            T.III,
            (_g(AS, Area.CHEEKS, SEV),),
            Stage.CONSULTATION,
            MedicalHistory(pregnant=True),
        ),
        DemoPatient(
            "Marcus",
            "Feld",
            _d(1975, 11, 8),
            Sex.MALE,
            T.II,
            (_g(SD, Area.FULL_FACE, MOD),),
            Stage.PLANNED,
        ),
        DemoPatient(
            "Yuki",
            "Tanabe",
            _d(1982, 1, 27),
            Sex.FEMALE,
            T.IV,
            (_g(PG, Area.CHEEKS, MOD),),
            Stage.PLANNED,
            MedicalHistory(hsv_history=True),
        ),
        DemoPatient(
            "Grace",
            "Whitlow",
            _d(1959, 5, 14),
            Sex.FEMALE,
            T.I,
            (_g(W, Area.NECK, MOD),),
            Stage.IN_TREATMENT,
        ),
        DemoPatient(
            "Daniel",
            "Ashby",
            _d(1988, 9, 3),
            Sex.MALE,
            T.III,
            (_g(AS, Area.CHEEKS, MOD),),
            Stage.IN_TREATMENT,
            override="Deep rolling scars on palpation; one session more than proposed.",
        ),
        DemoPatient(
            "Ruth",
            "Calder",
            _d(1955, 12, 22),
            Sex.FEMALE,
            T.II,
            (_g(W, Area.PERIORAL, SEV),),
            Stage.RECOVERING,
            warning_sign=True,
        ),
        DemoPatient(
            "Omar",
            "Haddad",
            _d(1979, 4, 30),
            Sex.MALE,
            T.IV,
            (_g(TX, Area.FOREHEAD, MILD),),
            Stage.RECOVERING,
        ),
        DemoPatient(
            "Isla",
            "Brennan",
            _d(1964, 8, 11),
            Sex.FEMALE,
            T.II,
            (_g(PG, Area.HANDS, MOD),),
            Stage.FINISHED,
        ),
        DemoPatient(
            "Victor",
            "Nakamura",
            _d(1971, 2, 5),
            Sex.MALE,
            T.III,
            (_g(FL, Area.PERIORBITAL, MILD),),
            Stage.FINISHED,
        ),
    ),
    "northgate": (
        DemoPatient(
            "Freya",
            "Lindqvist",
            _d(1986, 6, 6),
            Sex.FEMALE,
            T.I,
            (_g(PG, Area.FULL_FACE, MILD),),
            Stage.CONSULTATION,
        ),
        DemoPatient(
            "Tariq",
            "Osei",
            _d(1993, 10, 12),
            Sex.MALE,
            T.V,
            (_g(AS, Area.CHEEKS, MOD),),
            Stage.CONSULTATION,
        ),
        DemoPatient(
            "Beatrice",
            "Moreau",
            _d(1961, 3, 29),
            Sex.FEMALE,
            T.II,
            (_g(W, Area.PERIORBITAL, MOD), _g(W, Area.PERIORAL, MOD)),
            Stage.PLANNED,
        ),
        DemoPatient(
            "Samuel",
            "Idowu",
            _d(1977, 7, 7),
            Sex.MALE,
            T.VI,
            (_g(TX, Area.CHEEKS, MILD),),
            Stage.PLANNED,
        ),
        DemoPatient(
            "Clara",
            "Jensen",
            _d(1969, 12, 1),
            Sex.FEMALE,
            T.II,
            (_g(SD, Area.CHEST, MOD),),
            Stage.IN_TREATMENT,
            override="Extensive poikiloderma on the chest; plan one session more.",
        ),
        DemoPatient(
            "Mateo",
            "Alvarez",
            _d(1990, 5, 23),
            Sex.MALE,
            T.III,
            (_g(AS, Area.CHEEKS, SEV),),
            Stage.IN_TREATMENT,
            MedicalHistory(isotretinoin_months_since_last_dose=4),
        ),
        DemoPatient(
            "Nora",
            "Fitzgerald",
            _d(1958, 9, 15),
            Sex.FEMALE,
            T.I,
            (_g(W, Area.FULL_FACE, SEV),),
            Stage.RECOVERING,
        ),
        DemoPatient(
            "Kwame",
            "Asante",
            _d(1984, 2, 18),
            Sex.MALE,
            T.V,
            (_g(PG, Area.FOREHEAD, MILD),),
            Stage.RECOVERING,
        ),
        DemoPatient(
            "Lotte",
            "de Vries",
            _d(1966, 4, 4),
            Sex.FEMALE,
            T.II,
            (_g(W, Area.NECK, MILD),),
            Stage.FINISHED,
        ),
        DemoPatient(
            "Henry",
            "Castellan",
            _d(1952, 10, 30),
            Sex.MALE,
            T.II,
            (_g(FL, Area.PERIORAL, MILD),),
            Stage.FINISHED,
        ),
    ),
}
