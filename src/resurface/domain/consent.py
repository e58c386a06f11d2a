"""Consent: the treatment consent a patient signs before the first session of a modality, and
the patient's consent to each use of their photos.

A consent template (``protocols/consent.yaml``, one per modality, versioned and clinic-editable)
names the procedure, what it is expected to do, the reactions everyone has, the risks with how
often studies found them, and the alternatives. ``consent_text`` fills it in for one patient's
decided plan, in plain words: no codes, no citations (those stay on the staff's evidence view).

A signed consent is a record that is never changed: the signed PDF's SHA-256, the template's
version and digest, the typed name and the time. Photo consent is a list of decisions per use;
the newest decision for a use is the one in force, and earlier ones are kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from resurface.domain.codes import Area, Concern, Modality
from resurface.domain.errors import FieldProblem, InvalidInput
from resurface.domain.plans import DecidedArea, DecidedPlan
from resurface.domain.rulebase import Provenance

# --- templates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskRate:
    """How often a reaction or risk was reported, ``when`` (e.g. "without antiviral medicine").

    ``low_pct``/``high_pct`` ``None``: no published figure in the rule base; the clinic sets it
    (its provenance is then an expert-opinion note)."""

    when: str
    low_pct: float | None
    high_pct: float | None
    below: bool
    """"fewer than ``high_pct`` in 100" (e.g. scarring, below 1 %)."""
    provenance: Provenance = field(default_factory=Provenance)

    @property
    def clinic_sets(self) -> bool:
        return self.low_pct is None and self.high_pct is None


@dataclass(frozen=True)
class ConsentRisk:
    name: str
    detail: str
    rates: tuple[RiskRate, ...]


@dataclass(frozen=True)
class ConsentBenefit:
    """What the treatment can do; ``concerns``/``areas`` (empty: any) say for whom it is told."""

    text: str
    provenance: Provenance = field(default_factory=Provenance)
    concerns: tuple[Concern, ...] = ()
    areas: tuple[Area, ...] = ()

    def applies(self, concerns: Iterable[Concern], areas: Iterable[Area]) -> bool:
        wanted, treated = set(concerns), set(areas)
        return (not self.concerns or bool(wanted & set(self.concerns))) and (
            not self.areas or bool(treated & set(self.areas))
        )


@dataclass(frozen=True)
class ConsentTemplate:
    """The consent to one modality, as the clinic words it."""

    modality: Modality
    version: str
    treatment: str
    """The treatment in words: "Fully ablative CO₂ laser resurfacing"."""
    procedure: str
    benefits: tuple[ConsentBenefit, ...]
    expected: tuple[ConsentRisk, ...]
    """What (nearly) everyone has after the treatment."""
    risks: tuple[ConsentRisk, ...]
    alternatives: tuple[str, ...]

    @property
    def digest(self) -> str:
        """The SHA-256 of the template's whole content: names the exact wording signed, even if a
        clinic edits the text and forgets to raise the version."""
        text = json.dumps(asdict(self), sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class ConsentRules:
    title: str
    statement: tuple[str, ...]
    """What the patient declares by signing, one sentence a line."""
    clinic_sets_rate: str
    """Said to the patient where the rule base has no published rate."""
    templates: dict[Modality, ConsentTemplate]


# --- the text for one patient -------------------------------------------------------------------


@dataclass(frozen=True)
class RiskLine:
    name: str
    detail: str
    how_often: str


@dataclass(frozen=True)
class EvidenceLine:
    """A statement of the consent and where its figure comes from (staff only)."""

    statement: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class ConsentText:
    """One patient's consent to one modality, in plain words."""

    modality: Modality
    title: str
    treatment: str
    version: str
    digest: str
    areas: str
    concerns: str
    sessions: str
    procedure: str
    benefits: tuple[str, ...]
    expected: tuple[RiskLine, ...]
    risks: tuple[RiskLine, ...]
    alternatives: tuple[str, ...]
    statement: tuple[str, ...]
    evidence: tuple[EvidenceLine, ...]

    def as_lines(self) -> tuple[str, ...]:
        """Everything the patient reads, line by line (for checks and the audit)."""
        lines = [self.title, self.treatment, self.areas, self.concerns, self.sessions]
        lines += [self.procedure, *self.benefits, *self.alternatives, *self.statement]
        for risk in (*self.expected, *self.risks):
            lines += [risk.name, risk.detail, risk.how_often]
        return tuple(lines)


def consent_text(rules: ConsentRules, decided: DecidedPlan, modality: Modality) -> ConsentText:
    """The consent to ``modality`` for the areas and concerns it treats in ``decided``."""
    template = rules.templates[modality]
    items = [a for a in decided.areas if a.modality is modality]
    if not items:
        raise ValueError(f"the plan does not use {modality.value}")
    concerns, areas = [a.concern for a in items], [a.area for a in items]
    benefits = [b for b in template.benefits if b.applies(concerns, areas)]
    evidence = [EvidenceLine(b.text, b.provenance.labels) for b in benefits] + [
        EvidenceLine(
            f"{risk.name}{_when(rate)}: {_rate_words(rate, rules)}", rate.provenance.labels
        )
        for risk in (*template.expected, *template.risks)
        for rate in risk.rates
    ]
    return ConsentText(
        modality=modality,
        title=rules.title,
        treatment=template.treatment,
        version=template.version,
        digest=template.digest,
        areas=_listed(area_words(a.area) for a in items),
        concerns=_listed(concern_words(a.concern) for a in items),
        sessions=_sessions_words(items),
        procedure=template.procedure,
        benefits=tuple(b.text for b in benefits),
        expected=tuple(_line(r, rules) for r in template.expected),
        risks=tuple(_line(r, rules) for r in template.risks),
        alternatives=template.alternatives,
        statement=rules.statement,
        evidence=tuple(evidence),
    )


_CONCERN_WORDS = {
    Concern.WRINKLES: "wrinkles",
    Concern.FINE_LINES: "fine lines",
    Concern.ACNE_SCARS: "acne scars",
    Concern.PIGMENTATION: "spots and uneven colour",
    Concern.SUN_DAMAGE: "sun damage",
    Concern.TEXTURE: "rough or uneven skin texture",
    Concern.LAXITY: "loose skin",
}

_AREA_WORDS = {
    Area.FOREHEAD: "the forehead",
    Area.PERIORBITAL: "around the eyes",
    Area.PERIORAL: "around the mouth",
    Area.CHEEKS: "the cheeks",
    Area.FULL_FACE: "the whole face",
    Area.NECK: "the neck",
    Area.CHEST: "the chest",
    Area.HANDS: "the backs of the hands",
}


def concern_words(concern: Concern) -> str:
    return _CONCERN_WORDS[concern]


def area_words(area: Area) -> str:
    return _AREA_WORDS[area]


def _listed(words: Iterable[str]) -> str:
    unique = list(dict.fromkeys(words))
    if len(unique) <= 1:
        return "".join(unique)
    return ", ".join(unique[:-1]) + " and " + unique[-1]


def _sessions_words(areas: Sequence[DecidedArea]) -> str:
    low = max(a.sessions.min for a in areas)
    expected = max(a.sessions.expected for a in areas)
    high = max(a.sessions.max for a in areas)
    count = f"{low} treatment" + ("s" if low != 1 else "")
    if high != low:
        count = f"{low} to {high} treatments; we expect {expected}"
    weeks = [a.interval_weeks for a in areas]
    if high <= 1:
        return f"{count}."
    least = max(w.min for w in weeks)
    most = max(w.max for w in weeks)
    gap = (
        f"{least:g} to {most:g} weeks"
        if least != most
        else f"{least:g} week" + ("" if least == 1 else "s")
    )
    return f"{count}, about {gap} apart."


def _line(risk: ConsentRisk, rules: ConsentRules) -> RiskLine:
    parts = [f"{_rate_words(rate, rules)}{_when(rate)}" for rate in risk.rates]
    return RiskLine(risk.name, risk.detail, "; ".join(parts))


def _when(rate: RiskRate) -> str:
    return f" {rate.when}" if rate.when else ""


def _number(value: float) -> str:
    return f"{value:g}"


def _rate_words(rate: RiskRate, rules: ConsentRules) -> str:
    low, high = rate.low_pct, rate.high_pct
    if low is None and high is None:
        return rules.clinic_sets_rate
    if rate.below and high is not None:
        return f"fewer than {_number(high)} in 100 people"
    if low is not None and high is not None and not math.isclose(low, high):
        return f"{_number(low)} to {_number(high)} in 100 people"
    value = low if low is not None else high
    assert value is not None
    if value >= 100:
        return "everyone"
    return f"about {_number(value)} in 100 people"


# --- signing ------------------------------------------------------------------------------------


class SignedVia(StrEnum):
    CLINIC_DEVICE = "clinic_device"
    """On the clinic's tablet, a clinician present."""
    PATIENT_LINK = "patient_link"
    """On the patient's own phone, through a signing link."""

    @property
    def label(self) -> str:
        if self is SignedVia.CLINIC_DEVICE:
            return "at the clinic"
        return "on the patient's own device"


@dataclass(frozen=True)
class SignedConsent:
    """A signed consent: never changed. The PDF's bytes are in the file store under its hash."""

    id: int
    clinic_id: int
    patient_id: int
    plan_id: int
    modality: Modality
    template_version: str
    template_digest: str
    signed_name: str
    signed_at: dt.datetime
    pdf_sha256: str
    via: SignedVia
    recorded_by: int | None
    """The clinician who opened the consent on the clinic's device, or who sent the link."""
    link_id: int | None = None


@dataclass(frozen=True)
class ConsentLink:
    """A link that lets the patient sign one consent on their own phone. Only the token's hash
    is stored."""

    id: int
    clinic_id: int
    patient_id: int
    plan_id: int
    modality: Modality
    token_hash: str
    created_by: int
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None = None
    consent_id: int | None = None

    def usable(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and self.consent_id is None and now < self.expires_at


def consents_missing(
    modalities: Iterable[Modality],
    signed: Iterable[SignedConsent],
    treated: Iterable[Modality],
) -> tuple[Modality, ...]:
    """The modalities about to be used that have no signed consent. A modality already used in a
    recorded session is not asked again (its first session is behind it); a new modality is."""
    have = {c.modality for c in signed} | set(treated)
    return tuple(m for m in dict.fromkeys(modalities) if m not in have)


# --- the drawn signature ------------------------------------------------------------------------

SIGNATURE_BOX = (300, 100)
"""The signature's drawing box (width, height): the pad keeps this 3:1 shape."""
MAX_STROKES = 60
MAX_POINTS = 4000


Stroke = tuple[tuple[float, float], ...]


def signature_strokes(text: str, name: str = "signature") -> tuple[Stroke, ...]:
    """The strokes drawn on the pad, sent as JSON ``[[[x, y], ...], ...]`` with ``x`` and ``y``
    from 0 to 1. Raises ``InvalidInput`` naming ``name`` when it is empty or malformed."""
    try:
        data = json.loads(text) if text.strip() else []
    except ValueError:
        raise InvalidInput(name, "the signature could not be read; sign again") from None
    if not isinstance(data, list) or len(data) > MAX_STROKES:
        raise InvalidInput(name, "the signature could not be read; sign again")
    strokes: list[Stroke] = []
    total = 0
    for stroke in data:
        if not isinstance(stroke, list):
            raise InvalidInput(name, "the signature could not be read; sign again")
        points = []
        for point in stroke:
            if (
                not isinstance(point, list)
                or len(point) != 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in point)
                or not all(math.isfinite(v) and -0.01 <= v <= 1.01 for v in point)
            ):
                raise InvalidInput(name, "the signature could not be read; sign again")
            points.append(
                (min(max(float(point[0]), 0.0), 1.0), min(max(float(point[1]), 0.0), 1.0))
            )
        total += len(points)
        if points:
            strokes.append(tuple(points))
    if total > MAX_POINTS:
        raise InvalidInput(name, "the signature is too long; clear it and sign again")
    if not _drawn_enough(strokes):
        raise InvalidInput(name, "draw your signature in the box")
    return tuple(strokes)


def _drawn_enough(strokes: Sequence[Stroke]) -> bool:
    """A signature is a line, not a dot: the strokes together span some of the box."""
    points = [p for s in strokes for p in s]
    if len(points) < 5:
        return False
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return max(xs) - min(xs) >= 0.1 or max(ys) - min(ys) >= 0.3


def signature_svg(strokes: Sequence[Stroke]) -> str:
    """The signature as a small SVG document (black lines on nothing)."""
    width, height = SIGNATURE_BOX
    paths = []
    for stroke in strokes:
        points = " ".join(f"{x * width:.1f},{y * height:.1f}" for x, y in stroke)
        if len(stroke) == 1:
            x, y = stroke[0]
            paths.append(f'<circle cx="{x * width:.1f}" cy="{y * height:.1f}" r="1.2"/>')
        else:
            paths.append(f'<polyline points="{points}"/>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">'
        '<g fill="none" stroke="#111" stroke-width="2" stroke-linecap="round" '
        'stroke-linejoin="round">' + "".join(paths) + "</g></svg>"
    )


def signed_name_problems(name: str, expected: str) -> list[FieldProblem]:
    """The typed name must be there and, letters compared, be the patient's own."""
    typed = " ".join(name.split())
    if not typed:
        return [FieldProblem("signed_name", "type your full name")]
    if len(typed) > 200:
        return [FieldProblem("signed_name", "is longer than 200 characters")]
    if _letters(typed) != _letters(expected):
        return [FieldProblem("signed_name", f"type the patient's full name: {expected}")]
    return []


def _letters(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


@dataclass(frozen=True)
class ConsentDocument:
    """What the signed PDF shows: the clinic, the patient, the text and the signature."""

    clinic_name: str
    clinic_phone: str
    clinic_address: str
    patient_name: str
    date_of_birth: dt.date
    text: ConsentText
    signed_name: str
    signed_at_local: dt.datetime
    signature_svg: str
    via: SignedVia
    witness: str
    """The clinician present (clinic device) or who sent the link."""
    reference: str


# --- photo consent ------------------------------------------------------------------------------


class PhotoUse(StrEnum):
    RECORD = "record"
    TEACHING = "teaching"
    MARKETING = "marketing"

    @property
    def label(self) -> str:
        return _USE_LABELS[self]


_USE_LABELS = {
    PhotoUse.RECORD: "the medical record",
    PhotoUse.TEACHING: "teaching",
    PhotoUse.MARKETING: "marketing",
}


@dataclass(frozen=True)
class PhotoConsent:
    """One decision on one use of the patient's photos: given or withdrawn, by whom, when."""

    id: int
    clinic_id: int
    patient_id: int
    use: PhotoUse
    granted: bool
    recorded_by: int
    recorded_at: dt.datetime
    note: str = ""


def photo_consent_in_force(decisions: Iterable[PhotoConsent]) -> dict[PhotoUse, PhotoConsent]:
    """The newest decision for each use that has one."""
    newest: dict[PhotoUse, PhotoConsent] = {}
    for decision in sorted(decisions, key=lambda d: (d.recorded_at, d.id)):
        newest[decision.use] = decision
    return newest


def photos_allowed_for(decisions: Iterable[PhotoConsent], use: PhotoUse) -> bool:
    """Whether the patient's photos may be used for ``use`` now (never without a decision)."""
    decision = photo_consent_in_force(decisions).get(use)
    return decision is not None and decision.granted


def photo_uses(decisions: Iterable[PhotoConsent]) -> dict[PhotoUse, bool]:
    """Each use and whether the patient's photos may serve it now (shown on every photo)."""
    in_force = photo_consent_in_force(decisions)
    return {use: use in in_force and in_force[use].granted for use in PhotoUse}
