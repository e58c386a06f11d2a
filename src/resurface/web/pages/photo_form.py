"""The photo upload form of the assessment page (baseline photos) and the follow-up photos page:
rows of a file and its region, so that a visit's photos go in one form.

Fields are ``photos-<n>-file`` and ``photos-<n>-region`` with ``n`` counted from 0, as the other
row forms name theirs; the page shows the rows counted from 1 ("Photo 1"). Without JavaScript
the form has ``ROWS_SHOWN`` rows; ``photo_upload.js`` adds rows and fills them from a picker of
several files.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from starlette.datastructures import FormData, UploadFile

from resurface.domain.chart import Photo, PhotoPurpose
from resurface.domain.codes import Area
from resurface.domain.photo_series import series_by_region
from resurface.services.photos import MAX_PHOTOS_AT_ONCE, PhotoRow

ROWS_SHOWN = 3
SentPhotos = tuple[str, Mapping[int, str], Mapping[int, Photo]]
"""A form as sent: its request key, each row's region, and the photos of the rows saved."""
_FIELD = re.compile(r"^photos-(\d)-(file|region)$")


@dataclass(frozen=True)
class PhotoFormRow:
    index: int
    region: str
    saved: Photo | None = None
    """Saved when the form was last sent: shown as saved, without a file to choose again."""

    @property
    def name(self) -> str:
        return f"photos-{self.index}"

    @property
    def number(self) -> int:
        return self.index + 1


@dataclass(frozen=True)
class PhotoForm:
    purpose: PhotoPurpose
    rows: tuple[PhotoFormRow, ...]
    request_key: str
    preferred: tuple[Area, ...]
    """The patient's areas, offered first in each region choice."""
    assessment_id: int | None = None
    max_rows: int = MAX_PHOTOS_AT_ONCE
    ghosts: Mapping[str, int] = field(default_factory=dict)
    """Region -> the patient's baseline photo of it: shown faintly over the camera's preview so
    that a new photo matches its pose and distance."""

    @property
    def ghosts_json(self) -> str:
        """Region -> the address of its baseline photo (read through the audited photo route)."""
        return json.dumps({region: f"/photos/{pid}" for region, pid in self.ghosts.items()})

    @property
    def others(self) -> tuple[Area, ...]:
        return tuple(a for a in Area if a not in self.preferred)

    @property
    def follow_up(self) -> bool:
        return self.purpose is PhotoPurpose.FOLLOW_UP


def blank_form(
    purpose: PhotoPurpose,
    preferred: tuple[Area, ...],
    assessment_id: int | None = None,
    *,
    photos: Iterable[Photo] = (),
) -> PhotoForm:
    """A new form. The region of each photo is chosen, never guessed: a guess left unchanged
    would file a photo under the wrong region unnoticed. The patient's areas come first.
    ``photos``: the patient's photos the page already shows, for the camera's ghost of each
    region's baseline."""
    rows = tuple(PhotoFormRow(i, "") for i in range(ROWS_SHOWN))
    form = PhotoForm(purpose, rows, secrets.token_urlsafe(16), preferred, assessment_id)
    return replace(form, ghosts=baselines_by_region(photos))


def baselines_by_region(photos: Iterable[Photo]) -> dict[str, int]:
    """Region -> the id of its baseline photo, of the clinical photos not entered in error."""
    kept = [p for p in photos if p.is_clinical and not p.entered_in_error]
    return {s.region: s.baseline.id for s in series_by_region(kept) if s.baseline is not None}


def sent_form(
    blank: PhotoForm, request_key: str, regions: Mapping[int, str], saved: Mapping[int, Photo]
) -> PhotoForm:
    """The form as it was sent, to show again: each row's region, and the rows already saved."""
    count = max([ROWS_SHOWN, *(i + 1 for i in (*regions, *saved))])
    rows = tuple(PhotoFormRow(i, regions.get(i, ""), saved.get(i)) for i in range(count))
    key = request_key or blank.request_key
    return replace(blank, rows=rows, request_key=key)


async def read_rows(form: FormData, most_bytes: int) -> tuple[dict[int, PhotoRow], dict[int, str]]:
    """Each row's region and file (``b""`` when no file was chosen), by row index; a file is
    read up to one byte past ``most_bytes`` so that the service can refuse it as too large."""
    regions: dict[int, str] = {}
    files: dict[int, bytes] = {}
    for key, value in form.multi_items():
        field = _FIELD.match(key)
        if field is None:
            continue
        index, kind = int(field.group(1)), field.group(2)
        if index >= MAX_PHOTOS_AT_ONCE:
            continue
        if kind == "region" and isinstance(value, str):
            regions[index] = value.strip()[:40]
        elif kind == "file" and isinstance(value, UploadFile):
            files[index] = await value.read(most_bytes + 1)
    rows = {i: PhotoRow(regions.get(i, ""), data) for i, data in files.items()}
    return rows, regions


def field_of(index: int, field: str) -> str:
    """The form field of a row that the service refused (``file`` or ``region``)."""
    return f"photos-{index}-{field}" if field in ("file", "region") else field
