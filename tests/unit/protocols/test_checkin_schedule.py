"""The check-in schedule in recovery.yaml: loaded per modality family, flagged as the clinic's
setting, and a broken copy fails naming the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from resurface.domain.errors import ProtocolError
from resurface.domain.rulebase import ModalityFamily
from resurface.protocols import DEFAULT_DIRECTORY, PROTOCOL_FILES, load_rule_base


@pytest.fixture
def clinic_copy(tmp_path: Path) -> Path:
    for name in PROTOCOL_FILES:
        shutil.copy(DEFAULT_DIRECTORY / name, tmp_path / name)
    return tmp_path


def replace_in(folder: Path, old: str, new: str) -> None:
    path = folder / "recovery.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_every_family_has_rising_checkin_days_marked_as_the_clinics_setting() -> None:
    recovery = load_rule_base().recovery
    assert set(recovery.checkin_days) == set(ModalityFamily)
    for days in recovery.checkin_days.values():
        assert days and list(days) == sorted(set(days)) and days[0] >= 1
    assert recovery.checkin_provenance.expert_opinion
    # gentler treatment, fewer check-ins
    fully = recovery.checkin_days[ModalityFamily.FULLY_ABLATIVE]
    assert len(fully) > len(recovery.checkin_days[ModalityFamily.NONABLATIVE])


def test_a_clinic_can_set_its_own_days(clinic_copy: Path) -> None:
    replace_in(clinic_copy, "nonablative: [1, 3, 7, 14]", "nonablative: [2, 10]")
    assert load_rule_base(clinic_copy).recovery.checkin_days[ModalityFamily.NONABLATIVE] == (2, 10)


def test_days_out_of_order_are_refused_naming_the_key(clinic_copy: Path) -> None:
    replace_in(clinic_copy, "nonablative: [1, 3, 7, 14]", "nonablative: [7, 3]")
    with pytest.raises(ProtocolError) as error:
        load_rule_base(clinic_copy)
    assert error.value.file == "recovery.yaml" and "checkin_days" in error.value.key


def test_a_missing_family_is_refused(clinic_copy: Path) -> None:
    replace_in(clinic_copy, "  nonablative: [1, 3, 7, 14]\n", "")
    with pytest.raises(ProtocolError, match="nonablative"):
        load_rule_base(clinic_copy)


def test_the_schedule_needs_its_expert_opinion_flag(clinic_copy: Path) -> None:
    text = (clinic_copy / "recovery.yaml").read_text()
    start = text.index("checkin_days:")
    cut = text[:start] + text[start:].replace("  expert_opinion: true\n", "", 1)
    (clinic_copy / "recovery.yaml").write_text(cut)
    with pytest.raises(ProtocolError, match="no `source:`"):
        load_rule_base(clinic_copy)
