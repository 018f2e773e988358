"""The coded metrics against the straightforward pandas computation, on random data, and the
importer's shortcuts (client rows carried along, categories) against the plain frames they
stand for."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from assessment.customer_files import (
    CUSTOMER_ROW,
    client_rows,
    customer_files_parse,
    frame_from_parquet,
    frame_to_parquet,
)
from assessment.loyalty import LOYALTY_TYPES, SERVQUAL_DIMENSIONS, client_loyalty, customer_metrics

REFERENCE = dt.date(2024, 6, 30)
PERIOD = {"period_start": dt.date(2023, 7, 1), "period_end": REFERENCE, "reference_date": REFERENCE}
INSTRUMENTS = ["nps", "csi", "servqual_expectation", "servqual_perception"]


def random_frames(seed: int, clients: int = 600, rows: int = 3000, items: int = 3):
    rng = np.random.default_rng(seed)
    base = np.datetime64(REFERENCE, "ns")

    def days_before(low, high, missing=0.0):
        values = base - rng.integers(low, high, clients).astype("timedelta64[D]")
        values[rng.random(clients) < missing] = np.datetime64("NaT")
        return pd.Series(values, dtype="datetime64[ns]")

    opened, closed = days_before(-20, 2000), days_before(-20, 700, missing=0.7)
    customers = pd.DataFrame(
        {
            "client_id": pd.Series([f"C{n}" for n in range(clients)], dtype="str"),
            "segment": pd.Series(rng.choice(["mass", "affluent", "premium"], clients), dtype="str"),
            "product_count": pd.Series(rng.integers(0, 6, clients), dtype="int64"),
            "opened_on": opened,
            "closed_on": closed.where(~(closed < opened), opened),
            "last_activity_on": days_before(-10, 200, missing=0.2),
            "annual_margin": pd.Series(rng.random(clients) * 900, dtype="float64").round(2),
        }
    )
    instrument = rng.choice(INSTRUMENTS, rows)
    servqual = np.char.startswith(instrument.astype(str), "servqual")
    value = np.where(instrument == "nps", rng.integers(0, 11, rows), rng.integers(1, 6, rows)).astype(float)
    survey = pd.DataFrame(
        {
            # A few answers of clients missing from the customers file.
            "client_id": pd.Series([f"C{n}" for n in rng.integers(0, clients + 20, rows)], dtype="str"),
            "instrument": pd.Series(instrument, dtype="str"),
            "item": pd.Series(rng.choice([f"q{n}" for n in range(items)], rows), dtype="str"),
            "dimension": pd.Series(
                np.where(servqual, rng.choice(SERVQUAL_DIMENSIONS, rows), ""), dtype="str"
            ),
            # Some half points on the 1–5 scales.
            "value": pd.Series(
                value + 0.5 * ((instrument != "nps") & (value < 5) & (rng.random(rows) < 0.3))
            ),
        }
    )
    return customers, survey


# --- the straightforward computation ----------------------------------------------------------


def reference_scores(customers: pd.DataFrame, survey: pd.DataFrame) -> pd.DataFrame:
    """CSI, mean NPS rating and SERVQUAL index per client id, by plain groupbys."""
    survey = survey[survey["value"].notna()]
    csi_rows = survey[survey["instrument"] == "csi"]
    item_means = csi_rows.groupby(["client_id", "item"])["value"].mean()
    totals = item_means.groupby(level="client_id").agg(["sum", "count"])
    csi = totals["sum"] / (totals["count"] * 5) * 100.0
    nps = survey[survey["instrument"] == "nps"].groupby("client_id")["value"].mean()
    sides = survey[
        survey["instrument"].str.startswith("servqual") & survey["dimension"].isin(SERVQUAL_DIMENSIONS)
    ]
    means = sides.groupby(["client_id", "dimension", "instrument"])["value"].mean().unstack("instrument")
    gaps = (means["servqual_perception"] - means["servqual_expectation"]).unstack("dimension")
    servqual = gaps.sum(axis=1, min_count=1)
    ids = customers["client_id"]
    return pd.DataFrame(
        {
            name: scores.reindex(ids).to_numpy()
            for name, scores in {"csi": csi, "nps": nps, "servqual": servqual}.items()
        },
        index=ids,
    )


def reference_types(customers: pd.DataFrame, survey: pd.DataFrame) -> pd.Series:
    reference = pd.Timestamp(REFERENCE)
    active = customers[
        (customers["opened_on"] <= reference)
        & (customers["closed_on"].isna() | (customers["closed_on"] > reference))
    ].set_index("client_id")
    high = active["product_count"] > active.groupby("segment")["product_count"].transform("mean")
    scores = reference_scores(customers, survey).reindex(active.index).round(9)
    met = (
        (scores["csi"] >= 75).astype(int)
        + (scores["nps"] >= 7).astype(int)
        + (scores["servqual"] >= 0).astype(int)
    )
    available = scores.notna().sum(axis=1)
    satisfied = met >= 2
    kind = np.select(
        [available < 2, high & satisfied, ~high & satisfied, high & ~satisfied],
        ["unclassified", "loyal", "satisfied", "captive"],
        "disloyal",
    )
    return pd.Series(kind, index=active.index)


def reference_csi(rows: pd.DataFrame) -> float:
    item_means = rows[rows["instrument"] == "csi"].groupby("item")["value"].mean()
    return item_means.sum() / (len(item_means) * 5) * 100.0


def assert_same(left, right):
    """Equal results, floats within 1e-9."""
    if isinstance(left, dict):
        assert left.keys() == right.keys()
        for key in left:
            assert_same(left[key], right[key])
    elif isinstance(left, list):
        assert len(left) == len(right)
        for one, other in zip(left, right, strict=True):
            assert_same(one, other)
    elif isinstance(left, float) and isinstance(right, float):
        assert math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9), (left, right)
    else:
        assert left == right


# --- coded metrics vs the straightforward computation -----------------------------------------


@pytest.mark.parametrize(("seed", "items"), [(1, 3), (2, 3), (3, 40)])  # 40 items: sparse per-client means
def test_client_scores_and_types_match_plain_groupbys(seed, items):
    customers, survey = random_frames(seed, items=items)
    table = client_loyalty(customers, survey, REFERENCE)
    expected = reference_scores(customers, survey).reindex(table.index)
    for name in ("csi", "nps", "servqual"):
        np.testing.assert_allclose(table[name].to_numpy(), expected[name].to_numpy(), rtol=1e-9, atol=1e-9)
    types = reference_types(customers, survey)
    assert (table["type"].to_numpy() == types.reindex(table.index).to_numpy()).all()
    metrics = customer_metrics(customers=customers, survey=survey, mystery=None, **PERIOD)
    assert metrics["loyalty_types"] == {name: int((types == name).sum()) for name in LOYALTY_TYPES}


@pytest.mark.parametrize("seed", [4, 5])
def test_survey_metrics_per_segment_match_plain_groupbys(seed):
    customers, survey = random_frames(seed)
    metrics = customer_metrics(customers=customers, survey=survey, mystery=None, **PERIOD)
    known = survey[survey["client_id"].isin(customers["client_id"])]
    segment = known["client_id"].map(customers.set_index("client_id")["segment"])
    assert metrics["csi"]["score"] == pytest.approx(reference_csi(known), rel=1e-12)
    for name, rows in known.groupby(segment):
        by_segment = metrics["by_segment"][name]
        assert by_segment["csi"]["score"] == pytest.approx(reference_csi(rows), rel=1e-12)
        assert by_segment["csi"]["n"] == rows.loc[rows["instrument"] == "csi", "client_id"].nunique()
        ratings = rows.loc[rows["instrument"] == "nps", "value"]
        assert by_segment["nps"]["n"] == len(ratings)
        assert by_segment["nps"]["score"] == pytest.approx(
            100.0 * ((ratings >= 9).sum() - (ratings <= 6).sum()) / len(ratings)
        )
    sides = known[known["instrument"].str.startswith("servqual")]
    means = sides.groupby(["dimension", "instrument"])["value"].mean().unstack("instrument")
    gaps = means["servqual_perception"] - means["servqual_expectation"]
    assert metrics["servqual"]["gaps"] == pytest.approx(gaps.to_dict(), rel=1e-12)


# --- the importer's frames vs plain ones --------------------------------------------------------


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, date_format="%Y-%m-%d").encode()


def test_imported_frames_give_the_metrics_of_plain_and_stored_frames():
    customers, survey = random_frames(6)
    survey = survey[survey["client_id"].isin(customers["client_id"])]
    frames = customer_files_parse(
        {"customers": csv_bytes(customers), "survey": csv_bytes(survey)}, stored_client_ids=None
    )
    assert CUSTOMER_ROW in frames["survey"].columns
    stored = {kind: frame_from_parquet(frame_to_parquet(frame)) for kind, frame in frames.items()}
    assert CUSTOMER_ROW not in stored["survey"].columns
    plain = {
        "customers": frames["customers"],
        "survey": frames["survey"]
        .drop(columns=CUSTOMER_ROW)
        .astype(dict.fromkeys(["instrument", "item", "dimension"], "str")),
    }
    results = [
        customer_metrics(customers=variant["customers"], survey=variant["survey"], mystery=None, **PERIOD)
        for variant in (frames, stored, plain)
    ]
    assert_same(results[0], results[1])
    assert_same(results[0], results[2])
    tables = [
        client_loyalty(variant["customers"], variant["survey"], REFERENCE)
        for variant in (frames, stored, plain)
    ]
    pd.testing.assert_frame_equal(tables[0], tables[1])
    pd.testing.assert_frame_equal(tables[0], tables[2])


@pytest.mark.parametrize(
    "ids",
    [
        ["C1", "C22", "", "C1234567"],
        ["C1", "C123456789", "C22"],  # longer than eight characters
        ["К-1", "C1", "C22"],  # not ASCII
        ["C1", "C\x001", "C22"],  # a zero byte
    ],
)
def test_client_rows_finds_the_first_row_of_each_id(ids):
    among = pd.Series([*ids[::-1], "C9"], dtype="str")
    wanted = pd.Series([*ids, "C9", "C404", ids[0]], dtype="str")
    position = {client: row for row, client in reversed(list(enumerate(among)))}
    assert client_rows(wanted, among).tolist() == [position.get(client, -1) for client in wanted]
    repeated = pd.concat([among, among], ignore_index=True)  # the first row of a repeated id
    assert client_rows(wanted, repeated).tolist() == [position.get(client, -1) for client in wanted]
