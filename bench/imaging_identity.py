"""Identity check of the photo analysis: every region metric and map hash, to compare two trees.

``python -m bench.imaging_identity make DIR`` renders the inputs (the bench's 12 MP phantom and
12 MP face as JPEG, ``tests.support.faces.marked_face`` as raw RGB, and a phantom with hair, pores,
a shadow and highlights measured in a drawn polygon) into DIR;
``python -m bench.imaging_identity dump DIR OUT.json`` analyses them with the code on the path and
writes every metric (exact, as float hex) and a SHA-256 of every map; ``python -m
bench.imaging_identity diff A.json B.json`` lists what differs (exit status 1 if anything does).
Run ``dump`` once with the old tree on PYTHONPATH and once with the new one.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np


def make(folder: Path) -> None:
    from tests.support.faces import marked_face

    from bench.imaging import _face, _jpeg, _phantom_truth

    folder.mkdir(parents=True, exist_ok=True)
    data, _ = _phantom_truth()
    (folder / "phantom_12mp.jpg").write_bytes(data)
    (folder / "face_12mp.jpg").write_bytes(_jpeg(_face(12.0), 90))
    np.save(folder / "marked_face.npy", marked_face().rgb)
    np.save(folder / "hairy_phantom.npy", _hairy_phantom())


def _hairy_phantom() -> np.ndarray:
    from tests.support.phantoms import PhantomSpec, render_phantom

    spec = PhantomSpec(
        width_mm=120.0,
        height_mm=90.0,
        px_per_mm=12.0,
        spot_count=12,
        line_count=6,
        pore_count=300,
        hair_count=12,
        shadow=0.3,
        highlight_count=8,
        seed=11,
    )
    return render_phantom(spec).rgb


def _hash(array: np.ndarray) -> str:
    a = np.ascontiguousarray(array)
    return hashlib.sha256(a.tobytes() + str((a.shape, a.dtype.str)).encode()).hexdigest()[:20]


def _exact(value: Any) -> Any:
    if isinstance(value, float):
        return float(value).hex()
    if isinstance(value, tuple | list):
        return [_exact(v) for v in value]
    return value


def _analysis(result: Any) -> dict[str, Any]:
    maps = result.maps
    out: dict[str, Any] = {
        "regions": {
            r.name: {
                "area_mm2": _exact(r.area_mm2),
                "area_px": _exact(r.area_px),
                **{k: _exact(v) for k, v in r.metrics.as_dict().items()},
            }
            for r in result.regions
        },
        "maps": {
            "rgb": _hash(maps.rgb),
            "region_masks": [_hash(m) for m in maps.region_masks],
            "wrinkles": _hash(maps.wrinkles),
            "spots": _hash(maps.spots),
            "red": _hash(maps.red),
            "hair": _hash(maps.hair),
            "box": list(maps.box) if maps.box else None,
        },
        "counts": {
            "wrinkles": int(maps.wrinkles.sum()),
            "spots": int(maps.spots.sum()),
            "red": int(maps.red.sum()),
            "hair": int(maps.hair.sum()),
        },
        "calibration": [result.calibration.method, _exact(result.calibration.gains)],
        "skin_model": None
        if result.skin_model is None
        else [_exact(result.skin_model.lab), _exact(result.skin_model.sigma)],
    }
    return out


def dump(folder: Path, target: Path) -> None:
    from resurface.imaging.analysis import analyze
    from resurface.imaging.ingest import decode_photo

    results = {
        "phantom_12mp": analyze(
            decode_photo((folder / "phantom_12mp.jpg").read_bytes()).rgb,
            region="whole",
            px_per_mm=20.0,
        ),
        "face_12mp": analyze(decode_photo((folder / "face_12mp.jpg").read_bytes()).rgb),
        "marked_face": analyze(np.load(folder / "marked_face.npy")),
    }
    hairy = folder / "hairy_phantom.npy"
    if hairy.exists():
        polygon = [[60.0, 40.0], [1380.0, 90.0], [1300.0, 1020.0], [100.0, 980.0]]
        results["hairy_phantom"] = analyze(np.load(hairy), region=polygon, px_per_mm=12.0)
    target.write_text(json.dumps({k: _analysis(v) for k, v in results.items()}, indent=1))


def _walk(a: Any, b: Any, path: str, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            _walk(a.get(key), b.get(key), f"{path}.{key}", out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _walk(x, y, f"{path}[{i}]", out)
    elif a != b:
        out.append(f"{path}: {a!r} != {b!r}")


def diff(first: Path, second: Path) -> int:
    differences: list[str] = []
    _walk(json.loads(first.read_text()), json.loads(second.read_text()), "", differences)
    for line in differences:
        print(line)
    print("IDENTICAL" if not differences else f"{len(differences)} differences")
    return 1 if differences else 0


def main(argv: list[str]) -> int:
    command, *args = argv
    if command == "make":
        make(Path(args[0]))
    elif command == "dump":
        dump(Path(args[0]), Path(args[1]))
    elif command == "diff":
        return diff(Path(args[0]), Path(args[1]))
    else:
        raise SystemExit(__doc__)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
