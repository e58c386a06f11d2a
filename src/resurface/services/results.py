"""A patient's results: before/after photos of each region measured side by side, the change of
every metric, the clinician's GAIS rating, and the sessions still needed at the measured rate.

Photo comparisons take seconds each, so they are never made here: a background job compares each
pair once (``services.photo_analysis``) and keeps it; Results reads what is kept, and says a pair
is still being compared while its job has not run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from resurface.domain.chart import Chart, Photo
from resurface.domain.codes import Area, Concern, Modality
from resurface.domain.dates import record_date_problem
from resurface.domain.errors import InvalidInput
from resurface.domain.measurements import (
    CaptureVerdict,
    Comparability,
    PhotoComparison,
)
from resurface.domain.outcomes import OutcomeRating
from resurface.domain.people import Patient
from resurface.domain.photo_metrics import (
    ChangeVerdict,
    metric_label,
    patient_metric_label,
    region_label,
)
from resurface.domain.photo_series import RegionSeries, baseline_of, series_by_region
from resurface.domain.plans import current_plan, decide
from resurface.domain.reestimate import (
    SessionReestimate,
    improvement_pct,
    metric_for_concern,
    reestimate_sessions,
)
from resurface.domain.rulebase import Grade, RuleBase
from resurface.domain.sharing import SharedResult
from resurface.domain.text import check_text
from resurface.imaging.analysis import ANALYSIS_VERSION
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.context import Context
from resurface.services.errors import NotFound
from resurface.services.patients import find_patient_audited
from resurface.services.photo_analysis import COMPARE_PHOTOS
from resurface.services.ports import PhotoStore
from resurface.services.result_sharing import active_share

GAIS = "gais"
NOT_MEASURABLE = "not measurable"
"""The verdict of a metric one of the photos is too coarse for (never a change of 0)."""
NOT_COMPARABLE = "not comparable"
NOTE_MAX = 2000


@dataclass(frozen=True)
class MetricChange:
    region: str
    metric: str
    before: float | int | str
    after: float | int | str
    change: float | int | str | None
    change_pct: float | None
    better: bool | None
    """True when the change is an improvement beyond the minimal detectable change, False when
    it is a worsening beyond it, None otherwise."""
    verdict: str = ChangeVerdict.NO_MEASURABLE_CHANGE.value
    """better, worse, changed (no better direction), no measurable change, not measurable (a
    photo is too coarse for the metric) or not comparable (pose or light too different)."""
    label: str = ""
    """The metric's name for people (``domain.photo_metrics.metric_label``)."""
    region_label: str = ""
    detectable: str = ""
    """The minimal detectable change it was judged against, e.g. ``±8.6 %``."""
    patient_label: str = ""
    """The metric's name in the patient's words (``domain.photo_metrics.patient_metric_label``)."""


@dataclass(frozen=True)
class Measured:
    """Two stored photos compared: per-region changes and the overlay picture."""

    changes: tuple[MetricChange, ...]
    alignment: str
    colour_normalisation: str
    region_spec: str
    overlay_png: bytes
    length_unit: str = "mm"
    """``px`` when neither photo had a scale: lengths in pixels, densities per 100 px²."""
    before_quality: CaptureVerdict | None = None
    after_quality: CaptureVerdict | None = None
    comparability: Comparability | None = None
    """Pose and light difference; ``comparable`` False means the change should not be trusted."""


@dataclass(frozen=True)
class ResponsePoint:
    photo: Photo
    sessions_before: int
    change_pct: float | None
    improvement_pct: float | None
    comparing: bool = False
    """The photo is still being analysed and compared in the background."""


@dataclass(frozen=True)
class ItemResponse:
    """The measured response of one plan item's concern and the re-estimated sessions."""

    area: Area
    concern: Concern
    modality: Modality
    metric: str | None
    baseline: Photo | None
    points: tuple[ResponsePoint, ...]
    estimate: SessionReestimate
    sessions_done: int

    @property
    def remaining_now(self) -> int:
        return max(self.estimate.new_total - self.sessions_done, 0)


@dataclass(frozen=True)
class ResultsView:
    patient: Patient
    regions: tuple[RegionSeries, ...]
    before: Photo | None
    after: Photo | None
    measured: Measured | None
    measure_error: str
    responses: tuple[ItemResponse, ...]
    outcomes: tuple[OutcomeRating, ...]
    gais: tuple[Grade, ...]
    shared: SharedResult | None = None
    """The before/after pair shown, when the clinic shares it with the patient."""
    comparing: bool = False
    """The pair shown is still being compared by a background job (``measured`` is None)."""

    @property
    def waiting(self) -> bool:
        """Something shown is still being analysed or compared in the background."""
        return self.comparing or any(p.comparing for r in self.responses for p in r.points)

    def label(self, photo: Photo) -> str:
        """The photo's label in its region ("baseline", "follow-up" or none), as
        ``domain.photo_series.label_of`` gives it."""
        series = next((r for r in self.regions if r.region == photo.region), None)
        return series.label(photo) if series is not None else ""


def gais_grades(rules: RuleBase) -> tuple[Grade, ...]:
    return rules.scales.scales[GAIS].grades


def read_results(
    ctx: Context,
    actor: Actor,
    patient_id: int,
    before_id: int | None = None,
    after_id: int | None = None,
) -> ResultsView:
    """Baseline and latest photo of the first region (or the chosen pair), measured."""
    require(actor, Permission.VIEW_CHART)
    with ctx.uow() as uow:
        patient = find_patient_audited(uow, actor, patient_id)
        chart = uow.charts.chart(actor.clinic_id, patient.id)
        clinical = _clinical(chart.photos)
        regions = series_by_region(clinical)
        before, after = _pair(clinical, regions, before_id, after_id, ctx.photos)
        outcomes = tuple(uow.outcomes.for_patient(actor.clinic_id, patient.id))
        kept = uow.comparisons.for_photos(
            actor.clinic_id, [p.id for p in clinical], ANALYSIS_VERSION
        )
        shared = (
            active_share(uow, actor.clinic_id, patient.id, before.id, after.id)
            if before is not None and after is not None
            else None
        )
        detail = f"before={before.id if before else '-'} after={after.id if after else '-'}"
        audit.record(
            uow, actor, "results_read", "patient", patient.id, patient_id=patient.id, detail=detail
        )
        uow.commit()
    measured, error, comparing = None, "", False
    if before is not None and after is not None:
        stored = kept.get((before.id, after.id))
        if stored is None:
            comparing = True
            # Not one of the pairs compared when a photo arrives (the clinician chose it):
            # compared in the background like the others.
            ctx.jobs.defer(
                COMPARE_PHOTOS, clinic_id=actor.clinic_id, before_id=before.id, after_id=after.id
            )
        elif stored.problem:
            error = stored.problem
        else:
            measured = measured_of(ctx.photos, ctx.rules, stored)
    return ResultsView(
        patient,
        regions,
        before,
        after,
        measured,
        error,
        _responses(ctx.photos, ctx.rules, chart, kept),
        outcomes,
        gais_grades(ctx.rules),
        shared,
        comparing,
    )


def comparison_png(
    ctx: Context, actor: Actor, patient_id: int, before_id: int, after_id: int
) -> bytes:
    """The comparison overlay of two of the patient's photos of one region."""
    require(actor, Permission.VIEW_CHART)
    with ctx.uow() as uow:
        patient = find_patient_audited(uow, actor, patient_id)
        chart = uow.charts.chart(actor.clinic_id, patient.id)
        clinical = _clinical(chart.photos)
        regions = series_by_region(clinical)
        before, after = _pair(clinical, regions, before_id, after_id, ctx.photos)
        if before is None or after is None:
            raise InvalidInput("after", "choose two different photos of the same region")
        stored = uow.comparisons.get(actor.clinic_id, before.id, after.id, ANALYSIS_VERSION)
        if stored is None or stored.overlay_key is None:
            raise NotFound("photo comparison", f"{before.id}-{after.id}")
        audit.record(
            uow, actor, "comparison_read", "photo", f"{before.id}-{after.id}", patient_id=patient.id
        )
        uow.commit()
    return ctx.photos.get(stored.overlay_key)


def record_outcome(
    ctx: Context,
    actor: Actor,
    patient_id: int,
    value: int,
    note: str = "",
    session_id: int | None = None,
    rated_on: dt.date | None = None,
) -> OutcomeRating:
    """The clinician's GAIS rating of the result (1 very much improved ... 5 worse), rated
    today unless the clinician names the day."""
    require(actor, Permission.WRITE_CHART)
    grades = {g.code: g for g in gais_grades(ctx.rules)}
    grade = grades.get(str(value))
    if grade is None:
        choices = ", ".join(f"{code} {g.label}" for code, g in grades.items())
        raise InvalidInput("value", f"choose one of {choices}")
    if len(note) > NOTE_MAX:
        raise InvalidInput("note", f"is longer than {NOTE_MAX} characters")
    check_text(free_text={"note": note})
    if rated_on is not None and (
        dated := record_date_problem("rated_on", rated_on, ctx.clock.today())
    ):
        raise InvalidInput.of([dated])
    with ctx.uow() as uow:
        patient = find_patient_audited(uow, actor, patient_id)
        if session_id is not None:
            rated = uow.charts.session(actor.clinic_id, session_id)
            if rated is None or rated.patient_id != patient.id:
                raise InvalidInput("session_id", f"no session {session_id} for this patient")
        saved = uow.outcomes.add(
            OutcomeRating(
                0, actor.clinic_id, patient.id, rated_on or ctx.clock.today(), GAIS, value,
                grade.label, actor.user_id, session_id=session_id, note=note.strip(),
            )
        )  # fmt: skip
        audit.record(
            uow, actor, "outcome_recorded", "outcome", saved.id, patient_id=patient.id,
            detail=f"gais {value} {grade.label}",
        )  # fmt: skip
        uow.commit()
    return saved


# --- choosing photos ---------------------------------------------------------------------------


def _clinical(photos: Sequence[Photo]) -> list[Photo]:
    """The photos Results may compare: the clinic's, and the patient's only once accepted."""
    return [p for p in photos if p.is_clinical]


def _pair(
    photos: Sequence[Photo],
    regions: tuple[RegionSeries, ...],
    before_id: int | None,
    after_id: int | None,
    store: PhotoStore,
) -> tuple[Photo | None, Photo | None]:
    """The chosen photos; by default the region's baseline (its earliest photo when it has
    none) and its latest photo, of those whose file is in the photo store."""
    by_id = {p.id: p for p in photos}
    for chosen in (before_id, after_id):
        if chosen is not None and chosen not in by_id:
            raise NotFound("photo", chosen)
    before = by_id[before_id] if before_id is not None else None
    after = by_id[after_id] if after_id is not None else None
    stored = [
        kept for r in regions if (kept := tuple(p for p in r.photos if store.exists(p.storage_key)))
    ]
    anchor = before or after
    if anchor is None:
        usable = [kept for kept in stored if len(kept) > 1] or stored
        if not usable:
            return None, None
        anchor = usable[0][0]
    same = next((kept for kept in stored if kept[0].region == anchor.region), (anchor,))
    before = before or baseline_of(same) or same[0]
    after = after or same[-1]
    if after.region != before.region:
        raise InvalidInput("after", f"choose a photo of the same region ({before.region})")
    if after.id == before.id:
        return before, None
    return before, after


# --- measuring ---------------------------------------------------------------------------------


def kept_measurement(
    ctx: Context, clinic_id: int, before: Photo, after: Photo
) -> tuple[Measured | None, str]:
    """The stored comparison of two photos as Results shows it, or why there is none yet (for a
    reader that has already checked access and audited the read, such as the results report)."""
    with ctx.uow() as uow:
        stored = uow.comparisons.get(clinic_id, before.id, after.id, ANALYSIS_VERSION)
    if stored is None:
        return None, "the photos are still being compared"
    if stored.problem:
        return None, stored.problem
    return measured_of(ctx.photos, ctx.rules, stored), ""


def measured_of(photos: PhotoStore, rules: RuleBase, stored: PhotoComparison) -> Measured:
    """A kept comparison as Results shows it: every change judged against today's rule base,
    and the overlay picture from the photo store (nothing is computed again)."""
    before_quality, after_quality = stored.before_quality, stored.after_quality
    not_measurable = set(before_quality.not_measurable if before_quality else ()) | set(
        after_quality.not_measurable if after_quality else ()
    )
    comparable = stored.comparability.comparable if stored.comparability else True
    overlay = b""
    if stored.overlay_key is not None and photos.exists(stored.overlay_key):
        overlay = photos.get(stored.overlay_key)
    return Measured(
        _changes(rules, stored, not_measurable, comparable=comparable),
        stored.alignment,
        stored.colour_normalisation,
        stored.region_spec,
        overlay,
        stored.length_unit,
        before_quality,
        after_quality,
        stored.comparability,
    )


def _changes(
    rules: RuleBase,
    comparison: PhotoComparison,
    not_measurable: set[str] | frozenset[str] = frozenset(),
    *,
    comparable: bool = True,
) -> tuple[MetricChange, ...]:
    """Every metric of every region, judged against its minimal detectable change: a change
    that repeat photos of unchanged skin also show is "no measurable change". A metric either
    photo is too coarse for is "not measurable"; photos that are not comparable are not judged."""
    lower_better = rules.response.lower_is_better
    unit = comparison.length_unit
    out = []
    for region in comparison.regions:
        before, after = region.before, region.after
        for metric, value in before.items():
            pct = region.change_pct.get(metric)
            pct_value = float(pct) if isinstance(pct, int | float) else None
            then, now = value, after.get(metric)
            verdict = ChangeVerdict.NO_MEASURABLE_CHANGE
            detectable = rules.repeatability.minimal_change(metric, region.name)
            if isinstance(then, int | float) and isinstance(now, int | float):
                direction = True if metric in lower_better else None
                verdict = rules.repeatability.verdict(
                    metric, region.name, float(then), float(now), lower_is_better=direction
                )
            elif then != now:
                verdict = ChangeVerdict.CHANGED
            text = verdict.value
            if metric in not_measurable:
                text = NOT_MEASURABLE
            elif not comparable and verdict is not ChangeVerdict.NO_MEASURABLE_CHANGE:
                text = NOT_COMPARABLE
            better = {"better": True, "worse": False}.get(text)
            out.append(
                MetricChange(
                    region.name, metric, _shown(then), _shown(now), region.change.get(metric),
                    pct_value, better,
                    text, metric_label(metric, unit), region_label(region.name),
                    detectable.describe() if detectable is not None else "",
                    patient_metric_label(metric, unit),
                )
            )  # fmt: skip
    return tuple(out)


def metric_change_pct(measured: Measured, area: Area, metric: str) -> float | None:
    """Percent change of ``metric`` over the measured regions that belong to ``area``."""
    return metric_change_pct_of(measured.changes, area, metric)


def metric_change_pct_of(changes: Sequence[MetricChange], area: Area, metric: str) -> float | None:
    rows = [c for c in changes if c.metric == metric and c.verdict != NOT_MEASURABLE]
    names = {c.region for c in rows}
    wanted = {n for n in names if _belongs(n, area)} or names
    chosen = [c for c in rows if c.region in wanted]
    before = [float(c.before) for c in chosen if isinstance(c.before, int | float)]
    after = [float(c.after) for c in chosen if isinstance(c.after, int | float)]
    if not before or not after:
        return None
    mean_before, mean_after = sum(before) / len(before), sum(after) / len(after)
    if mean_before == 0:
        return None
    return round(100.0 * (mean_after - mean_before) / abs(mean_before), 1)


def _belongs(region_name: str, area: Area) -> bool:
    if area is Area.FULL_FACE:
        return region_name != "whole"
    if area is Area.CHEEKS:
        return region_name.startswith("cheek")
    return region_name == area.value or region_name.startswith(area.value + "_")


# --- re-estimating -----------------------------------------------------------------------------


def _responses(
    photos: PhotoStore,
    rules: RuleBase,
    chart: Chart,
    kept: Mapping[tuple[int, int], PhotoComparison],
) -> tuple[ItemResponse, ...]:
    plan = current_plan(chart.plans)
    if plan is None:
        return ()
    done = [s for s in chart.sessions if s.plan_id in (plan.id, None)]
    out = []
    for item in decide(plan).areas:
        metric = metric_for_concern(rules.response, item.concern)
        stored = [
            p
            for p in _clinical(chart.photos)
            if p.region == item.area.value and photos.exists(p.storage_key)
        ]
        series = series_by_region(stored)
        baseline = series[0].baseline if series else None
        points: list[ResponsePoint] = []
        if baseline is not None and metric is not None:
            for later in series[0].after_baseline:
                sessions_before = sum(1 for s in done if s.performed_on < later.captured_at.date())
                pair = kept.get((baseline.id, later.id))
                pct = _pct(rules, pair, item.area, metric)
                better = None if pct is None else improvement_pct(rules.response, metric, pct)
                points.append(ResponsePoint(later, sessions_before, pct, better, pair is None))
        estimate = reestimate_sessions(
            rules.response, item.concern, max(item.sessions.expected, 1),
            _changes_after_sessions(points), item.modality, item.area,
        )  # fmt: skip
        out.append(
            ItemResponse(
                item.area, item.concern, item.modality, metric, baseline, tuple(points),
                estimate, len(done),
            )
        )  # fmt: skip
    return tuple(out)


def _pct(rules: RuleBase, stored: PhotoComparison | None, area: Area, metric: str) -> float | None:
    """The measured change of ``metric`` in ``area``; None while the pair is not compared yet
    or could not be compared."""
    if stored is None or stored.problem:
        return None
    quality = [q for q in (stored.before_quality, stored.after_quality) if q is not None]
    not_measurable = {m for q in quality for m in q.not_measurable}
    comparable = stored.comparability.comparable if stored.comparability else True
    changes = _changes(rules, stored, not_measurable, comparable=comparable)
    return metric_change_pct_of(changes, area, metric)


def _shown(value: float | int | str | None) -> float | int | str:
    """A value a photo could not give is shown as a dash, never as 0."""
    return "—" if value is None else value


def _changes_after_sessions(points: Sequence[ResponsePoint]) -> list[float]:
    """One percent change per completed session, as ``reestimate_sessions`` expects.

    A photo counts for the sessions done before the day it was taken. Sessions without a photo
    of their own carry the previous measurement; the re-estimate uses the latest one and the
    number of sessions behind it.
    """
    measured = sorted(
        (p for p in points if p.sessions_before >= 1 and p.change_pct is not None),
        key=lambda p: (p.sessions_before, p.photo.captured_at),
    )
    if not measured:
        return []
    by_count = {p.sessions_before: p.change_pct for p in measured}
    changes: list[float] = []
    value = measured[0].change_pct
    for count in range(1, measured[-1].sessions_before + 1):
        value = by_count.get(count, value)
        assert value is not None
        changes.append(value)
    return changes
