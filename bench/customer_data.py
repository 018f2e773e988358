"""Customer-data import (read, validate, type, Parquet) plus every metric, for 1,000,000
clients and 5,000,000 survey rows, vs the floor of pandas' pyarrow CSV reader reading the
same files. Targets: ≤ 3× the floor; peak memory of the import under 1.5 GB (reported as GB,
with the limit as its floor: ratio ≤ 1)."""

import datetime
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from assessment.customer_files import customer_files_parse, frame_to_parquet
from assessment.loyalty import customer_metrics
from bench.harness import Result, in_child

CLIENTS = int(os.environ.get("BENCH_CLIENTS", 1_000_000))
SURVEY_ROWS = 5 * CLIENTS
REFERENCE = datetime.date(2026, 9, 30)
PEAK_MEMORY_LIMIT_GB = 1.5


def _write_files(folder: Path) -> dict[str, Path]:
    rng = np.random.default_rng(11)
    reference = np.datetime64(REFERENCE)
    ids = pd.Series(np.char.add("C", np.arange(CLIENTS).astype(str)))
    closes = rng.random(CLIENTS) < 0.1
    customers = pd.DataFrame(
        {
            "client_id": ids,
            "segment": rng.choice(["mass", "affluent", "premium"], CLIENTS, p=[0.7, 0.22, 0.08]),
            "product_count": 1 + rng.poisson(1.5, CLIENTS),
            "opened_on": (reference - rng.integers(400, 4000, CLIENTS).astype("timedelta64[D]")).astype(str),
            "closed_on": np.where(
                closes, (reference - rng.integers(1, 360, CLIENTS).astype("timedelta64[D]")).astype(str), ""
            ),
            "last_activity_on": (reference - rng.integers(0, 200, CLIENTS).astype("timedelta64[D]")).astype(
                str
            ),
            "annual_margin": rng.lognormal(5, 0.6, CLIENTS).round(2),
        }
    )
    who = rng.integers(0, CLIENTS, SURVEY_ROWS)
    instrument = rng.choice(["nps", "csi", "servqual_expectation", "servqual_perception"], SURVEY_ROWS)
    servqual = np.char.startswith(instrument.astype(str), "servqual")
    survey = pd.DataFrame(
        {
            "client_id": ids.to_numpy()[who],
            "instrument": instrument,
            "item": rng.choice(["q1", "q2", "q3"], SURVEY_ROWS),
            "dimension": np.where(
                servqual,
                rng.choice(
                    ["reliability", "responsiveness", "assurance", "empathy", "tangibles"], SURVEY_ROWS
                ),
                "",
            ),
            "value": np.where(
                instrument == "nps", rng.integers(0, 11, SURVEY_ROWS), rng.integers(1, 6, SURVEY_ROWS)
            ),
        }
    )
    paths = {"customers": folder / "customers.csv", "survey": folder / "survey.csv"}
    customers.to_csv(paths["customers"], index=False)
    survey.to_csv(paths["survey"], index=False)
    return paths


def _import_and_metrics(paths: dict[str, Path]) -> None:
    frames = customer_files_parse(
        {kind: path.read_bytes() for kind, path in paths.items()}, stored_client_ids=None
    )
    for frame in frames.values():
        frame_to_parquet(frame)
    customer_metrics(
        customers=frames["customers"],
        survey=frames["survey"],
        mystery=None,
        period_start=REFERENCE - datetime.timedelta(days=364),
        period_end=REFERENCE,
        reference_date=REFERENCE,
        churn_basis="both",  # the current method's churn (closed or inactive)
    )


def _floor(paths: dict[str, Path]) -> None:
    for path in paths.values():
        pd.read_csv(path, engine="pyarrow")


def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as folder:
        paths = _write_files(Path(folder))
        # Each in a child process, so that the peak memory is the import's own.
        floor, _floor_memory = in_child(lambda: _floor(paths))
        seconds, peak_kb = in_child(lambda: _import_and_metrics(paths))
    peak = peak_kb / 1024 / 1024
    return [
        Result(
            name=f"customer_import_{CLIENTS}_clients_vs_pyarrow_read",
            value=round(seconds, 2),
            unit="s",
            floor=round(floor, 2),
            ratio=round(seconds / floor, 2),
            target=3.0,
        ),
        Result(
            name="customer_import_peak_memory",
            value=round(peak, 2),
            unit="GB",
            floor=PEAK_MEMORY_LIMIT_GB,
            ratio=round(peak / PEAK_MEMORY_LIMIT_GB, 2),
            target=1.0,
        ),
    ]
