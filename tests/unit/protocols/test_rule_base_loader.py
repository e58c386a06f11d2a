"""The rule-base loader: the shipped files load; broken copies fail naming file and key."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from resurface.domain.codes import Modality
from resurface.domain.errors import ProtocolError
from resurface.protocols import DEFAULT_DIRECTORY, PROTOCOL_FILES, load_rule_base

CLINICAL_MD = Path("/work/shared/CLINICAL.md")


@pytest.fixture
def clinic_copy(tmp_path: Path) -> Path:
    for name in PROTOCOL_FILES:
        shutil.copy(DEFAULT_DIRECTORY / name, tmp_path / name)
    return tmp_path


def edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text()
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1))


def test_the_shipped_rule_base_loads_and_covers_every_modality() -> None:
    rules = load_rule_base()
    assert set(rules.planning.profiles) == set(Modality)
    assert set(rules.recovery.profiles) == set(Modality)
    assert set(rules.settings.device_defaults) == set(Modality)


def test_a_clinic_copy_is_used_instead_of_the_shipped_files(clinic_copy: Path) -> None:
    edit(clinic_copy, "scales.yaml", 'never tans", up_to: 6}', 'never tans", up_to: 8}')
    rules = load_rule_base(clinic_copy)
    assert rules.scales.fitzpatrick.types[0].up_to == 8


def test_a_number_without_source_or_flag_is_refused(clinic_copy: Path) -> None:
    edit(clinic_copy, "triage.yaml", "  - flag: blisters_or_cold_sores\n",
         "  - flag: blisters_or_cold_sores\n    from_day: 2\n")  # fmt: skip
    edit(clinic_copy, "triage.yaml", "    source: [Nanni & Alster 1998, Wall 1999]\n", "")
    with pytest.raises(ProtocolError) as error:
        load_rule_base(clinic_copy)
    assert error.value.file == "triage.yaml"
    assert error.value.key == "red_flags[1].from_day"


def test_an_expert_opinion_flag_needs_a_note(clinic_copy: Path) -> None:
    edit(clinic_copy, "response.yaml",
         "  max_extra_sessions: 2\n  expert_opinion: true\n  note: >-",
         "  max_extra_sessions: 2\n  expert_opinion: true\n  other: >-")  # fmt: skip
    with pytest.raises(ProtocolError, match=r"response\.yaml: reestimate\.note"):
        load_rule_base(clinic_copy)


def test_a_source_must_name_a_year(clinic_copy: Path) -> None:
    old = "source: [Wall 1999, Gilbert & McBurney 2000]\n\n  - code: keloid"
    edit(clinic_copy, "screening.yaml", old, "source: [a friend]\n\n  - code: keloid")
    with pytest.raises(ProtocolError, match=r"screening\.yaml: rules\[3\]\.source"):
        load_rule_base(clinic_copy)


def test_an_unknown_code_names_the_key(clinic_copy: Path) -> None:
    edit(
        clinic_copy,
        "modalities.yaml",
        "  - modality: ablative_erbium\n",
        "  - modality: ablative_ruby\n",
    )
    with pytest.raises(ProtocolError) as error:
        load_rule_base(clinic_copy)
    assert (error.value.file, error.value.key) == ("modalities.yaml", "indications[1].modality")


def test_a_range_upside_down_is_refused(clinic_copy: Path) -> None:
    edit(clinic_copy, "modalities.yaml", "sessions: {min: 2, max: 3,", "sessions: {min: 4, max: 3,")
    with pytest.raises(ProtocolError, match=r"indications\[2\]\.sessions.*min.*above"):
        load_rule_base(clinic_copy)


def test_a_delicate_area_factor_above_one_is_refused(clinic_copy: Path) -> None:
    edit(clinic_copy, "settings_limits.yaml", "neck: {density: 0.6", "neck: {density: 1.4")
    with pytest.raises(ProtocolError, match=r"settings_limits\.yaml: area_factors\.neck\.density"):
        load_rule_base(clinic_copy)


def test_a_plausible_range_upside_down_is_refused(clinic_copy: Path) -> None:
    edit(clinic_copy, "settings_limits.yaml", "energy_mj: [0.1, 500]", "energy_mj: [500, 0.1]")
    with pytest.raises(ProtocolError, match=r"settings_limits\.yaml: plausible_ranges.*energy_mj"):
        load_rule_base(clinic_copy)


def test_broken_yaml_gives_the_line(clinic_copy: Path) -> None:
    edit(clinic_copy, "aftercare.yaml", "fully_ablative:\n", "fully_ablative: [\n")
    with pytest.raises(ProtocolError, match=r"aftercare\.yaml: line \d+: not valid YAML"):
        load_rule_base(clinic_copy)


def test_a_missing_file_is_named(clinic_copy: Path) -> None:
    (clinic_copy / "recovery.yaml").unlink()
    with pytest.raises(ProtocolError, match=r"recovery\.yaml: <file>: cannot read"):
        load_rule_base(clinic_copy)


def test_a_missing_modality_is_named(clinic_copy: Path) -> None:
    edit(clinic_copy, "recovery.yaml", "  nonablative_fractional_1927: *nonablative\n", "")
    with pytest.raises(ProtocolError, match=r"recovery\.yaml: curves: missing.*1927"):
        load_rule_base(clinic_copy)


def test_severity_must_not_lower_the_session_estimate(clinic_copy: Path) -> None:
    edit(clinic_copy, "modalities.yaml", "severe: {position: 1.0", "severe: {position: 0.2")
    with pytest.raises(ProtocolError, match=r"modalities\.yaml: severity"):
        load_rule_base(clinic_copy)


@pytest.mark.skipif(not CLINICAL_MD.exists(), reason="needs ../shared/CLINICAL.md")
def test_every_cited_source_appears_in_the_clinical_reference() -> None:
    reference = CLINICAL_MD.read_text()
    cited: set[str] = set()

    def collect(node: object) -> None:
        if isinstance(node, dict):
            source = node.get("source")
            cited.update([source] if isinstance(source, str) else source or [])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    for name in PROTOCOL_FILES:
        collect(yaml.safe_load((DEFAULT_DIRECTORY / name).read_text()))
    for citation in cited:
        match = re.match(r"(.+?)\s+((?:19|20)\d\d)\b", citation)
        assert match, citation
        author, year = match.groups()
        near = [
            reference[m.end() : m.end() + 60] for m in re.finditer(re.escape(author), reference)
        ]
        assert any(year in after for after in near), f"{citation!r} is not in CLINICAL.md"


def test_every_modality_has_a_consent_template() -> None:
    assert set(load_rule_base().consent.templates) == set(Modality)


def test_a_consent_rate_without_a_source_is_refused(clinic_copy: Path) -> None:
    edit(clinic_copy, "consent.yaml", "{percent: 37, source: [Nanni & Alster 1998]}",
         "{percent: 37}")  # fmt: skip
    with pytest.raises(ProtocolError) as error:
        load_rule_base(clinic_copy)
    assert error.value.file == "consent.yaml"
    assert "37" in str(error.value)


def test_a_consent_rate_left_to_the_clinic_needs_the_flag(clinic_copy: Path) -> None:
    edit(clinic_copy, "consent.yaml",
         "{percent: 37, source: [Nanni & Alster 1998]}", "{when: later}")  # fmt: skip
    with pytest.raises(ProtocolError, match="clinic's to set"):
        load_rule_base(clinic_copy)


def test_every_metric_of_skin_quality_has_a_better_direction() -> None:
    """Fewer spots or shorter lines read "better" to the patient, never a bare "changed"; only
    the colour coordinates with no better direction (lightness, yellowness, ITA°) stay neutral."""
    from resurface.domain.photo_metrics import METRIC_ORDER

    neutral = {"l_star_mean", "b_star_mean", "ita_deg", "ita_category"}
    lower_is_better = load_rule_base().response.lower_is_better
    assert lower_is_better <= set(METRIC_ORDER)
    assert set(METRIC_ORDER) - lower_is_better == neutral
