"""resurface consent list / verify, run as a user would: a signed consent's PDF checks out, a
changed file is named and exits 1, another clinic's user finds nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from resurface import bootstrap
from resurface.config import Environment
from resurface.domain.people import Role
from resurface.services import consents
from resurface.services.auth import actor_of
from tests.conftest import make_settings
from tests.support.clinic import seed_clinic
from tests.support.consents import SIGNATURE, patient_to_consent


def resurface(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"RESURFACE_DATA_DIR": str(data_dir), "RESURFACE_ENVIRONMENT": "development"}
    env.pop("RESURFACE_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "resurface.cli.main", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


def test_verify_names_a_changed_pdf_and_list_shows_the_consents(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, f"sqlite:///{tmp_path / 'resurface.db'}", environment=Environment.DEVELOPMENT
    )
    bootstrap.migrate(settings)
    runtime = bootstrap.build(settings)
    north = seed_clinic(runtime.context.uow, "north")
    seed_clinic(runtime.context.uow, "south")
    with runtime.context.uow() as uow:
        clinician = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert clinician is not None
    patient, _ = patient_to_consent(runtime.context.uow, north.clinic.id, clinician.id)
    signed = consents.sign_at_clinic(
        runtime.context, actor_of(clinician, "test"), patient.id, "ablative_co2",
        consents.Signature("Alex Consenter", SIGNATURE),
    )  # fmt: skip
    runtime.dispose()
    user = north.usernames[Role.CLINICIAN]

    listed = resurface(tmp_path, "consent", "list", str(patient.id), "--user", user, "--json")
    assert listed.returncode == 0, listed.stderr
    assert [c["id"] for c in json.loads(listed.stdout)] == [signed.id]

    saved = tmp_path / "copy.pdf"
    ok = resurface(
        tmp_path, "consent", "verify", str(signed.id), "--user", user, "--save", str(saved)
    )
    assert ok.returncode == 0, ok.stderr
    assert f"consent {signed.id} intact" in ok.stdout and signed.pdf_sha256 in ok.stdout
    assert saved.read_bytes().startswith(b"%PDF")

    key = signed.pdf_sha256
    stored = settings.photos_dir / key[:2] / key[2:4] / key
    stored.write_bytes(stored.read_bytes() + b"\n% changed")
    changed = resurface(tmp_path, "consent", "verify", str(signed.id), "--user", user)
    assert changed.returncode == 1
    assert "NOT intact" in changed.stderr

    other = resurface(tmp_path, "consent", "verify", str(signed.id), "--user", "south.clinician")
    assert other.returncode == 2 and "not found" in other.stderr
    desk = resurface(tmp_path, "consent", "list", str(patient.id), "--user", "north.staff")
    assert desk.returncode == 2 and "may not" in desk.stderr
