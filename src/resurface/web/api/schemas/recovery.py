"""The recovery API's shapes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from resurface.services.recovery.clinician_view import RecoveryChart
from resurface.web.api.schemas.alerts import AlertOut


class BandOut(BaseModel):
    day: int
    low: float
    high: float


class ReadingOut(BaseModel):
    day: int
    value: int
    expected_low: float
    expected_high: float
    above_expected: bool


class SeriesOut(BaseModel):
    score: str
    expected: list[BandOut]
    readings: list[ReadingOut]


class FlagDayOut(BaseModel):
    day: int
    flags: list[str]


class SessionRefOut(BaseModel):
    id: int
    performed_on: dt.date
    areas: list[str]


class RecoveryChartOut(BaseModel):
    patient_id: int
    sessions: list[SessionRefOut]
    session_id: int | None
    area: str | None
    modality: str | None
    skin_type: str | None
    skin_type_recorded: bool
    healing_days: list[float] | None
    sources: list[str]
    days_shown: int
    today_day: int | None
    series: list[SeriesOut]
    red_flags: list[FlagDayOut]
    alerts: list[AlertOut]

    @classmethod
    def of(cls, view: RecoveryChart) -> RecoveryChartOut:
        course = view.course
        return cls(
            patient_id=view.patient.id,
            sessions=[
                SessionRefOut(id=s.id, performed_on=s.performed_on, areas=[a.area for a in s.areas])
                for s in view.sessions
            ],
            session_id=view.session.id if view.session else None,
            area=view.area.value if view.area else None,
            modality=view.modality.value if view.modality else None,
            skin_type=view.skin_type.value if view.skin_type else None,
            skin_type_recorded=view.skin_type_recorded,
            healing_days=[course.healing_days.min, course.healing_days.max] if course else None,
            sources=list(course.sources) if course else [],
            days_shown=view.days_shown,
            today_day=view.today_day,
            series=[
                SeriesOut(
                    score=s.score.value,
                    expected=[BandOut(day=d, low=b.low, high=b.high) for d, b in s.band],
                    readings=[
                        ReadingOut(
                            day=r.day,
                            value=r.value,
                            expected_low=r.band.low,
                            expected_high=r.band.high,
                            above_expected=r.above,
                        )
                        for r in s.readings
                    ],
                )
                for s in view.series
            ],
            red_flags=[FlagDayOut(day=f.day, flags=list(f.flags)) for f in view.flags],
            alerts=[AlertOut.of(a, view.patient.full_name) for a in view.alerts],
        )
