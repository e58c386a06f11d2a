"""Photo analysis speed and memory: a 12 MP phantom and real faces at 12 and 24 MP.

Cases (each in a fresh Python process, so that its peak memory is its own):

- ``phantom_12mp``: the skin phantom, 4000×3000 at 20 px/mm, JPEG 95, a drawn region;
- ``face_12mp`` and ``face_24mp``: a real face (scikit-image's astronaut, upscaled and cropped to
  4:3), JPEG 90, the six face regions;
- ``compare_12mp``: two 12 MP captures of that face (the second turned 2°, zoomed 3 %, 4 %
  darker) measured and compared.

Resurface is timed end to end as an upload runs it: decode the JPEG, ``analyze`` (or ``compare``),
the capture verdict, and the overlay PNG; each stage's median is reported. The reference is
scikit-image ``rgb2lab`` + ``frangi`` (5 scales, dark ridges), Otsu threshold and skeleton, run on
**the same pixels** that Resurface's filters see (the photo after its resampling to the analysis
resolution: 10 px/mm for the phantom, the full photo for the faces, whose iris gives about
5.5 px/mm), so the ratio compares the work, not the image size.

Peak memory is the process's real peak resident set (the kernel's ``VmHWM``, which counts
OpenCV's and MediaPipe's allocations, unlike ``tracemalloc``) of a process that imported
everything, read the case's JPEG and ran it; the photos are rendered beforehand by the driver, so
rendering does not count. The resident set after the imports and the read is given as
``baseline``. The reference runs in a process of its own. The ratio is the reference's time over
Resurface's end to end (decode, analysis, verdict and overlay).

Each case process has glibc's allocator set as the worker that analyses photos sets it
(:func:`resurface.cli.worker.keep_photo_memory`, given here through glibc's environment
settings: image-sized temporaries reuse the heap's pages instead of fresh ones the kernel
zeroes, 0.1-0.5 s of system time a 12 MP photo);
``--glibc-default`` measures with glibc's defaults instead. The resident set a case keeps after
its runs is given as ``kept MiB``.

``python -m bench.imaging`` runs every case; ``--case NAME`` one; ``--no-reference`` skips the slow
reference. Prints a table and writes ``bench/results/imaging.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

RESULTS = Path(__file__).parent / "results" / "imaging.json"
ROOT = Path(__file__).resolve().parent.parent
PHANTOM_PX_PER_MM = 20.0
REPEATS_OURS = 3
REPEATS_REFERENCE = 1
CASES = ("phantom_12mp", "face_12mp", "face_24mp", "compare_12mp")
#: Cases the (slow, memory-hungry) reference also runs on.
REFERENCE_CASES = ("phantom_12mp", "face_12mp")
TARGET_S = 1.0
TARGET_RATIO = 20.0


def _jpeg(rgb: np.ndarray, quality: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def _face(megapixels: float, **recapture: Any) -> np.ndarray:
    """The astronaut upscaled to ``megapixels`` at 4:3 (upscaled square, then its top cropped)."""
    import cv2
    from skimage import data

    width = round((megapixels * 1e6 * 4 / 3) ** 0.5)
    height = round(width * 3 / 4)
    face = cv2.resize(data.astronaut(), (width, width), interpolation=cv2.INTER_CUBIC)[:height]
    face = np.ascontiguousarray(face)
    if recapture:
        from tests.support.faces import recapture as photograph_again

        face = photograph_again(face, jpeg_quality=95, **recapture)
    return face


def _phantom_truth() -> tuple[bytes, dict[str, float]]:
    from tests.support.phantoms import render_phantom, skin_spec

    phantom = render_phantom(skin_spec(PHANTOM_PX_PER_MM))
    truth = {
        "a_star_mean": phantom.truth.a_star_mean,
        "wrinkle_length_mm": phantom.truth.wrinkle_length_mm,
    }
    return _jpeg(phantom.rgb, 95), truth


# --- the worker: one case, in its own process -------------------------------------------------


def _stages_analyze(data: bytes, region: str, px_per_mm: float | None) -> dict[str, Any]:
    from resurface.imaging.analysis import analyze
    from resurface.imaging.ingest import decode_photo
    from resurface.imaging.overlay import overlay_png
    from resurface.imaging.quality import capture_quality

    t0 = time.perf_counter()
    rgb = decode_photo(data).rgb
    t1 = time.perf_counter()
    result = analyze(rgb, region=region, px_per_mm=px_per_mm)  # type: ignore[arg-type]
    t2 = time.perf_counter()
    capture_quality(result)
    t3 = time.perf_counter()
    overlay_png(result)
    t4 = time.perf_counter()
    metrics = result.regions[0].metrics
    return {
        "times": {"decode": t1 - t0, "analyze": t2 - t1, "verdict": t3 - t2, "overlay": t4 - t3},
        "output": {
            "a_star_mean": metrics.a_star_mean,
            "wrinkle_length_mm": sum(r.metrics.wrinkle_length_mm for r in result.regions),
            "regions": len(result.regions),
            "analysis_px_per_mm": result.analysis_px_per_mm,
        },
    }


def _stages_compare(before: bytes, after: bytes) -> dict[str, Any]:
    from resurface.imaging.compare import compare
    from resurface.imaging.ingest import decode_photo
    from resurface.imaging.overlay import comparison_overlay_png
    from resurface.imaging.quality import capture_quality

    t0 = time.perf_counter()
    rgb_before = decode_photo(before).rgb
    rgb_after = decode_photo(after).rgb
    t1 = time.perf_counter()
    result = compare(rgb_before, rgb_after)
    t2 = time.perf_counter()
    capture_quality(result.before)
    capture_quality(result.after)
    t3 = time.perf_counter()
    comparison_overlay_png(result)
    t4 = time.perf_counter()
    return {
        "times": {"decode": t1 - t0, "analyze": t2 - t1, "verdict": t3 - t2, "overlay": t4 - t3},
        "output": {"regions": len(result.regions), "alignment": result.alignment},
    }


def _reference(rgb: np.ndarray, px_per_mm: float) -> dict[str, float]:
    """scikit-image: rgb2lab + frangi (5 scales, dark ridges), Otsu threshold, skeleton length."""
    from skimage.color import rgb2lab
    from skimage.filters import frangi, threshold_otsu
    from skimage.morphology import skeletonize

    lab = rgb2lab(rgb)
    ridges = frangi(lab[..., 0], sigmas=(1, 2, 3, 4, 5), black_ridges=True)
    skeleton = skeletonize(ridges > threshold_otsu(ridges))
    return {
        "a_star_mean": float(lab[..., 1].mean()),
        "wrinkle_length_mm": float(skeleton.sum()) / px_per_mm,
    }


def _resident_mib() -> float:
    """This process's resident set now, MiB (``VmRSS``; 0 where /proc is missing)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0  # kB
    return 0.0


def _rss_mib() -> float:
    """This process's peak resident set, MiB: the kernel's high-water mark of its memory.

    Linux's ``VmHWM`` (reset when the process starts its own program), not ``ru_maxrss``: a
    child keeps its parent's ``ru_maxrss`` across fork and exec, so every case would report the
    driver's peak.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def _write_inputs(folder: Path, cases: tuple[str, ...]) -> None:
    """Render each case's JPEG(s) into ``folder`` (in the driver, so that rendering does not
    count towards a case's peak memory)."""
    for case in cases:
        if case == "phantom_12mp":
            data, truth = _phantom_truth()
            (folder / f"{case}.jpg").write_bytes(data)
            (folder / f"{case}.truth.json").write_text(json.dumps(truth))
        elif case in ("face_12mp", "face_24mp"):
            megapixels = 12.0 if case == "face_12mp" else 24.0
            (folder / f"{case}.jpg").write_bytes(_jpeg(_face(megapixels), 90))
        elif case == "compare_12mp":
            (folder / f"{case}.jpg").write_bytes(_jpeg(_face(12.0), 90))
            after = _face(12.0, rotation_deg=2.0, zoom=1.03, brightness=0.96)
            (folder / f"{case}.after.jpg").write_bytes(_jpeg(after, 90))


def _case_input(case: str, folder: Path) -> tuple[Callable[[], dict[str, Any]], dict[str, Any]]:
    """The timed function of a case and what describes its input."""
    data = (folder / f"{case}.jpg").read_bytes()
    if case == "phantom_12mp":
        truth = json.loads((folder / f"{case}.truth.json").read_text())
        return (
            lambda: _stages_analyze(data, "whole", PHANTOM_PX_PER_MM),
            {"data": data, "truth": truth, "region": "whole", "px_per_mm": PHANTOM_PX_PER_MM},
        )
    if case in ("face_12mp", "face_24mp"):
        return lambda: _stages_analyze(data, "auto", None), {"data": data, "region": "auto"}
    after = (folder / f"{case}.after.jpg").read_bytes()
    return lambda: _stages_compare(data, after), {"data": data, "after": after}


def _same_pixels(info: dict[str, Any]) -> tuple[np.ndarray, float]:
    """The pixels Resurface's filters work on (the analysis frame) and their scale."""
    from resurface.imaging.analysis import prepare_frame
    from resurface.imaging.ingest import decode_photo

    rgb = decode_photo(info["data"]).rgb
    frame = prepare_frame(rgb, region=info["region"], px_per_mm=info.get("px_per_mm"))
    return frame.rgb, frame.work_px_per_mm


def _imports() -> None:
    import cv2  # noqa: F401
    import mediapipe  # noqa: F401
    import skimage.filters  # noqa: F401

    import resurface.imaging.analysis  # noqa: F401


def worker(case: str, folder: Path) -> dict[str, Any]:
    """Run one case of Resurface in this process and return its figures."""
    _imports()
    function, info = _case_input(case, folder)
    baseline = _rss_mib()
    first = function()  # the first run: MediaPipe's graph, OpenCV's thread pool
    cpu_start = os.times()
    runs = [function() for _ in range(REPEATS_OURS)]
    cpu_end = os.times()
    peak = _rss_mib()
    kept = _resident_mib()
    # CPU seconds (user + system, all threads) per run: less moved than wall time when other
    # work shares the machine's cores.
    cpu = (cpu_end.user + cpu_end.system - cpu_start.user - cpu_start.system) / REPEATS_OURS
    stages = {k: statistics.median(r["times"][k] for r in runs) for k in first["times"]}
    totals = [sum(r["times"].values()) for r in runs]
    from PIL import Image as _Image

    with _Image.open(io.BytesIO(info["data"])) as image:
        width, height = image.size
    return {
        "case": case,
        "width": width,
        "height": height,
        "jpeg_bytes": len(info["data"]) + len(info.get("after", b"")),
        "resurface": {
            "median_s": statistics.median(totals),
            "median_without_overlay_s": statistics.median(
                t - r["times"]["overlay"] for t, r in zip(totals, runs, strict=True)
            ),
            "times_s": totals,
            "first_run_s": sum(first["times"].values()),
            "cpu_s_per_run": cpu,
            "cpu_user_s_per_run": (cpu_end.user - cpu_start.user) / REPEATS_OURS,
            "heap_kept": os.environ.get("MALLOC_MMAP_THRESHOLD_") is not None,
            "kept_rss_mib": kept,
            "stages_median_s": stages,
            "peak_rss_mib": peak,
            "baseline_rss_mib": baseline,
            "output": runs[-1]["output"],
        },
        "truth": info.get("truth"),
    }


def reference_worker(case: str, folder: Path) -> dict[str, Any]:
    """Run the scikit-image reference of one case in this process, on the pixels Resurface's
    filters see."""
    _imports()
    _, info = _case_input(case, folder)
    pixels, ppmm = _same_pixels(info)
    baseline = _rss_mib()
    times = []
    output: dict[str, float] = {}
    for _ in range(REPEATS_REFERENCE):
        start = time.perf_counter()
        output = _reference(pixels, ppmm)
        times.append(time.perf_counter() - start)
    return {
        "median_s": statistics.median(times),
        "times_s": times,
        "pixels": [int(pixels.shape[1]), int(pixels.shape[0])],
        "peak_rss_mib": _rss_mib(),
        "baseline_rss_mib": baseline,
        "output": output,
    }


# --- the driver -----------------------------------------------------------------------------


def _subprocess(arguments: list[str], *, keep_memory: bool = False) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.imaging", *arguments]
    env = dict(os.environ)
    env.pop("MALLOC_MMAP_THRESHOLD_", None)
    env.pop("MALLOC_TRIM_THRESHOLD_", None)
    if keep_memory:
        # What the photo worker sets with mallopt (resurface.cli.worker.keep_photo_memory), as
        # glibc's environment settings: importing the worker's module would add the whole
        # app's 76 MB to the case's resident set.
        from resurface.cli.worker import PHOTO_HEAP_BYTES

        env["MALLOC_MMAP_THRESHOLD_"] = str(PHOTO_HEAP_BYTES)
        env["MALLOC_TRIM_THRESHOLD_"] = str(PHOTO_HEAP_BYTES)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench {' '.join(arguments)} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _run_case(
    case: str, folder: Path, with_reference: bool, glibc_default: bool = False
) -> dict[str, Any]:
    """One case in a fresh process, and its reference in another."""
    result = _subprocess(["--worker", case, "--inputs", str(folder)], keep_memory=not glibc_default)
    if with_reference and case in REFERENCE_CASES:
        reference = _subprocess(["--worker", case, "--inputs", str(folder), "--reference"])
        result["reference"] = reference
        # End to end (decode, analysis, verdict, overlay) against rgb2lab + frangi alone.
        result["ratio"] = reference["median_s"] / result["resurface"]["median_s"]
        truth = result.get("truth")
        if truth:
            result["errors"] = {
                key: {
                    "resurface": abs(result["resurface"]["output"][key] - truth[key]),
                    "reference": abs(reference["output"][key] - truth[key]),
                }
                for key in ("a_star_mean", "wrinkle_length_mm")
            }
    return result


def run(
    cases: tuple[str, ...] = CASES, *, with_reference: bool = True, glibc_default: bool = False
) -> dict[str, Any]:
    """Run the cases, print the table and write the JSON; returns the results."""
    with tempfile.TemporaryDirectory(prefix="bench-imaging-") as name:
        folder = Path(name)
        _write_inputs(folder, cases)
        results = {
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "targets": {"resurface_median_s": TARGET_S, "ratio": TARGET_RATIO},
            "glibc_default": glibc_default,
            "cases": {
                case: _run_case(case, folder, with_reference, glibc_default) for case in cases
            },
        }
    _print(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    return results


def _print(r: dict[str, Any]) -> None:
    print(f"imaging: {r['machine']['cpus']} CPUs, Python {r['machine']['python']}")
    header = (
        f"{'case':<15}{'size':>11}{'total s':>9}{'cpu s':>7}{'w/o ovl':>9}{'decode':>8}"
        f"{'analyze':>9}{'verdict':>9}{'overlay':>9}{'peak MiB':>10}{'base MiB':>10}"
        f"{'kept MiB':>10}"
        f"{'ref s':>8}{'ref MiB':>9}{'ratio':>7}"
    )
    print(header)
    print("-" * len(header))
    for case, c in r["cases"].items():
        ours = c["resurface"]
        stages = ours["stages_median_s"]
        ref = c.get("reference")
        ref_cells = (
            f"{ref['median_s']:>8.1f}{ref['peak_rss_mib']:>9.0f}{c['ratio']:>6.1f}×"
            if ref
            else f"{'—':>8}{'—':>9}{'—':>7}"
        )
        print(
            f"{case:<15}{c['width']:>5}×{c['height']:<5}{ours['median_s']:>9.3f}"
            f"{ours['cpu_s_per_run']:>7.2f}"
            f"{ours['median_without_overlay_s']:>9.3f}{stages['decode']:>8.3f}"
            f"{stages['analyze']:>9.3f}{stages['verdict']:>9.3f}{stages['overlay']:>9.3f}"
            f"{ours['peak_rss_mib']:>10.0f}{ours['baseline_rss_mib']:>10.0f}"
            f"{ours['kept_rss_mib']:>10.0f}{ref_cells}"
        )
        if "errors" in c:
            e = c["errors"]
            print(
                f"{'':<15}phantom truth: a* error {e['a_star_mean']['resurface']:.2f} "
                f"(reference {e['a_star_mean']['reference']:.2f}), wrinkle length error "
                f"{e['wrinkle_length_mm']['resurface']:.1f} mm "
                f"(reference {e['wrinkle_length_mm']['reference']:.1f} mm)"
            )
    print(
        f"targets: total ≤ {TARGET_S:.1f} s for 12 MP; reference/Resurface ≥ {TARGET_RATIO:.0f}× "
        "on the same pixels (reference: rgb2lab + frangi on the analysed pixels; "
        "peak = the case process's VmHWM, base = after imports, kept = resident after the runs; "
        + (
            "glibc's allocator defaults)"
            if r.get("glibc_default")
            else "allocator as the photo worker sets it)"
        )
    )
    print(f"written: {RESULTS}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.imaging")
    parser.add_argument("--case", action="append", choices=CASES)
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument("--worker", choices=CASES, help=argparse.SUPPRESS)
    parser.add_argument("--inputs", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--reference", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--glibc-default",
        action="store_true",
        help="glibc's allocator defaults, not the photo worker's (keep_photo_memory)",
    )
    args = parser.parse_args(argv)
    if args.worker:
        run_worker = reference_worker if args.reference else worker
        print(json.dumps(run_worker(args.worker, args.inputs)))
        return
    run(
        tuple(args.case or CASES),
        with_reference=not args.no_reference,
        glibc_default=args.glibc_default,
    )


if __name__ == "__main__":
    main()
