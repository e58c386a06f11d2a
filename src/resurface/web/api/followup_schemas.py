"""API shapes of recovery (clinician view), alerts, results and the clinic home."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from resurface.domain.alerts import ClinicAlert
from resurface.domain.appointments import Appointment
from resurface.domain.chart import Photo
from resurface.domain.outcomes import OutcomeRating
from resurface.services.home import HomeView
from resurface.services.recovery.clinician_view import RecoveryChart
from resurface.services.results import ItemResponse, MetricChange, ResultsView
from resurface.web.api.schemas import IsoDate, Whole


class AlertOut(BaseModel):
    id: int
    patient_id: int
    patient_name: str
    session_id: int
    code: str
    urgency: str
    day: int
    message: str
    raised_at: dt.datetime
    status: str
    acknowledged_by: int | None
    acknowledged_at: dt.datetime | None
    closed_by: int | None
    closed_at: dt.datetime | None
    note: str
    version: int

    @classmethod
    def of(cls, alert: ClinicAlert, patient_name: str = "") -> AlertOut:
        return cls(
            id=alert.id,
            patient_id=alert.patient_id,
            patient_name=patient_name,
            session_id=alert.session_id,
            code=alert.code.value,
            urgency=alert.urgency.value,
            day=alert.day,
            message=alert.message,
            raised_at=alert.raised_at,
            status=alert.status.value,
            acknowledged_by=alert.acknowledged_by,
            acknowledged_at=alert.acknowledged_at,
            closed_by=alert.closed_by,
            closed_at=alert.closed_at,
            note=alert.note,
            version=alert.version,
        )


class AlertPage(BaseModel):
    items: list[AlertOut]
    total: int
    page: int
    per_page: int
    pages: int


class AlertAction(BaseModel):
    version: Whole = Field(description="the version of the alert you acted on")
    note: str = Field(max_length=2000, description="what was done")


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


class RecoveryOut(BaseModel):
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
    def of(cls, view: RecoveryChart) -> RecoveryOut:
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


class MetricChangeOut(BaseModel):
    region: str
    metric: str
    before: float | int | str
    after: float | int | str
    change: float | int | str | None
    change_pct: float | None
    improved: bool | None

    @classmethod
    def of(cls, c: MetricChange) -> MetricChangeOut:
        return cls(
            region=c.region,
            metric=c.metric,
            before=_rounded(c.before),
            after=_rounded(c.after),
            change=_rounded(c.change),
            change_pct=None if c.change_pct is None else round(c.change_pct, 2),
            improved=c.better,
        )


def _rounded(value: float | int | str | None) -> float | int | str | None:
    return round(value, 4) if isinstance(value, float) else value


class PhotoRefOut(BaseModel):
    id: int
    region: str
    captured_at: dt.datetime


class ResponsePointOut(BaseModel):
    photo_id: int
    captured_at: dt.datetime
    sessions_before: int
    change_pct: float | None
    improvement_pct: float | None


class ReestimateOut(BaseModel):
    area: str
    concern: str
    modality: str
    metric: str | None
    baseline_photo_id: int | None
    measurements: list[ResponsePointOut]
    sessions_done: int
    sessions_measured: int
    expected_total: int
    new_total: int
    remaining: int
    remaining_now: int
    improvement_pct: float | None
    target_pct: float
    status: str
    explanation: str
    sources: list[str]

    @classmethod
    def of(cls, item: ItemResponse) -> ReestimateOut:
        e = item.estimate
        return cls(
            area=item.area.value,
            concern=item.concern.value,
            modality=item.modality.value,
            metric=item.metric,
            baseline_photo_id=item.baseline.id if item.baseline else None,
            measurements=[
                ResponsePointOut(
                    photo_id=p.photo.id,
                    captured_at=p.photo.captured_at,
                    sessions_before=p.sessions_before,
                    change_pct=p.change_pct,
                    improvement_pct=p.improvement_pct,
                )
                for p in item.points
            ],
            sessions_done=item.sessions_done,
            sessions_measured=e.completed,
            expected_total=e.expected_total,
            new_total=e.new_total,
            remaining=e.remaining,
            remaining_now=item.remaining_now,
            improvement_pct=e.improvement_pct,
            target_pct=e.target_pct,
            status=e.status.value,
            explanation=e.explanation,
            sources=list(e.sources),
        )


class OutcomeOut(BaseModel):
    id: int
    rated_on: dt.date
    scale: str
    value: int
    label: str
    rated_by: int
    session_id: int | None
    note: str

    @classmethod
    def of(cls, r: OutcomeRating) -> OutcomeOut:
        return cls(
            id=r.id,
            rated_on=r.rated_on,
            scale=r.scale,
            value=r.value,
            label=r.label,
            rated_by=r.rated_by,
            session_id=r.session_id,
            note=r.note,
        )


class GaisChoiceOut(BaseModel):
    value: int
    label: str
    description: str


class ResultsOut(BaseModel):
    patient_id: int
    regions: dict[str, list[PhotoRefOut]]
    before: PhotoRefOut | None
    after: PhotoRefOut | None
    comparison_png: str | None
    alignment: str | None
    colour_normalisation: str | None
    measure_error: str
    changes: list[MetricChangeOut]
    reestimates: list[ReestimateOut]
    outcomes: list[OutcomeOut]
    gais_scale: list[GaisChoiceOut]

    @classmethod
    def of(cls, view: ResultsView) -> ResultsOut:
        def ref(p: Photo | None) -> PhotoRefOut | None:
            if p is None:
                return None
            return PhotoRefOut(id=p.id, region=p.region, captured_at=p.captured_at)

        m = view.measured
        png = None
        if view.before is not None and view.after is not None and m is not None:
            png = (
                f"/patients/{view.patient.id}/results/compare.png"
                f"?before={view.before.id}&after={view.after.id}"
            )
        return cls(
            patient_id=view.patient.id,
            regions={
                r.region: [
                    PhotoRefOut(id=p.id, region=p.region, captured_at=p.captured_at)
                    for p in r.photos
                ]
                for r in view.regions
            },
            before=ref(view.before),
            after=ref(view.after),
            comparison_png=png,
            alignment=m.alignment if m else None,
            colour_normalisation=m.colour_normalisation if m else None,
            measure_error=view.measure_error,
            changes=[MetricChangeOut.of(c) for c in m.changes] if m else [],
            reestimates=[ReestimateOut.of(r) for r in view.responses],
            outcomes=[OutcomeOut.of(o) for o in view.outcomes],
            gais_scale=[
                GaisChoiceOut(value=int(g.code), label=g.label, description=g.description)
                for g in view.gais
            ],
        )


class OutcomeIn(BaseModel):
    value: Whole = Field(description="GAIS 1 very much improved ... 5 worse")
    rated_on: IsoDate | None = Field(default=None, description="defaults to today")
    note: str = Field(default="", max_length=2000)
    session_id: Whole | None = None


class AppointmentOut(BaseModel):
    id: int
    patient_id: int
    patient_name: str
    kind: str
    due_on: dt.date

    @classmethod
    def of(cls, a: Appointment, patient_name: str) -> AppointmentOut:
        return cls(
            id=a.id, patient_id=a.patient_id, patient_name=patient_name, kind=a.kind.value,
            due_on=a.due_on,
        )  # fmt: skip


class SessionTodayOut(BaseModel):
    patient_id: int
    patient_name: str
    appointment_id: int | None
    recorded_session_id: int | None
    modalities: list[str] | None = Field(description="null for front-desk staff")


class HomeOut(BaseModel):
    today: dt.date
    clinical: bool
    sessions_today: list[SessionTodayOut]
    alerts: list[AlertOut] | None = Field(description="null for front-desk staff")
    checkins_due: list[AppointmentOut]
    sessions_due: list[AppointmentOut]

    @classmethod
    def of(cls, view: HomeView) -> HomeOut:
        return cls(
            today=view.today,
            clinical=view.clinical,
            sessions_today=[
                SessionTodayOut(
                    patient_id=s.patient.id,
                    patient_name=s.patient.full_name,
                    appointment_id=s.appointment.id if s.appointment else None,
                    recorded_session_id=s.recorded.id if s.recorded else None,
                    modalities=(
                        sorted({a.modality.value for a in s.recorded.areas})
                        if s.recorded and view.clinical
                        else None
                    ),
                )
                for s in view.sessions_today
            ],
            alerts=[AlertOut.of(a.alert, a.patient.full_name) for a in view.alerts]
            if view.clinical
            else None,
            checkins_due=[
                AppointmentOut.of(d.appointment, d.patient.full_name) for d in view.checkins_due
            ],
            sessions_due=[
                AppointmentOut.of(d.appointment, d.patient.full_name) for d in view.sessions_due
            ],
        )


__all__ = [
    "AlertAction",
    "AlertOut",
    "AlertPage",
    "HomeOut",
    "OutcomeIn",
    "OutcomeOut",
    "RecoveryOut",
    "ResultsOut",
]
