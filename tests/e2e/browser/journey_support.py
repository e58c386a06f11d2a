"""Shared by the journey and clinic-wall browser tests: a real server on a fresh SQLite database
with the two demo-style clinics (north and south), signing in, and a face photo to upload."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import APIResponse, BrowserContext, Page, ViewportSize, expect
from skimage import data as skimage_data

from resurface import bootstrap
from resurface.config import Environment
from tests.conftest import make_settings
from tests.support.clinic import PASSWORD, SeededClinic, seed_clinic
from tests.support.server import running_server

PHONE: ViewportSize = {"width": 390, "height": 844}
TABLET: ViewportSize = {"width": 1024, "height": 768}


@dataclass(frozen=True)
class ClinicServer:
    base: str
    north: SeededClinic
    south: SeededClinic


@contextmanager
def clinic_server(data_dir: Path) -> Iterator[ClinicServer]:
    """The real ``resurface serve`` (development environment, so cookies work over http)."""
    url = f"sqlite:///{data_dir / 'resurface.db'}"
    settings = make_settings(data_dir, url, environment=Environment.DEVELOPMENT)
    bootstrap.migrate(settings)
    runtime = bootstrap.build(settings)
    north = seed_clinic(runtime.context.uow, "north")
    south = seed_clinic(runtime.context.uow, "south")
    runtime.dispose()
    env = {
        "RESURFACE_ENVIRONMENT": Environment.DEVELOPMENT.value,
        "RESURFACE_DATA_DIR": str(data_dir),
        "RESURFACE_DATABASE_URL": url,
        "RESURFACE_SECRET_KEY": settings.secret_key,
    }
    with running_server(env, data_dir / "server.log") as base:
        yield ClinicServer(base, north, south)


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Today, "))).to_be_visible()


def face_jpeg(path: Path, *, brightness: float = 1.0) -> Path:
    """scikit-image's astronaut (a face: the six face regions are found) as a JPEG file."""
    pixels = skimage_data.astronaut().astype(np.float32) * brightness
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path, "JPEG", quality=92)
    return path


def upload_photo_by_api(
    context: BrowserContext,
    base: str,
    patient_id: int,
    region: str,
    photo: Path,
    purpose: str = "baseline",
) -> APIResponse:
    """POST /api/v1/patients/{id}/photos with the signed-in context's cookie and CSRF token."""
    me = context.request.get(f"{base}/api/v1/me")
    assert me.ok, me.text()
    token = me.json()["csrf_token"]
    return context.request.post(
        f"{base}/api/v1/patients/{patient_id}/photos",
        headers={"X-CSRF-Token": token},
        multipart={
            "region": region,
            "purpose": purpose,
            "file": {"name": photo.name, "mimeType": "image/jpeg", "buffer": photo.read_bytes()},
        },
    )
