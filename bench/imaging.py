"""Photo analysis speed: a 12-megapixel phantom, Resurface's pipeline vs a scikit-image reference.

(a) Resurface: decode the JPEG and ``analyze`` it end to end (the ``resurface analyze`` path).
(b) Reference: scikit-image ``rgb2lab`` + ``frangi`` at 5 scales on the same decoded image.

Both are timed in the same run (median of several repeats, peak memory of one run) and their
accuracy is compared on the phantom's ground truth: mean a* and total wrinkle length (the
reference's Frangi map is thresholded with Otsu's method and skeletonised).

Prints a table and writes ``bench/results/imaging.json``.
"""

from __future__ import annotations

import io
import json
import os
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from tests.support.phantoms import Phantom, PhantomSpec, render_phantom

from resurface.imaging.analysis import analyze
from resurface.imaging.ingest import decode_photo

RESULTS = Path(__file__).parent / "results" / "imaging.json"
PX_PER_MM = 20.0
SPEC = PhantomSpec(
    width_mm=200.0,
    height_mm=150.0,
    px_per_mm=PX_PER_MM,
    spot_count=50,
    line_count=18,
    line_length_mm=(8.0, 20.0),
    red_patch_count=6,
    seed=7,
)
REPEATS_OURS = 7
REPEATS_REFERENCE = 3


def _jpeg(phantom: Phantom) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(phantom.rgb).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def ours(data: bytes) -> dict[str, float]:
    """Decode (at the analysis resolution) and analyse, as ``resurface analyze`` does."""
    reduce = 2  # 20 px/mm photo, 10 px/mm analysis: JPEG DCT scaling decodes at half size
    decoded = decode_photo(data, reduce=reduce)
    result = analyze(decoded.rgb, region="whole", px_per_mm=PX_PER_MM * decoded.scale)
    metrics = result.regions[0].metrics
    return {"a_star_mean": metrics.a_star_mean, "wrinkle_length_mm": metrics.wrinkle_length_mm}


def reference(data: bytes) -> dict[str, float]:
    """scikit-image: rgb2lab + frangi (5 scales, dark ridges), Otsu threshold, skeleton length."""
    from skimage.color import rgb2lab
    from skimage.filters import frangi, threshold_otsu
    from skimage.morphology import skeletonize

    rgb = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    lab = rgb2lab(rgb)
    ridges = frangi(lab[..., 0], sigmas=(1, 2, 3, 4, 5), black_ridges=True)
    skeleton = skeletonize(ridges > threshold_otsu(ridges))
    return {
        "a_star_mean": float(lab[..., 1].mean()),
        "wrinkle_length_mm": float(skeleton.sum()) / PX_PER_MM,
    }


def _time(
    function: Callable[[bytes], dict[str, float]], data: bytes, repeats: int
) -> dict[str, Any]:
    function(data)  # warm-up: imports, OpenCV thread pool
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(data)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    output = function(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "median_s": statistics.median(times),
        "times_s": times,
        "peak_mib": peak / 2**20,
        "output": output,
    }


def run() -> dict[str, Any]:
    """Run the benchmark, print the table and write the JSON; returns the results."""
    phantom = render_phantom(SPEC)
    data = _jpeg(phantom)
    truth = phantom.truth
    a = _time(ours, data, REPEATS_OURS)
    b = _time(reference, data, REPEATS_REFERENCE)
    # a* truth excludes the grey card, which neither pipeline is told about; the reference
    # averages it in (it has no skin mask), as a plain rgb2lab mean would.
    errors = {
        name: {
            "resurface": abs(a["output"][key] - getattr(truth, key)),
            "reference": abs(b["output"][key] - getattr(truth, key)),
        }
        for name, key in (
            ("a_star_abs_error", "a_star_mean"),
            ("wrinkle_length_abs_error_mm", "wrinkle_length_mm"),
        )
    }
    results = {
        "image": {
            "width": phantom.rgb.shape[1],
            "height": phantom.rgb.shape[0],
            "jpeg_bytes": len(data),
        },
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "resurface": a,
        "reference": b,
        "ratio": b["median_s"] / a["median_s"],
        "truth": {"a_star_mean": truth.a_star_mean, "wrinkle_length_mm": truth.wrinkle_length_mm},
        "errors": errors,
        "targets": {"resurface_median_s": 1.0, "ratio": 20.0},
    }
    _print(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    return results


def _print(r: dict[str, Any]) -> None:
    image = r["image"]
    print(
        f"imaging: {image['width']}×{image['height']} phantom "
        f"({image['width'] * image['height'] / 1e6:.1f} MP, "
        f"JPEG {image['jpeg_bytes'] / 1e6:.1f} MB)"
    )
    header = f"{'pipeline':<44}{'median s':>10}{'peak MiB':>10}{'a* err':>9}{'wrinkle err mm':>16}"
    print(header)
    print("-" * len(header))
    for key, label in (
        ("resurface", "(a) resurface decode + analyze"),
        ("reference", "(b) skimage rgb2lab + frangi 5 scales"),
    ):
        row = r[key]
        print(
            f"{label:<44}{row['median_s']:>10.3f}{row['peak_mib']:>10.0f}"
            f"{r['errors']['a_star_abs_error'][key]:>9.2f}"
            f"{r['errors']['wrinkle_length_abs_error_mm'][key]:>16.1f}"
        )
    print(f"ratio (b)/(a): {r['ratio']:.1f}× (target ≥ 20×; (a) target ≤ 1.0 s)")
    print(
        f"truth: a* {r['truth']['a_star_mean']:.2f}, "
        f"wrinkle length {r['truth']['wrinkle_length_mm']:.1f} mm"
    )
    print(f"written: {RESULTS}")


if __name__ == "__main__":
    run()
