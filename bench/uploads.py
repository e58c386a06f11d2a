"""Server memory under concurrent photo uploads: three 59-megapixel photos (a flat PNG of a few
hundred KB, the size that took the server from 245 MB to 1.8 GB) uploaded at once through
``upload_photo`` and measured by the background jobs, with the process's photo slots at 1 (the
setting, ``RESURFACE_PHOTO_WORKERS``) and at 3 (no bound).

Each case runs in a fresh process; its peak resident memory (``ru_maxrss``) is measured against
the memory it held once the app was set up. Prints a table and writes
``bench/results/uploads.json``.
"""

from __future__ import annotations

import io
import json
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "uploads.json"
SIDE = 7680  # 7680 × 7680 = 59 megapixels
AT_ONCE = 3
_CHILD = "import json; from bench.uploads import _case; print(json.dumps(_case({workers})))"


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _case(workers: int) -> dict[str, float]:
    from PIL import Image
    from tests.support.clinic import seed_clinic

    from resurface import bootstrap
    from resurface.cli.serve import fewer_memory_arenas
    from resurface.config import Settings
    from resurface.services import auth, jobs, photos, users

    fewer_memory_arenas()  # as `resurface serve` does
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), photo_workers=workers)
        bootstrap.migrate(settings)
        runtime = bootstrap.build(settings)
        ctx = runtime.context
        clinic = seed_clinic(ctx.units, "bench")
        actor = auth.actor_of(users.active_user(ctx, "bench.clinician"), "bench")
        buffer = io.BytesIO()
        Image.new("RGB", (SIDE, SIDE), (196, 150, 128)).save(buffer, format="PNG")
        data = buffer.getvalue()
        baseline = _peak_mib()

        def upload() -> None:
            photos.upload_photo(ctx, actor, clinic.patient.id, "full_face", data)

        started = time.perf_counter()
        threads = [threading.Thread(target=upload) for _ in range(AT_ONCE)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        answered = time.perf_counter() - started
        # The analyses are background jobs: as many workers as uploads, sharing the slots.
        workers_at_once = [
            threading.Thread(target=jobs.run_pending_jobs, args=(ctx,)) for _ in range(AT_ONCE)
        ]
        for thread in workers_at_once:
            thread.start()
        for thread in workers_at_once:
            thread.join()
        elapsed = time.perf_counter() - started
        runtime.dispose()
    return {
        "photo_workers": workers,
        "file_kib": round(len(data) / 1024, 1),
        "baseline_mib": round(baseline, 1),
        "peak_mib": round(_peak_mib(), 1),
        "added_mib": round(_peak_mib() - baseline, 1),
        "seconds_to_answer": round(answered, 1),
        "seconds_for_all": round(elapsed, 1),
    }


def run() -> None:
    rows = []
    for workers in (1, AT_ONCE):
        child = subprocess.run(
            [sys.executable, "-c", _CHILD.format(workers=workers)],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        rows.append(json.loads(child.stdout.strip().splitlines()[-1]))
    print(f"\n{AT_ONCE} uploads at once of a {SIDE}×{SIDE} photo ({rows[0]['file_kib']} KiB PNG)")
    print(
        f"{'photo workers':<15}{'baseline MiB':>14}{'peak MiB':>10}{'added MiB':>11}"
        f"{'answered s':>12}{'measured s':>12}"
    )
    for row in rows:
        print(
            f"{row['photo_workers']:<15}{row['baseline_mib']:>14}{row['peak_mib']:>10}"
            f"{row['added_mib']:>11}{row['seconds_to_answer']:>12}{row['seconds_for_all']:>12}"
        )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps({"machine": platform.platform(), "uploads": rows}, indent=2) + "\n"
    )
