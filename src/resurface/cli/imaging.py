"""Photo analysis commands: ``analyze``, ``compare``, ``analyze-batch``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from resurface.domain.photo_metrics import METRIC_ORDER, metric_label

RegionOption = Annotated[
    str,
    typer.Option(
        "--region",
        help="auto (face regions), whole (skin in the whole frame) or a polygon JSON file "
        '([[x, y], ...] in pixels of the upright photo, or {"name": ..., "points": [...]}).',
    ),
]
ScaleOption = Annotated[
    float | None,
    typer.Option("--px-per-mm", help="Scale of the photo; faces are measured from the iris."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
OverlayOption = Annotated[
    Path | None,
    typer.Option("--overlay", help="Write an overlay PNG (regions, wrinkles, spots, red areas)."),
]

_LABELS = METRIC_ORDER


def analyze(
    photo: Annotated[Path, typer.Argument(help="JPEG, PNG, TIFF or HEIC photo.")],
    region: RegionOption = "auto",
    px_per_mm: ScaleOption = None,
    as_json: JsonOption = False,
    overlay: OverlayOption = None,
) -> None:
    """Measure redness, pigmentation, wrinkles, texture and tone per region of a photo."""
    from resurface.cli import photo_files as photo_analysis  # heavy: numpy, OpenCV, MediaPipe

    spec = photo_analysis.region_from_option(region)
    result = photo_analysis.analyze_file(
        photo, region=spec, px_per_mm=px_per_mm, overlay=overlay is not None
    )
    if overlay is not None and result.overlay_png is not None:
        overlay.write_bytes(result.overlay_png)
    data = result.result
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    image = data["image"]
    scale = data["px_per_mm"]
    typer.echo(
        f"{photo.name}: {image['width']}×{image['height']} px, "
        + (
            f"{scale:.2f} px/mm ({data['scale_source']})"
            if scale
            else "scale unknown (lengths in px)"
        )
        + f", colour calibration: {data['colour_calibration']}"
    )
    columns = [r["name"] for r in data["regions"]]
    rows = [("area " + ("mm²" if scale else "px"), [_area(r) for r in data["regions"]])]
    for key in _LABELS:
        rows.append(
            (_label(key, data["length_unit"]), [r["metrics"][key] for r in data["regions"]])
        )
    _table(["metric", *columns], rows)


def compare(
    before: Annotated[Path, typer.Argument(help="The earlier photo.")],
    after: Annotated[Path, typer.Argument(help="The later photo of the same patient and area.")],
    region: RegionOption = "auto",
    px_per_mm: ScaleOption = None,
    as_json: JsonOption = False,
    overlay: OverlayOption = None,
) -> None:
    """Align two photos and report each metric before, after, change and % change per region."""
    from resurface.cli import photo_files as photo_analysis  # heavy: numpy, OpenCV, MediaPipe

    spec = photo_analysis.region_from_option(region)
    result = photo_analysis.compare_files(
        before, after, region=spec, px_per_mm=px_per_mm, overlay=overlay is not None
    )
    if overlay is not None and result.overlay_png is not None:
        overlay.write_bytes(result.overlay_png)
    data = result.result
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    typer.echo(
        f"alignment: {data['alignment']}, colour normalisation: {data['colour_normalisation']}, "
        f"lengths in {data['length_unit']}"
    )
    for item in data["regions"]:
        typer.echo(f"\n{item['name']}")
        rows = [
            (
                _label(key, data["length_unit"]),
                [
                    item["before"][key],
                    item["after"][key],
                    item["change"][key],
                    item["change_pct"][key],
                ],
            )
            for key in _LABELS
        ]
        _table(["metric", "before", "after", "change", "change %"], rows)


def analyze_batch(
    folder: Annotated[Path, typer.Argument(help="Folder of photos (JPEG, PNG, TIFF, HEIC).")],
    out: Annotated[Path, typer.Option("--out", help="CSV file to write, one row per region.")],
    region: Annotated[
        str, typer.Option("--region", help="auto, whole or a polygon JSON file.")
    ] = "auto",
    px_per_mm: ScaleOption = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Processes to use.")] = 2,
) -> None:
    """Analyse every photo in a folder (both cores) and write a CSV; failures get an error row."""
    from tqdm import tqdm

    from resurface.cli import photo_files as photo_analysis  # heavy: numpy, OpenCV, MediaPipe

    files = photo_analysis.photo_files(folder)
    with tqdm(total=len(files), unit="photo", desc="analysing") as bar:

        def progress(done: int, total: int) -> None:
            bar.update(done - bar.n)

        ok, failed = photo_analysis.analyze_folder(
            folder, out, region=region, px_per_mm=px_per_mm, workers=workers, progress=progress
        )
    typer.echo(f"{ok} photos analysed, {failed} failed -> {out}")


def register(app: typer.Typer) -> None:
    """Add the photo analysis commands to the ``resurface`` command."""
    app.command("analyze")(analyze)
    app.command("compare")(compare)
    app.command("analyze-batch")(analyze_batch)


def _area(region: dict[str, Any]) -> Any:
    return region["area_mm2"] if region["area_mm2"] is not None else region["area_px"]


def _label(key: str, unit: str) -> str:
    return metric_label(key, unit)


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _table(header: list[str], rows: list[tuple[str, list[Any]]]) -> None:
    cells = [header] + [[label, *(_cell(v) for v in values)] for label, values in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for n, row in enumerate(cells):
        first = row[0].ljust(widths[0])
        rest = "  ".join(cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))
        typer.echo(f"{first}  {rest}")
        if n == 0:
            typer.echo("-" * (sum(widths) + 2 * (len(widths) - 1)))
