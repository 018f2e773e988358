"""`make bench`: run every benchmark in a fresh test database and write bench/results.json.

Set DATABASE_URL to benchmark on PostgreSQL (the targets are stated for it).
"""

import json
import os
import sys
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

from bench import catalog, customer_data, scoring  # noqa: E402

BENCHMARKS = [catalog.run, scoring.run, customer_data.run]
RESULTS = Path(__file__).resolve().parent / "results.json"


def main() -> int:
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        results = [result for benchmark in BENCHMARKS for result in benchmark()]
    finally:
        teardown_databases(databases, verbosity=0)
    RESULTS.write_text(json.dumps([r.as_dict() for r in results], indent=2) + "\n")
    print(f"database: {connection.vendor}")
    for r in results:
        verdict = "ok" if r.met else "MISSED"
        print(
            f"{r.name:<40} {r.value:>10.3f} {r.unit}  floor {r.floor:>10.3f}  ratio {r.ratio:>6.2f}  "
            f"target ≤ {r.target}  {verdict}"
        )
    return 0 if all(r.met for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
