"""`make bench`: run every benchmark in a fresh test database and write bench/results.json.
`make bench BENCH="report scoring"` runs only those; their figures replace their earlier ones.

Set DATABASE_URL to benchmark on PostgreSQL (the targets are stated for it). The load run always
uses PostgreSQL: a database named after DATABASE_URL's with "_load" appended, else cx_load on the
local server.
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

from bench import catalog, churn_model, customer_data, load, report, scale, scoring, upload_bombs  # noqa: E402

BENCHMARKS = {
    "catalog": catalog.run,
    "scoring": scoring.run,
    "scale": scale.run,
    "report": report.run,
    "customer_data": customer_data.run,
    "churn_model": churn_model.run,
    "upload_bombs": upload_bombs.run,
    "load": load.run,
}
RESULTS = Path(__file__).resolve().parent / "results.json"


def main(names: list[str]) -> int:
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        print(f"No benchmark {', '.join(unknown)}; there are {', '.join(BENCHMARKS)}.", file=sys.stderr)
        return 2
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        results = [result for name in names or BENCHMARKS for result in BENCHMARKS[name]()]
    finally:
        teardown_databases(databases, verbosity=0)
    fresh = {r.name for r in results}
    earlier = json.loads(RESULTS.read_text()) if names and RESULTS.exists() else []
    kept = [entry for entry in earlier if entry["name"] not in fresh]
    RESULTS.write_text(json.dumps(kept + [r.as_dict() for r in results], indent=2) + "\n")
    ran = names or BENCHMARKS
    print(f"database: {connection.vendor}" + (" (the load run: PostgreSQL)" if "load" in ran else ""))
    for r in results:
        verdict = "ok" if r.met else "MISSED"
        print(
            f"{r.name:<40} {r.value:>10.3f} {r.unit}  floor {r.floor:>10.3f}  ratio {r.ratio:>6.2f}  "
            f"target ≤ {r.target}  {verdict}"
        )
    return 0 if all(r.met for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
