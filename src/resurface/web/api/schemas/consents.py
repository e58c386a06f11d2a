"""The consents API's shapes."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

from pydantic import BaseModel, Field

from resurface.domain.codes import Modality
from resurface.domain.consent import ConsentLink, PhotoConsent, PhotoUse, SignedConsent, SignedVia
from resurface.services.consents import ConsentsOverview, Signature, Verified
from resurface.services.photo_consents import ExportedPhoto, PhotoConsentView
from resurface.web.api.schemas.common import Flag, InputModel

Coordinate = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Point = Annotated[list[Coordinate], Field(min_length=2, max_length=2)]
Stroke = Annotated[list[Point], Field(max_length=4000)]


class SignIn(InputModel):
    """The patient's signature on the clinic's device: their typed name and the strokes drawn
    (points ``[x, y]`` from 0 to 1, ``x`` across and ``y`` down a 3:1 pad)."""

    modality: Modality
    signed_name: Annotated[str, Field(max_length=200)]
    strokes: Annotated[list[Stroke], Field(max_length=60)]

    def signature(self) -> Signature:
        return Signature(self.signed_name, json.dumps(self.strokes))


class LinkIn(InputModel):
    modality: Modality


class ConsentOut(BaseModel):
    id: int
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
    pdf_url: str

    @classmethod
    def of(cls, c: SignedConsent) -> ConsentOut:
        return cls(
            id=c.id,
            patient_id=c.patient_id,
            plan_id=c.plan_id,
            modality=c.modality,
            template_version=c.template_version,
            template_digest=c.template_digest,
            signed_name=c.signed_name,
            signed_at=c.signed_at,
            pdf_sha256=c.pdf_sha256,
            via=c.via,
            recorded_by=c.recorded_by,
            pdf_url=f"/api/v1/consents/{c.id}/pdf",
        )


class ModalityConsentOut(BaseModel):
    modality: Modality
    signed: bool
    consent_id: int | None


class PhotoConsentOut(BaseModel):
    id: int
    use: PhotoUse
    granted: bool
    recorded_by: int
    recorded_at: dt.datetime
    note: str

    @classmethod
    def of(cls, d: PhotoConsent) -> PhotoConsentOut:
        return cls(
            id=d.id,
            use=d.use,
            granted=d.granted,
            recorded_by=d.recorded_by,
            recorded_at=d.recorded_at,
            note=d.note,
        )


class ConsentsOut(BaseModel):
    patient_id: int
    deferred: list[str] = Field(
        description="why the screening deferred treatment (no consent is offered)"
    )
    modalities: list[ModalityConsentOut] = Field(
        description="the plan's treatments and their consent"
    )
    signed: list[ConsentOut]

    @classmethod
    def of(cls, view: ConsentsOverview) -> ConsentsOut:
        return cls(
            patient_id=view.patient.id,
            deferred=list(view.deferred),
            modalities=[
                ModalityConsentOut(
                    modality=m.modality,
                    signed=m.signed is not None,
                    consent_id=m.signed.id if m.signed else None,
                )
                for m in view.modalities
            ],
            signed=[ConsentOut.of(c) for c in view.signed],
        )


class VerificationOut(BaseModel):
    consent_id: int
    intact: bool = Field(description="the stored PDF's SHA-256 is the one recorded at signing")
    recorded_sha256: str
    actual_sha256: str | None

    @classmethod
    def of(cls, v: Verified) -> VerificationOut:
        return cls(
            consent_id=v.consent.id,
            intact=v.intact,
            recorded_sha256=v.consent.pdf_sha256,
            actual_sha256=v.actual_sha256,
        )


class IssuedLinkOut(BaseModel):
    id: int
    modality: Modality
    url: str
    expires_at: dt.datetime


class ConsentLinkOut(BaseModel):
    id: int
    modality: Modality
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    consent_id: int | None = Field(description="the consent signed through it (used up)")

    @classmethod
    def of(cls, link: ConsentLink) -> ConsentLinkOut:
        return cls(
            id=link.id,
            modality=link.modality,
            created_at=link.created_at,
            expires_at=link.expires_at,
            revoked_at=link.revoked_at,
            consent_id=link.consent_id,
        )


class PhotoConsentIn(InputModel):
    use: PhotoUse
    granted: Flag = Field(description="false withdraws the consent to this use")
    note: Annotated[str, Field(max_length=500)] = ""


class PhotoConsentsOut(BaseModel):
    patient_id: int
    in_force: dict[PhotoUse, bool] = Field(description="whether each use is allowed now")
    history: list[PhotoConsentOut]

    @classmethod
    def of(cls, view: PhotoConsentView) -> PhotoConsentsOut:
        return cls(
            patient_id=view.patient.id,
            in_force={use: view.allows(use) for use in PhotoUse},
            history=[PhotoConsentOut.of(d) for d in view.history],
        )


class ExportedPhotoOut(BaseModel):
    photo_id: int
    patient_ref: str
    region: str
    captured_at: dt.datetime
    content_url: str

    @classmethod
    def of(cls, e: ExportedPhoto) -> ExportedPhotoOut:
        return cls(
            photo_id=e.photo.id,
            patient_ref=e.patient_ref,
            region=e.photo.region,
            captured_at=e.photo.captured_at,
            content_url=f"/api/v1/photos/{e.photo.id}/content",
        )


class PhotoSetOut(BaseModel):
    use: PhotoUse
    photos: list[ExportedPhotoOut]
