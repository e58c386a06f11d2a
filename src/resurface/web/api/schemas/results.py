"""The results API's shapes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from resurface.domain.chart import Photo, PhotoPurpose
from resurface.domain.measurements import CaptureVerdict, Comparability, FacePose
from resurface.domain.outcomes import OutcomeRating
from resurface.services.results import ItemResponse, MetricChange, ResultsView
from resurface.web.api.schemas.common import InputModel, IsoDate, Whole


class MetricChangeOut(BaseModel):
    region: str
    metric: str
    before: float | int | str
    after: float | int | str
    change: float | int | str | None
    change_pct: float | None
    improved: bool | None = Field(
        description="true/false only beyond the metric's minimal detectable change"
    )
    verdict: str = Field(description="better, worse, changed or no measurable change")
    label: str = Field(description="the metric's name for people, with its unit")
    minimal_detectable_change: str = Field(
        description="what repeat photos of unchanged skin differ by (protocols/repeatability.yaml)"
    )

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
            verdict=c.verdict,
            label=c.label,
            minimal_detectable_change=c.detectable,
        )


def _rounded(value: float | int | str | None) -> float | int | str | None:
    return round(value, 4) if isinstance(value, float) else value


class PoseOut(BaseModel):
    yaw: float
    pitch: float
    roll: float

    @classmethod
    def of(cls, pose: FacePose | None) -> PoseOut | None:
        return None if pose is None else cls(yaw=pose.yaw, pitch=pose.pitch, roll=pose.roll)


class CaptureQualityOut(BaseModel):
    """The capture verdict of one photo."""

    px_per_mm: float | None
    not_measurable: list[str] = Field(description="metrics this resolution cannot measure")
    sharpness: float
    in_focus: bool
    clipped_fraction: float
    exposure_ok: bool
    pose: PoseOut | None = Field(description="degrees; null without a face")
    grey_card: bool
    problems: list[str]

    @classmethod
    def of(cls, q: CaptureVerdict | None) -> CaptureQualityOut | None:
        if q is None:
            return None
        return cls(
            px_per_mm=None if q.px_per_mm is None else round(q.px_per_mm, 2),
            not_measurable=list(q.not_measurable), sharpness=q.sharpness, in_focus=q.in_focus,
            clipped_fraction=q.clipped_fraction, exposure_ok=q.exposure_ok,
            pose=PoseOut.of(q.pose), grey_card=q.grey_card, problems=list(q.problems),
        )  # fmt: skip


class ComparabilityOut(BaseModel):
    comparable: bool
    reasons: list[str]
    pose_difference: PoseOut | None = Field(description="after minus before, degrees")
    light_change_pct: float | None

    @classmethod
    def of(cls, c: Comparability | None) -> ComparabilityOut | None:
        if c is None:
            return None
        return cls(
            comparable=c.comparable, reasons=list(c.reasons),
            pose_difference=PoseOut.of(c.pose_difference), light_change_pct=c.light_change_pct,
        )  # fmt: skip


class PhotoRefOut(BaseModel):
    id: int
    region: str
    captured_at: dt.datetime
    purpose: PhotoPurpose
    baseline: bool = Field(description="the region's baseline: later photos are measured from it")


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
    comparing: bool = Field(
        default=False,
        description="the pair is still being compared in the background: ask again shortly",
    )
    before_quality: CaptureQualityOut | None = None
    after_quality: CaptureQualityOut | None = None
    comparability: ComparabilityOut | None = None
    changes: list[MetricChangeOut]
    reestimates: list[ReestimateOut]
    outcomes: list[OutcomeOut]
    gais_scale: list[GaisChoiceOut]

    @classmethod
    def of(cls, view: ResultsView) -> ResultsOut:
        baselines = {r.baseline.id for r in view.regions if r.baseline is not None}

        def photo_ref(p: Photo) -> PhotoRefOut:
            return PhotoRefOut(
                id=p.id, region=p.region, captured_at=p.captured_at, purpose=p.purpose,
                baseline=p.id in baselines,
            )  # fmt: skip

        def ref(p: Photo | None) -> PhotoRefOut | None:
            return None if p is None else photo_ref(p)

        m = view.measured
        png = None
        if view.before is not None and view.after is not None and m is not None:
            png = (
                f"/patients/{view.patient.id}/results/compare.png"
                f"?before={view.before.id}&after={view.after.id}"
            )
        return cls(
            patient_id=view.patient.id,
            regions={r.region: [photo_ref(p) for p in r.photos] for r in view.regions},
            before=ref(view.before),
            after=ref(view.after),
            comparison_png=png,
            alignment=m.alignment if m else None,
            colour_normalisation=m.colour_normalisation if m else None,
            measure_error=view.measure_error,
            comparing=view.comparing,
            before_quality=CaptureQualityOut.of(m.before_quality) if m else None,
            after_quality=CaptureQualityOut.of(m.after_quality) if m else None,
            comparability=ComparabilityOut.of(m.comparability) if m else None,
            changes=[MetricChangeOut.of(c) for c in m.changes] if m else [],
            reestimates=[ReestimateOut.of(r) for r in view.responses],
            outcomes=[OutcomeOut.of(o) for o in view.outcomes],
            gais_scale=[
                GaisChoiceOut(value=int(g.code), label=g.label, description=g.description)
                for g in view.gais
            ],
        )


class OutcomeIn(InputModel):
    value: Whole = Field(description="GAIS 1 very much improved ... 5 worse")
    rated_on: IsoDate | None = Field(default=None, description="defaults to today")
    note: str = Field(default="", max_length=2000)
    session_id: Whole | None = None
