"""``make bench``: run every benchmark module (each prints a table and writes JSON)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

MODULES = sorted(p.stem for p in Path(__file__).parent.glob("*.py") if not p.stem.startswith("_"))


def main() -> None:
    # Benchmarks use the phantom generator of the test suite.
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    for name in MODULES:
        module = importlib.import_module(f"bench.{name}")
        if hasattr(module, "run"):  # bench.databases is a helper, not a bench
            module.run()


if __name__ == "__main__":
    main()
