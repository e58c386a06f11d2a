"""Use cases of photo analysis: analyse a file, compare two files, analyse a folder.

Results are plain dicts in the JSON shape of the command line and the API:

    analyze  -> {"image": {"width", "height", "sha256"}, "px_per_mm", "length_unit",
                 "regions": [{"name", "area_mm2", "metrics": {...}}], ...}
    compare  -> {"regions": [{"name", "before", "after", "change", "change_pct"}], ...}
"""

from __future__ import annotations

import csv
import math
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from resurface.imaging.analysis import METRIC_NAMES, PhotoAnalysis, RegionSpec, analyze
from resurface.imaging.compare import Comparison, compare
from resurface.imaging.errors import ImagingError
from resurface.imaging.ingest import DecodedPhoto, decode_photo
from resurface.imaging.overlay import comparison_overlay_png, overlay_png
from resurface.imaging.quality import CaptureQuality, capture_quality, comparability
from resurface.imaging.regions import parse_polygon

__all__ = [
    "PHOTO_SUFFIXES",
    "AnalysedFile",
    "analyze_file",
    "analyze_folder",
    "compare_files",
    "region_from_option",
]

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".heic", ".heif")
_ANALYSIS_PX_PER_MM = 10.0

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class AnalysedFile:
    """The result of :func:`analyze_file`: the JSON-shaped result and the overlay, if asked."""

    result: Json
    overlay_png: bytes | None


def region_from_option(option: str) -> RegionSpec:
    """``auto``, ``whole`` or the path of a polygon JSON file -> a region for the analysis."""
    if option in ("auto", "whole"):
        return option  # type: ignore[return-value]
    path = Path(option)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ImagingError(
            f"--region must be auto, whole or a polygon JSON file; cannot read {option}: "
            f"{error.strerror}"
        ) from None
    return parse_polygon(text)


def _read(path: Path, *, px_per_mm: float | None) -> DecodedPhoto:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImagingError(f"cannot read {path}: {error.strerror}") from None
    reduce = 1
    if px_per_mm is not None:
        # Decode a JPEG directly at a lower resolution when analysis would shrink it anyway.
        ratio = px_per_mm / _ANALYSIS_PX_PER_MM
        reduce = max((r for r in (1, 2, 4, 8) if r <= ratio), default=1)
    return decode_photo(data, reduce=reduce)


def _scaled(px_per_mm: float | None, decoded: DecodedPhoto) -> float | None:
    return None if px_per_mm is None else px_per_mm * decoded.scale


def analyze_file(
    path: Path,
    *,
    region: RegionSpec = "auto",
    px_per_mm: float | None = None,
    overlay: bool = False,
) -> AnalysedFile:
    """Analyse one photo file.

    Parameters
    ----------
    path : Path
        JPEG, PNG, TIFF or HEIC file.
    region : RegionSpec
        ``"auto"`` (face), ``"whole"`` or a polygon (pixels of the upright photo).
    px_per_mm : float, optional
        Scale of the photo, pixels per mm.
    overlay : bool
        Also render the overlay PNG.
    """
    if px_per_mm is not None and not (math.isfinite(px_per_mm) and px_per_mm > 0):
        raise ImagingError(f"--px-per-mm must be a positive number, not {px_per_mm}")
    decoded = _read(path, px_per_mm=px_per_mm)
    if not isinstance(region, str) and decoded.scale != 1.0:
        decoded = _read(path, px_per_mm=None)  # polygons are in full-resolution pixels
    analysis = analyze(decoded.rgb, region=region, px_per_mm=_scaled(px_per_mm, decoded))
    return AnalysedFile(
        result=analysis_json(analysis, decoded),
        overlay_png=overlay_png(analysis) if overlay else None,
    )


def compare_files(
    before: Path,
    after: Path,
    *,
    region: RegionSpec = "auto",
    px_per_mm: float | None = None,
    overlay: bool = False,
) -> AnalysedFile:
    """Compare two photo files of the same patient and area (see ``imaging.compare``)."""
    if px_per_mm is not None and not (math.isfinite(px_per_mm) and px_per_mm > 0):
        raise ImagingError(f"--px-per-mm must be a positive number, not {px_per_mm}")
    first = _read(before, px_per_mm=None)
    second = _read(after, px_per_mm=None)
    comparison = compare(first.rgb, second.rgb, region=region, px_per_mm=px_per_mm)
    return AnalysedFile(
        result=comparison_json(comparison, first, second),
        overlay_png=comparison_overlay_png(comparison) if overlay else None,
    )


def analysis_json(analysis: PhotoAnalysis, decoded: DecodedPhoto) -> Json:
    """The JSON shape of one analysis."""
    full_px_per_mm = None if analysis.px_per_mm is None else analysis.px_per_mm / decoded.scale
    area_factor = 1.0 / (decoded.scale * decoded.scale)
    quality = capture_quality(analysis)
    return {
        "image": {
            "width": decoded.width,
            "height": decoded.height,
            "sha256": decoded.sha256_original,
        },
        "px_per_mm": _round(full_px_per_mm),
        "scale_source": analysis.scale_source,
        "length_unit": analysis.length_unit,
        "colour_calibration": analysis.calibration.method,
        "regions": [
            {
                "name": region.name,
                "area_mm2": _round(region.area_mm2),
                "area_px": round(region.area_px * area_factor),
                "metrics": _metrics(
                    region.metrics.as_dict(),
                    decoded.scale,
                    analysis.length_unit,
                    quality.not_measurable,
                ),
            }
            for region in analysis.regions
        ],
        "quality": quality_json(quality),
    }


def quality_json(quality: CaptureQuality) -> Json:
    """The capture verdict; metrics in ``not_measurable`` are null in ``metrics``, never 0."""
    pose = quality.pose
    return {
        "ok": quality.ok,
        "problems": list(quality.problems),
        "analysis_px_per_mm": _round(quality.px_per_mm),
        "not_measurable": list(quality.not_measurable),
        "sharpness": quality.sharpness,
        "in_focus": quality.in_focus,
        "clipped_fraction": quality.clipped_fraction,
        "exposure_ok": quality.exposure_ok,
        "pose_deg": None
        if pose is None
        else {"yaw": pose.yaw, "pitch": pose.pitch, "roll": pose.roll},
        "grey_card": quality.grey_card,
    }


def comparison_json(comparison: Comparison, before: DecodedPhoto, after: DecodedPhoto) -> Json:
    """The JSON shape of a comparison."""
    unit = comparison.before.length_unit
    before_q, after_q = capture_quality(comparison.before), capture_quality(comparison.after)
    verdict = comparability(
        comparison.before.pose, comparison.after.pose, comparison.light_gains,
        grey_cards=comparison.colour_normalisation == "grey_card",
    )  # fmt: skip
    diff = verdict.pose_difference
    return {
        "before": {
            "width": before.width,
            "height": before.height,
            "sha256": before.sha256_original,
        },
        "after": {"width": after.width, "height": after.height, "sha256": after.sha256_original},
        "px_per_mm": _round(comparison.before.px_per_mm),
        "length_unit": unit,
        "alignment": comparison.alignment,
        "colour_normalisation": comparison.colour_normalisation,
        "quality": {"before": quality_json(before_q), "after": quality_json(after_q)},
        "comparable": verdict.comparable,
        "not_comparable_because": list(verdict.reasons),
        "pose_difference_deg": None
        if diff is None
        else {
            "yaw": diff.yaw,
            "pitch": diff.pitch,
            "roll": diff.roll,
        },
        "light_change_pct": verdict.light_change_pct,
        "regions": [
            {
                "name": change.name,
                "before": _metrics(change.before.as_dict(), 1.0, unit),
                "after": _metrics(change.after.as_dict(), 1.0, unit),
                "change": {k: _round(v) for k, v in change.change.items()},
                "change_pct": {k: _round(v) for k, v in change.change_pct.items()},
            }
            for change in comparison.regions
        ],
    }


def _metrics(
    values: dict[str, float | int | str],
    scale: float,
    unit: str,
    not_measurable: Sequence[str] = (),
) -> Json:
    out: Json = {}
    for key, value in values.items():
        if key in not_measurable:
            out[key] = None
            continue
        if unit == "px" and scale != 1.0 and key in ("wrinkle_length_mm",):
            value = float(value) / scale
        out[key] = _round(value)
    return out


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else None
    return value


# -- batch ---------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "file",
    "sha256",
    "width",
    "height",
    "px_per_mm",
    "length_unit",
    "region",
    "area_mm2",
    *METRIC_NAMES,
    "error",
)


def _analyze_for_batch(path: str, region: str, px_per_mm: float | None) -> list[Json]:
    """One file -> CSV rows (runs in a worker process; errors become a row, not a crash)."""
    try:
        spec = region_from_option(region)
        result = analyze_file(Path(path), region=spec, px_per_mm=px_per_mm).result
    except (ImagingError, ValueError) as error:
        return [{"file": path, "error": str(error)}]
    rows = []
    for item in result["regions"]:
        row: Json = {
            "file": path,
            "sha256": result["image"]["sha256"],
            "width": result["image"]["width"],
            "height": result["image"]["height"],
            "px_per_mm": result["px_per_mm"],
            "length_unit": result["length_unit"],
            "region": item["name"],
            "area_mm2": item["area_mm2"],
            **item["metrics"],
            "error": "",
        }
        rows.append(row)
    return rows


def photo_files(folder: Path) -> list[Path]:
    """Photo files directly in ``folder``, sorted by name."""
    if not folder.is_dir():
        raise ImagingError(f"{folder} is not a folder")
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES)


def analyze_folder(
    folder: Path,
    out_csv: Path,
    *,
    region: str = "auto",
    px_per_mm: float | None = None,
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Analyse every photo in ``folder`` with a process pool and write one CSV row per region.

    Returns
    -------
    tuple of int
        (files analysed, files that failed); failures get a row with the ``error`` column set.
    """
    files = photo_files(folder)
    region_from_option(region)  # a bad --region fails now, not once per file
    done = failed = 0
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    with out_csv.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, restval="")
        writer.writeheader()
        for rows in _run(files, region, px_per_mm, workers):
            writer.writerows(rows)
            done += 1
            failed += int(bool(rows and rows[0].get("error")))
            if progress is not None:
                progress(done, len(files))
    return done - failed, failed


def _run(
    files: Sequence[Path], region: str, px_per_mm: float | None, workers: int
) -> Iterator[list[Json]]:
    if workers <= 1 or len(files) <= 1:
        for path in files:
            yield _analyze_for_batch(str(path), region, px_per_mm)
        return
    # "spawn": MediaPipe's graph threads do not survive a fork.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from pool.map(
            _analyze_for_batch,
            [str(p) for p in files],
            [region] * len(files),
            [px_per_mm] * len(files),
        )
