"""``resurface worker`` keeps photo-sized memory between analyses instead of fresh pages."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

_PROGRAM = """
import json, resource, sys
import numpy as np
from resurface.cli.worker import keep_photo_memory
kept = keep_photo_memory() if sys.argv[1] == "keep" else None
faults = []
for _ in range(4):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    image = np.ones((3000, 4000, 3), np.float32)  # a 12 MP photo's float image, 144 MB
    del image
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(json.dumps({"kept": kept, "faults": faults}))
"""


def _faults(mode: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM, mode], capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout))


def test_image_memory_is_reused_not_mapped_afresh_for_every_image() -> None:
    kept = _faults("keep")
    if not kept["kept"]:
        pytest.skip("not glibc: the allocator cannot be set")
    default = _faults("default")
    pages = 3000 * 4000 * 3 * 4 // 4096
    faults_kept = kept["faults"]
    faults_default = default["faults"]
    assert isinstance(faults_kept, list) and isinstance(faults_default, list)
    # glibc's defaults: every image costs its pages again (or huge pages, fewer faults).
    assert min(faults_default[1:]) > 0
    # Kept: the first image maps its pages, the next ones reuse them.
    assert max(faults_kept[1:]) < pages // 100
