"""Checking a shot in the room: the capture verdict of a photo before it is kept.

The tablet's camera page sends each shot here the moment it is taken. The photo is measured as an
upload would measure it (``photo_analysis.with_face_fallback``) and the verdict of
``imaging.quality.capture_quality`` comes back in plain words: too coarse for some metrics, out of
focus, over- or under-exposed, the face turned, no grey card. Nothing is stored: the clinician
retakes the photo or sends it with the form as usual. The check is audited against the patient
(their photo was processed), like every other use of a chart photo.
"""

from __future__ import annotations

from dataclasses import dataclass

from resurface.domain.measurements import WHOLE_FRAME
from resurface.imaging.analysis import analyze
from resurface.imaging.errors import EmptyRegion, ImagingError
from resurface.imaging.quality import capture_quality
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.context import Context
from resurface.services.patients import find_patient
from resurface.services.photo_analysis import NO_FACE_NOTE, with_face_fallback
from resurface.services.photos import ingest_upload, photo_area

__all__ = ["CaptureCheck", "check_capture"]


@dataclass(frozen=True)
class CaptureCheck:
    """The verdict of one shot.

    ``problems`` are in plain words, empty when the shot is good; ``grey_card`` says whether a
    grey card was found (its absence is not a problem, but the clinician should know).
    """

    problems: tuple[str, ...]
    grey_card: bool

    @property
    def ok(self) -> bool:
        return not self.problems


def check_capture(
    ctx: Context, actor: Actor, patient_id: int, region: str, data: bytes
) -> CaptureCheck:
    """The capture verdict of a shot of ``region`` of the patient, without keeping the photo.

    Raises
    ------
    InvalidInput
        ``region`` is not an area, or ``file`` is not a photo (or too large).
    NotFound
        The patient is not in the actor's clinic.
    """
    require(actor, Permission.WRITE_CHART)
    area = photo_area(region)
    with ctx.uow() as uow:
        patient = find_patient(uow, actor, patient_id)
        audit.record(
            uow, actor, "check", "photo_capture", patient.id, patient_id=patient.id,
            detail=area.value,
        )  # fmt: skip
        uow.commit()
    # In a slot of the work done while someone waits in the room (as an upload's intake), not
    # behind the background measuring of a backlog of photos.
    with ctx.photo_intake():
        ingested = ingest_upload(data, ctx.limits)
        try:
            analysis, spec = with_face_fallback(
                area.value, lambda spec: analyze(ingested.rgb, region=spec)
            )
        except EmptyRegion:
            found = "no face and no skin were" if area.is_face else "no skin was"
            return CaptureCheck((f"{found} found in the photo to measure",), False)
        except ImagingError as error:
            return CaptureCheck((f"the photo cannot be measured: {error}",), False)
        quality = capture_quality(analysis)
    problems = list(quality.problems)
    if spec == WHOLE_FRAME and area.is_face:
        problems.insert(0, NO_FACE_NOTE[0].lower() + NO_FACE_NOTE[1:].rstrip("."))
    return CaptureCheck(tuple(problems), quality.grey_card)
