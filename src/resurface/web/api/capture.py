"""API: check a shot in the room. The tablet's camera page sends each shot the moment it is
taken and shows the capture verdict, so a retake happens before the patient leaves; nothing is
stored (the photo is then sent with the upload form as usual)."""

from __future__ import annotations

from typing import Annotated

from fastapi import File, Form, UploadFile
from pydantic import BaseModel

from resurface.services import capture
from resurface.web.api.v1 import v1_router
from resurface.web.deps import CheckedSessionDep, ContextDep

router = v1_router(tags=["photos"])


class CaptureCheckOut(BaseModel):
    ok: bool
    """True when nothing is wrong with the shot."""
    problems: list[str]
    """What is wrong, in plain words (too coarse, out of focus, exposure, pose, no face)."""
    grey_card: bool
    """A grey card was found in the frame (colour is then corrected from it)."""


@router.post("/patients/{patient_id}/photos/check", response_model=CaptureCheckOut)
def check(
    ctx: ContextDep,
    session: CheckedSessionDep,
    patient_id: int,
    region: Annotated[str, Form(description="the area photographed, e.g. cheeks or neck")],
    file: Annotated[UploadFile, File(description="the shot: JPEG, PNG, TIFF or HEIC")],
) -> CaptureCheckOut:
    """The capture verdict of a shot (scale, focus, exposure, pose, grey card); not stored."""
    data = file.file.read(ctx.limits.upload_bytes + 1)
    verdict = capture.check_capture(ctx, session.actor, patient_id, region, data)
    return CaptureCheckOut(
        ok=verdict.ok, problems=list(verdict.problems), grey_card=verdict.grey_card
    )
