"""`python -m bench [name ...]`: run the benchmarks, print the table, write bench/results/latest.json."""
from __future__ import annotations

import importlib
import logging
import sys
import tempfile
import time
from pathlib import Path

from bench.common import FULL, Report, backends

# Each module has run(report, workdir, backends); they run in this order.
MODULES = ["ingest", "pull", "http_checkin", "crowd", "storm", "faults", "profile", "compliance", "imports"]


def main(argv: list[str]) -> int:
    logging.getLogger("alembic").setLevel(logging.WARNING)
    chosen = argv or MODULES
    report = Report()
    kinds = backends()
    print(f"Zhibu benchmarks ({'full' if FULL else 'small'} size) on: {', '.join(kinds)}"
          + ("" if "postgresql" in kinds else "  (PostgreSQL not reachable: its figures are skipped)"))
    for name in chosen:
        module = importlib.import_module(f"bench.{name}")
        started = time.monotonic()
        print(f"\n== {name}", flush=True)
        with tempfile.TemporaryDirectory(prefix=f"zhibu-bench-{name}-") as workdir:
            module.run(report, Path(workdir), kinds)
        print(f"   ({time.monotonic() - started:.0f} s)", flush=True)
    print("\n" + report.table())
    path = report.write()
    print(f"\nWritten: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
