"""Customer loyalty and retention metrics of a bank: a pure function from DataFrames to plain data.

Method (../shared/methods/README.md §4): NPS with a Wald interval, CSI and its bands, SERVQUAL
gaps, mystery-shopping compliance, product load, loyalty types, churn, CLV and activity
segments, overall and per customer segment.

Inputs are the importer's frames (parsed and validated, explicit dtypes); any of them may be
None (not uploaded) or empty. A metric whose inputs are absent is None, never 0, so a report
can tell "no data" from "zero". Results are plain JSON: Python floats/ints/None, no NaN.
"""

import datetime
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from assessment.scoring import plain_value

# CSI bands by lower edge, highest first (§4): ≥ 80 high; [75, 80) medium; [50, 75) insufficient;
# below 50 low (a CSI on a 1–5 scale cannot go under 20).
CSI_BANDS: tuple[tuple[str, float], ...] = (
    ("high", 80.0),
    ("medium", 75.0),
    ("insufficient", 50.0),
    ("low", 0.0),
)
LOYALTY_TYPES = ("loyal", "satisfied", "captive", "disloyal", "unclassified")
SERVQUAL_DIMENSIONS = ("reliability", "responsiveness", "assurance", "empathy", "tangibles")
ACTIVITY_SEGMENTS = ("active", "passive", "at_risk", "churned")

NPS_PROMOTER_MIN = 9
NPS_PASSIVE_MIN = 7
Z95 = 1.96
CSI_SATISFIED = 75.0
NPS_RATING_SATISFIED = 7.0
SERVQUAL_SATISFIED = 0.0
ACTIVE_DAYS = 30
PASSIVE_DAYS = 90
# Means of answers are compared with thresholds after rounding away float noise, so that a
# CSI of exactly 75 % computed as 74.99999999999999 still counts as 75.
_DIGITS = 9


def _present(frame: pd.DataFrame | None) -> bool:
    return frame is not None and len(frame) > 0


def _timestamp(day: datetime.date) -> pd.Timestamp:
    return pd.Timestamp(day)


def _percent(part: pd.Series, whole: pd.Series) -> pd.Series:
    """part / whole in %, NaN where whole is 0."""
    return (100.0 * part / whole.where(whole > 0)).astype(float)


# --- survey metrics ---------------------------------------------------------------------------


def nps_summary(values: pd.Series) -> dict | None:
    """NPS of 0–10 ratings: % promoters (9–10) − % detractors (0–6), with a 95 % Wald
    interval se = 100·sqrt((p + d − (p − d)²) / n), clipped to the scale's [−100, 100]."""
    if values is None:
        return None
    ratings = values.dropna().to_numpy(dtype=float)
    n = len(ratings)
    if n == 0:
        return None
    promoters = int((ratings >= NPS_PROMOTER_MIN).sum())
    passives = int(((ratings >= NPS_PASSIVE_MIN) & (ratings < NPS_PROMOTER_MIN)).sum())
    detractors = n - promoters - passives
    p, d = promoters / n, detractors / n
    score = 100.0 * (promoters - detractors) / n
    se = 100.0 * np.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)
    return {
        "score": float(score),
        "promoters": float(100.0 * promoters / n),
        "passives": float(100.0 * passives / n),
        "detractors": float(100.0 * detractors / n),
        "n": n,
        "ci95": [float(max(score - Z95 * se, -100.0)), float(min(score + Z95 * se, 100.0))],
    }


def csi_band(score: float) -> str:
    """The CSI band of a score in % (see CSI_BANDS)."""
    rounded = round(float(score), _DIGITS)
    for band, edge in CSI_BANDS:
        if rounded >= edge:
            return band
    return CSI_BANDS[-1][0]


def _no_survey() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "client_id": pd.Series(dtype="str"),
            "instrument": pd.Series(dtype="str"),
            "item": pd.Series(dtype="str"),
            "dimension": pd.Series(dtype="str"),
            "value": pd.Series(dtype="float64"),
        }
    )


_FEW_VALUES = ("instrument", "item", "dimension")
# Private column of the survey rows of known clients: the row of the client in the customers
# frame (the first with its id).
_CUSTOMER = "_customer"


def _compact(survey: pd.DataFrame | None) -> pd.DataFrame | None:
    """The survey with its few-valued text columns as categories, so each groupby below codes
    them once instead of hashing the strings again."""
    if not _present(survey):
        return survey
    columns = {
        column: survey[column].astype("category")
        for column in _FEW_VALUES
        if column in survey.columns and not isinstance(survey[column].dtype, pd.CategoricalDtype)
    }
    return survey.assign(**columns) if columns else survey


def _client_count(rows: pd.DataFrame) -> int:
    """Distinct clients among the rows (by their customer-file position when known: integers
    count faster than ids, one position per id)."""
    if _CUSTOMER in rows.columns:
        return int(rows[_CUSTOMER].nunique())
    return int(rows["client_id"].nunique())


def _instrument(survey: pd.DataFrame | None, instrument: str) -> pd.DataFrame:
    """The rows of one instrument with an answer (an empty, typed frame without a survey)."""
    if not _present(survey):
        return _no_survey()
    return survey[(survey["instrument"] == instrument) & survey["value"].notna()]


def _csi_per(rows: pd.DataFrame, by: list[str]) -> pd.Series:
    """CSI in % per group `by` (empty list = overall): the sum of the group's item means over
    the maximum possible sum (items × 5)."""
    item_means = rows.groupby([*by, "item"], observed=True)["value"].mean()
    if not by:
        return pd.Series([item_means.sum() / (len(item_means) * 5) * 100.0])
    totals = item_means.groupby(level=by, observed=True).agg(["sum", "count"])
    return totals["sum"] / (totals["count"] * 5) * 100.0


def csi_summary(survey: pd.DataFrame | None) -> dict | None:
    """CSI over the csi rows of a long survey frame; n counts distinct answering clients."""
    rows = _instrument(survey, "csi")
    if rows.empty:
        return None
    score = float(_csi_per(rows, []).iloc[0])
    items = rows.groupby("item", observed=True)["value"].mean()
    return {
        "score": score,
        "band": csi_band(score),
        "items": {str(item): plain_value(mean) for item, mean in items.items()},
        "n": _client_count(rows),
    }


def _servqual_gaps(rows: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Perception − expectation mean per group (rows) and dimension (the five columns); NaN
    where a side is missing."""
    means = (
        rows.groupby([*by, "dimension", "instrument"], observed=True)["value"]
        .mean()
        .unstack("instrument")
        .reindex(columns=["servqual_expectation", "servqual_perception"])
    )
    gaps = means["servqual_perception"] - means["servqual_expectation"]
    table = gaps.unstack("dimension") if by else gaps.to_frame().T
    return table.reindex(columns=list(SERVQUAL_DIMENSIONS))


def _servqual_rows(survey: pd.DataFrame | None) -> pd.DataFrame:
    if not _present(survey):
        return _no_survey()
    rows = survey[survey["instrument"].isin(["servqual_expectation", "servqual_perception"])]
    return rows[rows["value"].notna() & rows["dimension"].isin(SERVQUAL_DIMENSIONS)]


def servqual_summary(survey: pd.DataFrame | None) -> dict | None:
    """SERVQUAL gaps per dimension (mean perception − mean expectation over all rows) and the
    quality index, their sum; the index is None unless all five gaps are known, since a sum
    over fewer dimensions is not comparable with the scale's thresholds."""
    rows = _servqual_rows(survey)
    if rows.empty:
        return None
    gaps = _servqual_gaps(rows, []).iloc[0]
    return {
        "gaps": {dimension: plain_value(gaps[dimension]) for dimension in SERVQUAL_DIMENSIONS},
        "index": float(gaps.sum()) if gaps.notna().all() else None,
        "n": _client_count(rows),
    }


# --- mystery shopping -------------------------------------------------------------------------


def mystery_summary(mystery: pd.DataFrame | None) -> dict | None:
    """Compliance = yes / (yes + no) in %, n/a excluded, overall, per branch and per standard.
    A group with only n/a answers has compliance None (nothing was checked)."""
    if not _present(mystery):
        return None
    result = mystery["result"].str.strip().str.lower()
    counts = pd.DataFrame(
        {
            "branch": mystery["branch"],
            "standard": mystery["standard"],
            "yes": (result == "yes").astype(int),
            "rated": result.isin(["yes", "no"]).astype(int),
        }
    )

    def compliance(by: str) -> dict:
        sums = counts.groupby(by, observed=True)[["yes", "rated"]].sum()
        return {str(key): plain_value(value) for key, value in _percent(sums["yes"], sums["rated"]).items()}

    rated = int(counts["rated"].sum())
    return {
        "compliance": float(100.0 * counts["yes"].sum() / rated) if rated else None,
        "by_branch": compliance("branch"),
        "by_standard": compliance("standard"),
        "visits": int(mystery["visit_id"].nunique()),
    }


# --- customer base ----------------------------------------------------------------------------


def _active_at(customers: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    """Opened on or before `day` and not closed by it (closed_on > day or never closed)."""
    return (customers["opened_on"] <= day) & (customers["closed_on"].isna() | (customers["closed_on"] > day))


def _product_load(active: pd.DataFrame) -> tuple[float | None, pd.Series]:
    if active.empty:
        return None, pd.Series(dtype=float)
    per_segment = active.groupby("segment", observed=True)["product_count"].mean()
    return float(active["product_count"].mean()), per_segment


def _churn_counts(
    customers: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp
) -> tuple[pd.DataFrame, pd.Series]:
    """Clients active at the period's start (a client closing on its first day still counts)
    and those of them closed within [start, end]: per segment, and in total."""
    closed_on = customers["closed_on"]
    at_start = (customers["opened_on"] <= start) & (closed_on.isna() | (closed_on >= start))
    closed = at_start & (closed_on >= start) & (closed_on <= end)
    flags = pd.DataFrame(
        {"active_at_start": at_start.astype(int), "closed": closed.astype(int)}, index=customers.index
    )
    per_segment = flags.groupby(customers["segment"], observed=True).sum()
    return per_segment, flags.sum()


def _churn_fields(closed: int, active_at_start: int, period: list[str]) -> dict | None:
    if active_at_start == 0:
        return None
    return {
        "rate": float(100.0 * closed / active_at_start),
        "closed": int(closed),
        "active_at_start": int(active_at_start),
        "period": period,
    }


def _clv(margin, churn_rate, discount_rate: float):
    """CLV per client = m · r / (1 + d − r), r = 1 − churn; NaN when either input is missing
    or the denominator is not positive (no churn and no discounting: CLV unbounded)."""
    retention = 1.0 - churn_rate / 100.0
    denominator = 1.0 + discount_rate - retention
    with np.errstate(invalid="ignore", divide="ignore"):
        value = margin * retention / denominator
    return (
        value.where(denominator > 0)
        if isinstance(value, pd.Series)
        else (value if denominator > 0 else np.nan)
    )


def _activity(customers: pd.DataFrame, reference: pd.Timestamp) -> dict:
    """Activity segments among clients opened by the reference date: churned if closed by it,
    otherwise by days since the last activity (≤ 30 active, 31–90 passive, more or none at
    risk). Activity dated after the reference date counts as active."""
    opened = customers[customers["opened_on"] <= reference]
    days = (reference - opened["last_activity_on"]).dt.days
    segment = np.select(
        [
            opened["closed_on"].notna() & (opened["closed_on"] <= reference),
            days <= ACTIVE_DAYS,
            days <= PASSIVE_DAYS,
        ],
        ["churned", "active", "passive"],
        "at_risk",
    )
    counts = pd.Series(segment, dtype=object).value_counts()
    return {name: int(counts.get(name, 0)) for name in ACTIVITY_SEGMENTS}


# --- loyalty types ----------------------------------------------------------------------------

_LOYALTY_COLUMNS = [
    "segment",
    "product_count",
    "high_load",
    "csi",
    "nps",
    "servqual",
    "criteria_available",
    "criteria_met",
    "type",
]


def client_loyalty(
    customers: pd.DataFrame | None, survey: pd.DataFrame | None, reference_date: datetime.date
) -> pd.DataFrame:
    """Loyalty type of every client active at the reference date, indexed by client_id.

    High load: more products than the mean of the client's segment (over active clients),
    strictly. Satisfied: at least two of CSI ≥ 75 %, mean NPS rating ≥ 7 and SERVQUAL index
    ≥ 0, among the criteria the client has data for; with fewer than two the client is
    unclassified, since one answer cannot outvote a missing one.
    """
    if not _present(customers):
        empty = pd.DataFrame(columns=_LOYALTY_COLUMNS, index=pd.Index([], name="client_id", dtype=str))
        return empty.astype(
            {
                "segment": "str",
                "product_count": "int64",
                "high_load": bool,
                "csi": float,
                "nps": float,
                "servqual": float,
                "criteria_available": "int64",
                "criteria_met": "int64",
                "type": "str",
            }
        )
    is_active = _active_at(customers, _timestamp(reference_date)).to_numpy(dtype=bool)
    active = customers[is_active]
    clients = active.set_index("client_id")[["segment", "product_count"]]
    segment_mean = clients.groupby("segment", observed=True, dropna=False)["product_count"].transform("mean")
    clients = clients.assign(high_load=clients["product_count"] > segment_mean)

    survey = _compact(survey)
    key = "client_id"
    targets = clients.index
    if _present(survey) and customers["client_id"].is_unique:
        # Group by the client's position among the active clients (integers), not by the id.
        if _CUSTOMER in survey.columns:
            in_customers = survey[_CUSTOMER].to_numpy()
        else:
            in_customers = _positions(survey["client_id"], customers["client_id"])
        among_active = np.full(len(customers) + 1, -1, dtype=np.int64)  # the last for -1
        among_active[np.flatnonzero(is_active)] = np.arange(len(clients))
        position = among_active[in_customers]
        found = position >= 0
        survey = survey[found] if not found.all() else survey
        if found.any():
            survey = survey.assign(_client=position[found])
            key, targets = "_client", pd.RangeIndex(len(clients))
    csi_rows = _instrument(survey, "csi")
    nps_rows = _instrument(survey, "nps")
    servqual_rows = _servqual_rows(survey)
    if csi_rows.empty:
        csi = pd.Series(dtype=float)
    elif key == "_client":
        csi = _csi_per_position(csi_rows)
    else:
        csi = _csi_per(csi_rows, [key])
    nps = nps_rows.groupby(key, observed=True)["value"].mean()
    if servqual_rows.empty:
        servqual = pd.Series(dtype=float)
    elif key == "_client":
        servqual = _servqual_index_per_position(servqual_rows, len(clients))
    else:
        servqual = _servqual_gaps(servqual_rows, [key]).sum(axis=1, min_count=1)
    scores = pd.DataFrame(
        {
            "csi": csi.reindex(targets).to_numpy(dtype=float),
            "nps": nps.reindex(targets).to_numpy(dtype=float),
            "servqual": servqual.reindex(targets).to_numpy(dtype=float),
        },
        index=clients.index,
    )
    rounded = scores.round(_DIGITS)
    met = pd.DataFrame(
        {
            "csi": rounded["csi"] >= CSI_SATISFIED,
            "nps": rounded["nps"] >= NPS_RATING_SATISFIED,
            "servqual": rounded["servqual"] >= SERVQUAL_SATISFIED,
        }
    )
    available = scores.notna().sum(axis=1).astype("int64")
    met_count = met.sum(axis=1).astype("int64")
    satisfied = met_count >= 2
    high = clients["high_load"].to_numpy(dtype=bool)
    kind = np.select(
        [available < 2, high & satisfied, ~high & satisfied, high & ~satisfied],
        ["unclassified", "loyal", "satisfied", "captive"],
        "disloyal",
    )
    table = clients.join(scores).assign(criteria_available=available, criteria_met=met_count, type=kind)
    table.index.name = "client_id"
    return table[_LOYALTY_COLUMNS]


def _codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """Codes in sorted order of the values (−1 where missing) and how many values there are."""
    if not isinstance(values.dtype, pd.CategoricalDtype) or not values.cat.categories.is_monotonic_increasing:
        values = values.astype("category")
    return values.cat.codes.to_numpy().astype(np.int64), len(values.cat.categories)


def _positions_in(values: pd.Series, names: list[str]) -> np.ndarray:
    """The position of each value among a few names (−1 if not one), looked up per category."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype("category")
    lookup = np.append(pd.Index(names).get_indexer(values.cat.categories.astype(object)), -1)
    return lookup[values.cat.codes.to_numpy().astype(np.int64)]


def _csi_per_position(rows: pd.DataFrame) -> pd.Series:
    """_csi_per(rows, ["_client"]) with one integer key per (client, item): the same means and
    sums in the same order, without hashing a two-level key."""
    items, item_count = _codes(rows["item"])
    keep = items >= 0
    key = rows["_client"].to_numpy()[keep] * item_count + items[keep]
    item_means = pd.Series(rows["value"].to_numpy()[keep]).groupby(key).mean()
    totals = item_means.groupby(item_means.index.to_numpy() // item_count).agg(["sum", "count"])
    return totals["sum"] / (totals["count"] * 5) * 100.0


def _servqual_index_per_position(rows: pd.DataFrame, clients: int) -> pd.Series:
    """_servqual_gaps(rows, ["_client"]).sum(axis=1, min_count=1) for clients 0 … clients − 1,
    with one integer key per (client, dimension, side) and the gaps laid out densely."""
    dimension = _positions_in(rows["dimension"], list(SERVQUAL_DIMENSIONS))
    side = _positions_in(rows["instrument"], ["servqual_expectation", "servqual_perception"])
    keep = (dimension >= 0) & (side >= 0)
    key = (rows["_client"].to_numpy()[keep] * len(SERVQUAL_DIMENSIONS) + dimension[keep]) * 2 + side[keep]
    means = pd.Series(rows["value"].to_numpy()[keep]).groupby(key).mean()
    dense = np.full(clients * len(SERVQUAL_DIMENSIONS) * 2, np.nan)
    dense[means.index.to_numpy()] = means.to_numpy()
    dense = dense.reshape(clients, len(SERVQUAL_DIMENSIONS), 2)
    gaps = pd.DataFrame(dense[:, :, 1] - dense[:, :, 0], columns=list(SERVQUAL_DIMENSIONS))
    return gaps.sum(axis=1, min_count=1)


def _type_counts(counts: pd.Series) -> dict:
    return {name: int(counts.get(name, 0)) for name in LOYALTY_TYPES}


# --- everything -------------------------------------------------------------------------------


def _known_clients(survey: pd.DataFrame | None, customers: pd.DataFrame | None) -> pd.DataFrame | None:
    """Survey rows of known clients, with their segment. Without a customer list nothing can
    be checked, so the rows are kept (segment missing)."""
    if not _present(survey):
        return None
    if not _present(customers):
        return survey
    # One hash lookup in C for membership and segment (the first row of a repeated client id).
    position = _positions(survey["client_id"], customers["client_id"])
    found = position >= 0
    known = survey if found.all() else survey[found]
    segment = customers["segment"].astype("category")
    codes = segment.cat.codes.to_numpy()[position[found]]
    return known.assign(
        segment=pd.Categorical.from_codes(codes, categories=segment.cat.categories),
        **{_CUSTOMER: position[found]},
    )


def _positions(ids: pd.Series, among: pd.Series) -> np.ndarray:
    """The row of each id in `among` (the first, if repeated), −1 when absent: a hash lookup in
    Arrow, split over the processors (it releases the GIL)."""
    values = _arrow_strings(ids)
    value_set = _arrow_strings(among)
    parts = max(1, min(os.cpu_count() or 1, 4, len(values) // 500_000))
    step = -(-len(values) // parts)

    def lookup(start: int) -> np.ndarray:
        found = pc.index_in(values.slice(start, step), value_set=value_set)
        return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)

    if parts == 1:
        return lookup(0)
    with ThreadPoolExecutor(parts) as pool:
        return np.concatenate(list(pool.map(lookup, range(0, len(values), step))))


def _arrow_strings(values: pd.Series) -> pa.Array:
    """The values as an Arrow string array (null where missing)."""
    array = values.array
    chunked = getattr(array, "_pa_array", None)
    if chunked is None:
        chunked = pa.chunked_array([pa.array(values.astype(object).where(values.notna(), None).tolist())])
    return pc.cast(chunked.combine_chunks(), pa.string())


def customer_metrics(
    *,
    customers: pd.DataFrame | None,
    survey: pd.DataFrame | None,
    mystery: pd.DataFrame | None,
    period_start: datetime.date,
    period_end: datetime.date,
    reference_date: datetime.date,
    discount_rate: float = 0.10,
) -> dict:
    """All customer metrics of one assessment, overall and per customer segment.

    customers: client_id, segment, product_count, opened_on, closed_on (NaT while active),
        last_activity_on (NaT if none), annual_margin (NaN if not given).
    survey: long format: client_id, instrument (nps, csi, servqual_expectation,
        servqual_perception), item, dimension (servqual only), value.
    mystery: visit_id, branch, visited_on, standard, result (yes, no, n/a).
    The churn period should span 12 months: CLV reads its churn as the annual one.
    """
    survey = _compact(_known_clients(survey, customers))
    if _present(survey) and _CUSTOMER in survey.columns and customers["client_id"].is_unique:
        # Clients are counted and grouped by their position from here on: the ids need not be
        # copied along with every selection of rows.
        survey = survey.drop(columns="client_id")
    has_customers = _present(customers)
    has_survey = _present(survey)
    reference = _timestamp(reference_date)
    period = [period_start.isoformat(), period_end.isoformat()]

    nps_rows = _instrument(survey, "nps")
    result = {
        "nps": nps_summary(nps_rows["value"]),
        "csi": csi_summary(survey),
        "servqual": servqual_summary(survey),
        "mystery_shopping": mystery_summary(mystery),
        "product_load": None,
        "loyalty_types": None,
        "churn": None,
        "clv": None,
        "activity": None,
        "by_segment": {},
    }
    if not has_customers:
        return result

    segments = sorted(str(segment) for segment in customers["segment"].dropna().unique())
    active = customers[_active_at(customers, reference)]
    load, load_per_segment = _product_load(active)
    if load is not None:
        result["product_load"] = {
            "overall": load,
            "by_segment": {segment: plain_value(load_per_segment.get(segment)) for segment in segments},
        }

    churn_per_segment, churn_total = _churn_counts(
        customers, _timestamp(period_start), _timestamp(period_end)
    )
    churn_per_segment = churn_per_segment.reindex(segments, fill_value=0)
    result["churn"] = _churn_fields(churn_total["closed"], churn_total["active_at_start"], period)
    segment_churn = _percent(churn_per_segment["closed"], churn_per_segment["active_at_start"])

    margins = active["annual_margin"].astype(float)
    if result["churn"] is not None and margins.notna().any():
        overall_clv = _clv(margins.mean(), result["churn"]["rate"], discount_rate)
        segment_margin = margins.groupby(active["segment"], observed=True).mean().reindex(segments)
        segment_clv = _clv(segment_margin, segment_churn, discount_rate)
        if not np.isnan(overall_clv):
            result["clv"] = {
                "overall": float(overall_clv),
                "by_segment": {segment: plain_value(segment_clv[segment]) for segment in segments},
                "discount_rate": float(discount_rate),
            }
    else:
        segment_clv = pd.Series(np.nan, index=segments, dtype=float)

    result["activity"] = _activity(customers, reference)

    types_per_segment = None
    if has_survey:
        loyalty = client_loyalty(customers, survey, reference_date)
        result["loyalty_types"] = _type_counts(loyalty["type"].value_counts())
        types_per_segment = (
            loyalty.groupby(["segment", "type"], observed=True)
            .size()
            .unstack("type")
            .reindex(index=segments, columns=list(LOYALTY_TYPES))
            .fillna(0)
        )

    survey_by_segment = dict(tuple(survey.groupby("segment", observed=True))) if has_survey else {}
    for segment in segments:
        rows = survey_by_segment.get(segment)
        counts = churn_per_segment.loc[segment]
        result["by_segment"][segment] = {
            "nps": nps_summary(_instrument(rows, "nps")["value"]),
            "csi": csi_summary(rows),
            "loyalty_types": (
                _type_counts(types_per_segment.loc[segment]) if types_per_segment is not None else None
            ),
            "churn": _churn_fields(counts["closed"], counts["active_at_start"], period),
            "product_load": plain_value(load_per_segment.get(segment)),
            "clv": plain_value(segment_clv.get(segment)),
        }
    return result
