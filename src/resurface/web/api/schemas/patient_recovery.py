"""The patient recovery API's shapes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from resurface.domain.aftercare import AftercareAdvice
from resurface.domain.codes import RedFlag
from resurface.services.recovery.checkins import CheckInResult, PatientPage
from resurface.web.api.schemas.common import InputModel, IsoDate, Whole


class ScoresIn(InputModel):
    redness: Whole = Field(ge=0, le=10)
    swelling: Whole = Field(ge=0, le=10)
    irritation: Whole = Field(ge=0, le=10)
    pain: Whole = Field(ge=0, le=10)
    itch: Whole = Field(ge=0, le=10)


class CheckInIn(InputModel):
    """One check-in. ``date`` defaults to today; a check-in saved offline sends its own day."""

    date: IsoDate | None = None
    scores: ScoresIn
    red_flags: list[RedFlag] = Field(default_factory=list)
    note: str = Field(default="", max_length=2000)


class PatientBandOut(BaseModel):
    score: str
    value: int
    expected_low: float
    expected_high: float
    position: str


class PatientCheckInOut(BaseModel):
    id: int
    date: dt.date
    day: int
    scores: dict[str, int]
    red_flags: list[str]
    note: str
    bands: list[PatientBandOut]
    overall: str
    instruction: str
    patient_messages: list[str]
    photo_ids: list[int]

    @classmethod
    def of(cls, result: CheckInResult) -> PatientCheckInOut:
        checkin = result.record.checkin
        return cls(
            id=result.record.id,
            date=checkin.date,
            day=result.day,
            scores={score.value: value for score, value in checkin.scores.items()},
            red_flags=sorted(flag.value for flag in checkin.red_flags),
            note=checkin.note,
            bands=[
                PatientBandOut(
                    score=p.score.value,
                    value=p.value,
                    expected_low=p.band.low,
                    expected_high=p.band.high,
                    position=p.position.value,
                )
                for p in result.positions
            ],
            overall=result.overall.value,
            instruction=result.instruction.value,
            patient_messages=list(result.patient_messages),
            photo_ids=list(result.photo_ids),
        )


class AftercareOut(BaseModel):
    day: int
    title: str
    cleansing: str
    moisturising: str
    sun_protection: str
    avoid: list[str]
    sources: list[str]

    @classmethod
    def of(cls, advice: AftercareAdvice) -> AftercareOut:
        return cls(
            day=advice.day,
            title=advice.title,
            cleansing=advice.cleansing,
            moisturising=advice.moisturising,
            sun_protection=advice.sun_protection,
            avoid=list(advice.avoid),
            sources=list(advice.sources),
        )


class PatientRecoveryOut(BaseModel):
    clinic_name: str
    clinic_phone: str
    treated_on: dt.date
    modality: str
    area: str
    today: dt.date
    day_today: int
    checked_in_today: bool
    aftercare_today: AftercareOut
    checkins: list[PatientCheckInOut]
    """Newest first."""
    link_expires_at: dt.datetime
    form_token: str = Field(
        description="send it as the X-CSRF-Token header with a check-in through this link"
    )

    @classmethod
    def of(cls, view: PatientPage) -> PatientRecoveryOut:
        return cls(
            clinic_name=view.clinic_name,
            clinic_phone=view.clinic_phone,
            treated_on=view.treatment.treated_on,
            modality=view.treatment.modality.value,
            area=view.treatment.area.value,
            today=view.today,
            day_today=view.day_today,
            checked_in_today=view.checked_in_today,
            aftercare_today=AftercareOut.of(view.aftercare_today),
            checkins=[PatientCheckInOut.of(entry) for entry in view.entries],
            link_expires_at=view.link_expires_at,
            form_token=view.csrf_token,
        )


class SubmittedOut(BaseModel):
    checkin: PatientCheckInOut
    duplicate: bool
    """True when the same check-in had already been received (it was not saved twice)."""
