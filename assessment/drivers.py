"""Key drivers of a customer rating (docs/methods.md §14): how much of the spread of the clients'
NPS rating (or CSI) each CSI item, SERVQUAL dimension and client attribute accounts for, by
Johnson's relative weights, with bootstrap intervals, beside each item's performance. Pure:
frames in, plain results out; no ORM."""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from assessment.customer_files import ATTRIBUTE_PREFIX

MIN_ANSWERS = 100
BOOTSTRAP_SAMPLES = 200
# A predictor answered by fewer of the rated clients than this share is left out: keeping it
# would leave too few clients with every predictor.
MIN_COVERAGE = 0.5
# A categorical attribute enters as one indicator per value but its commonest, up to this many.
MAX_ATTRIBUTE_VALUES = 10
TARGETS = ("nps", "csi")
NPS_INSTRUMENTS = ("nps", "nps_relationship")
SCALE_LOW, SCALE_HIGH = 1.0, 5.0
# Importance × performance: (important, rated well) → quadrant.
QUADRANTS = {
    (True, False): "fix",
    (True, True): "keep",
    (False, True): "maybe_overdone",
    (False, False): "low_priority",
}


def _client_means(survey: pd.DataFrame, instruments: tuple[str, ...], by: str | None) -> pd.DataFrame:
    """Per client (rows) the mean answer to `instruments`, per value of column `by` (columns)."""
    instrument = survey["instrument"].astype("string").str.lower()
    rows = survey.loc[instrument.isin(instruments).to_numpy() & survey["value"].notna().to_numpy()]
    if by is None:
        return rows.groupby("client_id", observed=True)["value"].mean().to_frame("target")
    rows = rows.loc[rows[by].astype("string").fillna("") != ""]
    table = rows.pivot_table(index="client_id", columns=by, values="value", aggfunc="mean", observed=True)
    table.columns = [str(column) for column in table.columns]
    return table


def _attributes(customers: pd.DataFrame | None) -> pd.DataFrame:
    """The customers file's x_ attributes per client: numbers as they are, each category (but
    the commonest, the reference) as a 0/1 column named attribute=value."""
    if customers is None:
        return pd.DataFrame()
    frame = customers.set_index("client_id")
    columns = {}
    for name in (c for c in frame.columns if c.startswith(ATTRIBUTE_PREFIX)):
        values = frame[name]
        if pd.api.types.is_numeric_dtype(values):
            columns[name] = values.astype(float)
            continue
        for value in values.value_counts().index[1 : MAX_ATTRIBUTE_VALUES + 1]:
            columns[f"{name}={value}"] = (values == value).astype(float).where(values.notna())
    return pd.DataFrame(columns, index=frame.index)


def driver_frame(survey: pd.DataFrame | None, customers: pd.DataFrame | None, *, target: str) -> pd.DataFrame:
    """One row per client with the target (its mean NPS rating, or its CSI in %) and the
    predictors: for NPS each CSI item (csi:<item>), for both each SERVQUAL dimension as perceived
    (servqual:<dimension>) and the x_ attributes. Predictors answered by fewer than MIN_COVERAGE
    of the rated clients are left out, then clients missing any predictor."""
    if survey is None or not len(survey):
        return pd.DataFrame()
    if target == "nps":
        rated = _client_means(survey, NPS_INSTRUMENTS, None)
    else:
        items = _client_means(survey, ("csi",), "item")
        # The client's CSI in %: its items' mean over the top of the scale (docs/methods.md §7.3).
        rated = (items.mean(axis=1) / SCALE_HIGH * 100).to_frame("target")
    parts = [rated]
    if target == "nps":
        parts.append(_client_means(survey, ("csi",), "item").add_prefix("csi:"))
    parts.append(_client_means(survey, ("servqual_perception",), "dimension").add_prefix("servqual:"))
    frame = pd.concat(parts, axis=1, join="outer").join(_attributes(customers), how="left")
    frame = frame.loc[frame["target"].notna()]
    coverage = frame.notna().mean()
    kept = [column for column in frame.columns if column == "target" or coverage[column] >= MIN_COVERAGE]
    frame = frame[kept].dropna()
    # A predictor the same for every client explains nothing and would make the weights singular.
    return frame.loc[:, (frame.nunique() > 1) | (frame.columns == "target")]


def relative_weights(frame: pd.DataFrame) -> tuple[np.ndarray, float]:
    """Johnson's relative weights of the predictor columns for the `target` column: each
    predictor's share of R² (they sum to it), from the orthogonal variables closest to the
    predictors. Also R²."""
    predictors = frame.drop(columns="target").to_numpy(dtype=float)
    target = frame["target"].to_numpy(dtype=float)
    correlations = np.corrcoef(np.column_stack([predictors, target]), rowvar=False)
    among, with_target = correlations[:-1, :-1], correlations[:-1, -1]
    eigenvalues, vectors = np.linalg.eigh(among)
    eigenvalues = np.clip(eigenvalues, 1e-12, None)
    # Correlations of the predictors with their orthogonal counterparts (the symmetric root).
    root = vectors @ np.diag(np.sqrt(eigenvalues)) @ vectors.T
    beta = np.linalg.solve(root, with_target)
    weights = (root**2) @ (beta**2)
    return weights, float(weights.sum())


def _resampled_weights(frame: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """The weights of one bootstrap resample; NaN where a resample leaves a column constant."""
    resample = frame.iloc[rng.integers(0, len(frame), len(frame))]
    if (resample.nunique() < 2).any():
        return np.full(frame.shape[1] - 1, np.nan)
    return relative_weights(resample)[0]


def _performance(name: str, values: pd.Series) -> float | None:
    """How well an item or dimension is rated, 0–100 on its 1–5 scale; None for an attribute."""
    if name.startswith(("csi:", "servqual:")):
        return float((values.mean() - SCALE_LOW) / (SCALE_HIGH - SCALE_LOW) * 100)
    return None


def driver_quadrants(drivers: list[dict]) -> list[str | None]:
    """Each driver's place in importance × performance, split at the mean importance and the
    mean performance of the drivers with a performance: "fix" (important, rated low: act
    first), "keep", "maybe_overdone", "low_priority"; None for a driver without a performance
    (an attribute)."""
    rated = [driver for driver in drivers if driver["performance"] is not None]
    if not rated:
        return [None] * len(drivers)
    importance = np.mean([driver["importance"] for driver in rated])
    performance = np.mean([driver["performance"] for driver in rated])
    return [
        None
        if driver["performance"] is None
        else QUADRANTS[(driver["importance"] >= importance, driver["performance"] >= performance)]
        for driver in drivers
    ]


def key_drivers(
    survey: pd.DataFrame | None,
    customers: pd.DataFrame | None,
    *,
    target: str,
    seed: int = 0,
    bootstrap_samples: int = BOOTSTRAP_SAMPLES,
) -> dict:
    """The key drivers of `target` ("nps" or "csi"): n, R² and per predictor its relative
    weight with a bootstrap 95 % interval (`bootstrap_samples` resamples of the clients; None
    without any), its performance and its quadrant (driver_quadrants), strongest first;
    "insufficient_data" under MIN_ANSWERS clients or without a predictor."""
    frame = driver_frame(survey, customers, target=target)
    n = len(frame)
    if n < MIN_ANSWERS or frame.shape[1] < 2:
        return {
            "status": "insufficient_data",
            "reason": _(
                "Key drivers need at least %(min)d clients with the rating and every kept predictor; "
                "there are %(n)d."
            )
            % {"min": MIN_ANSWERS, "n": n},
            "target": target,
            "n": n,
            "r2": None,
            "drivers": [],
        }
    weights, r2 = relative_weights(frame)
    rng = np.random.default_rng(seed)
    names = list(frame.columns.drop("target"))
    intervals = [None] * len(names)
    if bootstrap_samples:
        samples = np.array([_resampled_weights(frame, rng) for _sample in range(bootstrap_samples)])
        intervals = np.nanpercentile(samples, [2.5, 97.5], axis=0).T.tolist()
    drivers = [
        {
            "name": name,
            "importance": float(weights[i]),
            "ci": intervals[i],
            "performance": _performance(name, frame[name]),
        }
        for i, name in enumerate(names)
    ]
    for driver, quadrant in zip(drivers, driver_quadrants(drivers), strict=True):
        driver["quadrant"] = quadrant
    drivers.sort(key=lambda driver: -driver["importance"])
    return {"status": "ready", "reason": None, "target": target, "n": n, "r2": r2, "drivers": drivers}
