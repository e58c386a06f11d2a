"""Settings limits: how far energy, density and passes may go in an area for this patient.

Limit = the clinic's full-face default maximum for the modality (``protocols/settings_limits.yaml``,
set from the device manual) times the area factor (delicate areas: lower energy *and* density,
Fife 2009) times the factors of any precaution found at screening (darker skin: lower density,
Kono 2007, Chan 2007).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from resurface.domain.codes import Area, Modality
from resurface.domain.errors import InvalidInput
from resurface.domain.rulebase import Provenance, SettingsFactors, SettingsRules
from resurface.domain.screening import Finding

_FACTOR_DECIMALS = 3


@dataclass(frozen=True)
class SettingsLimits:
    """The highest settings to record for one modality in one area for one patient."""

    modality: Modality
    area: Area
    density_factor: float
    energy_factor: float
    energy_max: float
    energy_unit: str
    density_max_pct: float | None
    passes_max: int | None
    sources: tuple[str, ...]


@dataclass(frozen=True)
class RecordedSettings:
    """What the therapist recorded for a pass over an area (``None``: not recorded)."""

    energy: float | None = None
    density_pct: float | None = None
    passes: int | None = None


@dataclass(frozen=True)
class SettingsWarning:
    setting: str
    recorded: float
    limit: float
    unit: str
    message: str


def settings_factors(
    rules: SettingsRules, area: Area, precautions: Iterable[Finding] = ()
) -> SettingsFactors:
    """Combined density and energy factors (1.0 = full-face default, lower = gentler)."""
    base = rules.area_factors.get(area)
    density = base.density if base else 1.0
    energy = base.energy if base else 1.0
    provenance = base.provenance if base else Provenance()
    for finding in precautions:
        if finding.settings is not None:
            density *= finding.settings.density
            energy *= finding.settings.energy
            provenance = provenance.merged(finding.settings.provenance)
    return SettingsFactors(
        round(density, _FACTOR_DECIMALS), round(energy, _FACTOR_DECIMALS), provenance
    )


def settings_limits(
    rules: SettingsRules, modality: Modality, area: Area, precautions: Iterable[Finding] = ()
) -> SettingsLimits:
    """The limits to check a recorded session against."""
    device = rules.device_defaults[modality]
    factors = settings_factors(rules, area, precautions)
    density = device.density_max_pct
    return SettingsLimits(
        modality=modality,
        area=area,
        density_factor=factors.density,
        energy_factor=factors.energy,
        energy_max=round(device.energy_max * factors.energy, 2),
        energy_unit=device.energy_unit,
        density_max_pct=None if density is None else round(density * factors.density, 1),
        passes_max=device.passes_max,
        sources=device.provenance.merged(factors.provenance).labels,
    )


def check_settings(
    limits: SettingsLimits, recorded: RecordedSettings
) -> tuple[SettingsWarning, ...]:
    """Warnings for every recorded setting above its limit (an empty tuple: all within limits)."""
    checks: list[tuple[str, float | None, float | None, str]] = [
        ("energy", recorded.energy, limits.energy_max, limits.energy_unit),
        ("density", recorded.density_pct, limits.density_max_pct, "%"),
        ("passes", recorded.passes, limits.passes_max, "passes"),
    ]
    warnings = []
    for setting, value, limit, unit in checks:
        if value is None:
            continue
        if value < 0:
            raise InvalidInput(setting, f"must not be negative, got {value:g}")
        if limit is not None and value > limit:
            message = (
                f"{setting} {value:g} {unit} is above the limit of {limit:g} {unit} "
                f"for {limits.modality.value} on the {limits.area.value}"
            )
            warnings.append(SettingsWarning(setting, value, limit, unit, message))
    return tuple(warnings)
