"""Photo metrics for people: one table of names, and when a change is a change.

Every page, report and CSV names a metric through :func:`metric_label`, so that the analysis page,
Results and the command line say the same thing. Whether a measured change is "better", "worse"
or "no measurable change" depends on the metric's minimal detectable change in that kind of region
(:class:`RepeatabilityRules`, from ``protocols/repeatability.yaml``): a change within what repeat
photographs of an unchanged face differ by is not a change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "METRIC_ORDER",
    "REGION_KINDS",
    "ChangeVerdict",
    "DetectableChange",
    "RepeatabilityRules",
    "metric_label",
    "metric_name",
    "patient_metric_label",
    "region_kind",
    "region_label",
]

METRIC_ORDER = (
    "a_star_mean",
    "erythema_index",
    "red_area_pct",
    "l_star_mean",
    "b_star_mean",
    "ita_deg",
    "ita_category",
    "spot_count",
    "spot_area_pct",
    "wrinkle_length_mm",
    "wrinkle_density",
    "texture_roughness",
    "tone_evenness",
)

_LABELS = {
    "a_star_mean": "Redness (mean a*)",
    "erythema_index": "Erythema index",
    "red_area_pct": "Red area (%)",
    "l_star_mean": "Lightness (mean L*)",
    "b_star_mean": "Yellowness (mean b*)",
    "ita_deg": "Skin tone angle (ITA°)",
    "ita_category": "Skin tone category",
    "spot_count": "Spots (count)",
    "spot_area_pct": "Spot area (%)",
    "wrinkle_length_mm": "Wrinkle length ({length})",
    "wrinkle_density": "Wrinkle density ({density})",
    "texture_roughness": "Texture roughness (L*)",
    "tone_evenness": "Tone unevenness (SD of ITA°)",
}
_DENSITY = {"mm": "mm per cm²", "px": "px per 100 px²"}

_PATIENT_LABELS = {
    "a_star_mean": "Redness of the skin's colour",
    "erythema_index": "Redness from blood in the skin",
    "red_area_pct": "Area that looks red (%)",
    "l_star_mean": "Lightness of the skin",
    "b_star_mean": "Yellowness of the skin",
    "ita_deg": "Skin tone (higher is lighter)",
    "ita_category": "Skin tone",
    "spot_count": "Number of spots",
    "spot_area_pct": "Area covered by spots (%)",
    "wrinkle_length_mm": "Length of lines ({length})",
    "wrinkle_density": "Density of lines",
    "texture_roughness": "Roughness of the surface",
    "tone_evenness": "Unevenness of skin tone",
}
"""The same metrics in the patient's words: no colour-space codes, scales or units of analysis."""
_PATIENT_LENGTH = {"mm": "mm", "px": "in photo pixels"}

_REGION_LABELS = {
    "forehead": "Forehead",
    "periorbital_left": "Around the left eye",
    "periorbital_right": "Around the right eye",
    "perioral": "Around the mouth",
    "cheek_left": "Left cheek",
    "cheek_right": "Right cheek",
    "whole": "Whole photo",
}

#: Kinds of region with a repeatability of their own.
REGION_KINDS = ("forehead", "periorbital", "perioral", "cheek", "drawn")


def metric_label(name: str, length_unit: str = "mm") -> str:
    """The metric's name for people, with its unit (``length_unit`` ``"mm"`` or ``"px"``)."""
    label = _LABELS.get(name)
    if label is None:
        return name.replace("_", " ")
    return label.format(length=length_unit, density=_DENSITY.get(length_unit, length_unit))


def metric_name(name: str) -> str:
    """The metric's name without its unit, for what has a unit of its own (a change in %)."""
    return metric_label(name).split(" (", 1)[0]


def patient_metric_label(name: str, length_unit: str = "mm") -> str:
    """The metric's name in the patient's own report (plain words, no codes)."""
    label = _PATIENT_LABELS.get(name)
    if label is None:
        return metric_label(name, length_unit)
    return label.format(length=_PATIENT_LENGTH.get(length_unit, length_unit))


def region_label(name: str) -> str:
    """A measured region's name for people (the patient's left and right)."""
    return _REGION_LABELS.get(name, name.replace("_", " ").capitalize())


def region_kind(name: str) -> str:
    """``forehead``, ``periorbital``, ``perioral``, ``cheek``, or ``drawn`` (any other region)."""
    for kind in REGION_KINDS[:-1]:
        if name == kind or name.startswith(kind + "_"):
            return kind
    return "drawn"


class ChangeVerdict(StrEnum):
    BETTER = "better"
    WORSE = "worse"
    CHANGED = "changed"
    """Beyond the minimal detectable change, for a metric with no better direction (L*, ITA°)."""
    NO_MEASURABLE_CHANGE = "no measurable change"

    @property
    def label(self) -> str:
        return self.value


@dataclass(frozen=True)
class DetectableChange:
    """The smallest change of one metric in one kind of region that repeat photos do not make.

    ``value`` is in the metric's units, or in percent of the before value when ``relative``;
    ``floor`` is an absolute minimum that applies as well (one spot, for instance).
    """

    value: float
    relative: bool
    floor: float = 0.0

    def threshold(self, before: float) -> float:
        """The smallest absolute change that counts, for this before value."""
        amount = abs(before) * self.value / 100.0 if self.relative else self.value
        return max(amount, self.floor)

    def describe(self) -> str:
        if self.relative:
            extra = f", at least {self.floor:g}" if self.floor else ""
            return f"±{self.value:g} %{extra}"
        return f"±{self.value:g}"


@dataclass(frozen=True)
class RepeatabilityRules:
    """Minimal detectable changes per (metric, region kind)."""

    changes: Mapping[tuple[str, str], DetectableChange] = field(default_factory=dict)
    sources: tuple[str, ...] = ()

    def minimal_change(self, metric: str, region: str) -> DetectableChange | None:
        return self.changes.get((metric, region_kind(region)))

    def verdict(
        self, metric: str, region: str, before: float, after: float, *, lower_is_better: bool | None
    ) -> ChangeVerdict:
        """Better or worse only beyond the metric's minimal detectable change.

        ``lower_is_better`` None: the metric has no better direction (``CHANGED``). A metric with
        no stated minimal detectable change is never judged.
        """
        detectable = self.minimal_change(metric, region)
        change = after - before
        if detectable is None or abs(change) <= detectable.threshold(before):
            return ChangeVerdict.NO_MEASURABLE_CHANGE
        if lower_is_better is None:
            return ChangeVerdict.CHANGED
        improved = change < 0 if lower_is_better else change > 0
        return ChangeVerdict.BETTER if improved else ChangeVerdict.WORSE
