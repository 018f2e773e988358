"""Customer loyalty and retention metrics of a bank: a pure function from DataFrames to plain data.

Method (docs/methods.md §7): NPS of the relationship and of single interactions (each from
its own rows) with a Wald interval, CSI and its bands, SERVQUAL gaps, mystery-shopping
compliance, product load, loyalty types, churn, CLV and activity segments, overall and per
customer segment; the number of the survey's open answers (comments).

Inputs are the importer's frames (parsed and validated, explicit dtypes); any of them may be
None (not uploaded) or empty. A metric whose inputs are absent is None, never 0, so a report
can tell "no data" from "zero". Results are plain JSON: Python floats/ints/None, no NaN.

Survey answers are coded once as integers (client, instrument, item, dimension) and every
survey metric is a few counts and sums over those codes (np.bincount), overall, per segment
and per client alike.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from assessment.customer_files import CUSTOMER_ROW, SERVQUAL_DIMENSIONS, client_rows
from assessment.metrics import instrument_ranges, metric
from assessment.scoring import plain_value

# CSI bands by lower edge, highest first (docs/methods.md §7.1): ≥ 80 high; [75, 80) medium;
# [50, 75) insufficient; below 50 low (a CSI on a 1–5 scale cannot go under 20).
CSI_BANDS: tuple[tuple[str, float], ...] = (
    ("high", 80.0),
    ("medium", 75.0),
    ("insufficient", 50.0),
    ("low", 0.0),
)
LOYALTY_TYPES = ("loyal", "satisfied", "captive", "disloyal", "unclassified")
ACTIVITY_SEGMENTS = ("active", "passive", "at_risk", "churned")

NPS_PROMOTER_MIN = 9
NPS_PASSIVE_MIN = 7
Z95 = 1.96
CSI_SATISFIED = 75.0
# The range of a CSI (answers 1–5: 20–100 %) and of a SERVQUAL index (five gaps of −4 to 4).
CSI_SCALE = (20.0, 100.0)
SERVQUAL_SCALE = (-20.0, 20.0)
# The SERVQUAL gap as a % of the expectations: from perceptions of 1 against expectations of 5
# (−80 %) to perceptions of 5 against expectations of 1 (+400 %).
SERVQUAL_RELATIVE_SCALE = (-80.0, 400.0)
NPS_RATING_SATISFIED = 7.0
SERVQUAL_SATISFIED = 0.0
# The loyalty criteria (docs/methods.md §7.6): a client's own CSI, mean NPS rating and SERVQUAL
# index meet theirs at or above these.
SATISFIED_AT: dict[str, float] = {
    "csi": CSI_SATISFIED,
    "nps": NPS_RATING_SATISFIED,
    "servqual": SERVQUAL_SATISFIED,
}
ACTIVE_DAYS = 30
PASSIVE_DAYS = 90
# What counts as churn under method 2 (docs/methods.md §7.8): closure within the period, no
# activity for more than CHURN_INACTIVE_DAYS before its end (the activity segments' "at risk"), or
# either. A period other than a year is annualised over a year of YEAR_DAYS.
CHURN_BASES = ("closed", "inactive", "both")
CHURN_INACTIVE_DAYS = PASSIVE_DAYS
YEAR_DAYS = 365.25
# Means of answers are compared with thresholds after rounding away float noise, so that a
# CSI of exactly 75 % computed as 74.99999999999999 still counts as 75.
_DIGITS = 9

_NPS, _NPS_TRANSACTIONAL, _CSI, _EXPECTATION, _PERCEPTION = range(5)
# The group of answers each survey instrument feeds. The relationship NPS reads every instrument
# the registry gives it (`nps`, `nps_relationship`), the transactional NPS its own only: the two
# are never pooled (docs/methods.md §7.2).
_INSTRUMENTS: dict[str, int] = {
    **{instrument.code: _NPS for instrument in metric("nps").instruments},
    **{instrument.code: _NPS_TRANSACTIONAL for instrument in metric("nps_transactional").instruments},
    "csi": _CSI,
    "servqual_expectation": _EXPECTATION,
    "servqual_perception": _PERCEPTION,
}
# The survey's optional open-answer column: the client's reason for a rating, free text.
COMMENT = "comment"
_LOYAL, _SATISFIED, _CAPTIVE, _DISLOYAL, _UNCLASSIFIED = range(len(LOYALTY_TYPES))
_ACTIVE, _PASSIVE, _AT_RISK, _CHURNED = range(len(ACTIVITY_SEGMENTS))


def _present(frame: pd.DataFrame | None) -> bool:
    return frame is not None and len(frame) > 0


def _timestamp(day: datetime.date) -> pd.Timestamp:
    return pd.Timestamp(day)


def _wilson(count: int, n: int) -> list[float] | None:
    """The 95 % Wilson score interval of the proportion count / n, in %: unlike the normal
    approximation it stays within 0–100 % and keeps its width near 0 % and 100 %."""
    if n == 0:
        return None
    share, spread = count / n, Z95**2 / n
    centre = (share + spread / 2) / (1 + spread)
    half = Z95 * np.sqrt(share * (1 - share) / n + spread / (4 * n)) / (1 + spread)
    return [float(100.0 * max(centre - half, 0.0)), float(100.0 * min(centre + half, 1.0))]


def _poisson_interval(count: int) -> tuple[float, float]:
    """The 95 % score interval of a Poisson count: the rates λ with (count − λ)² ≤ z²·λ. Like
    Wilson's for a share, it stays above 0 and keeps its width for small counts."""
    centre, half = count + Z95**2 / 2, Z95 * np.sqrt(count + Z95**2 / 4)
    return float(centre - half), float(centre + half)


def _mean_interval(centre: float, values: np.ndarray, scale: tuple[float, float]) -> list[float] | None:
    """A 95 % normal interval around `centre` whose standard error is that of the mean of
    `values` (one per client or visit; NaN ignored), clipped to the `scale`; None with fewer
    than two values, whose spread is unknown."""
    known = values[~np.isnan(values)]
    if len(known) < 2:
        return None
    half = Z95 * float(known.std(ddof=1)) / np.sqrt(len(known))
    return [float(max(centre - half, scale[0])), float(min(centre + half, scale[1]))]


def _percent(part: pd.Series, whole: pd.Series) -> pd.Series:
    """part / whole in %, NaN where whole is 0."""
    return (100.0 * part / whole.where(whole > 0)).astype(float)


# --- survey answers as codes ------------------------------------------------------------------


@dataclass(frozen=True)
class _Rows:
    """The answers to one instrument."""

    # Codes are kept narrow (int32, int8): arrays over all answers are costly to allocate.
    # Keys computed from them are widened first.
    client: np.ndarray  # key of the row's client, 0 … clients − 1, or −1 without an id
    value: np.ndarray
    # What a CSI answer rates (position in _Answers.items, −1 for none) or a SERVQUAL answer
    # measures (position in SERVQUAL_DIMENSIONS, −1 for any other); None for NPS.
    aspect: np.ndarray | None


@dataclass(frozen=True)
class _Answers:
    """The survey rows that count and have a value, as integer codes, split by instrument once
    so that no metric filters all rows again."""

    nps: _Rows  # of the relationship
    nps_transactional: _Rows
    csi: _Rows
    expectation: _Rows
    perception: _Rows
    clients: int
    items: list[str]  # ascending
    comments: dict | None  # see _comments

    # Per client key, read by both the survey metrics' intervals and the loyalty types: computed
    # once (a cached property writes the instance's __dict__, which a frozen dataclass allows).
    @cached_property
    def client_csi(self) -> np.ndarray:
        """Each client's own CSI (see _client_csi)."""
        return _client_csi(self)

    @cached_property
    def client_servqual(self) -> tuple[np.ndarray, np.ndarray]:
        """Each client's SERVQUAL index and the sum of its expectations (see _client_servqual_sums)."""
        return _client_servqual_sums(self)


def _factorized(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (−1 where missing) and the distinct values they stand for."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), values.cat.categories
    codes, uniques = pd.factorize(values)
    return codes, pd.Index(uniques)


def _position_in(values: pd.Series, names) -> np.ndarray:
    """The position (int8) of each value among a few names (−1 if none), looked up per distinct
    value."""
    codes, uniques = _factorized(values)
    lookup = np.append(pd.Index(names).get_indexer(uniques.astype(object)), -1).astype(np.int8)
    return lookup[codes]


def _code_in(values: pd.Series, codes: Mapping[str, int]) -> np.ndarray:
    """The code (int8) `codes` gives each value (−1 if none), looked up per distinct value."""
    positions, uniques = _factorized(values)
    lookup = np.array([codes.get(str(value), -1) for value in uniques] + [-1], dtype=np.int8)
    return lookup[positions]


def _sorted_codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes (int32) into the distinct values in ascending order (−1 where missing), and those
    values."""
    codes, uniques = _factorized(values)
    names = [str(value) for value in uniques]
    order = sorted(range(len(names)), key=names.__getitem__)
    rank = np.full(len(names) + 1, -1, dtype=np.int32)  # the last for −1
    rank[order] = np.arange(len(order))
    return rank[codes], [names[position] for position in order]


def _client_keys(survey: pd.DataFrame, customers: pd.DataFrame | None) -> tuple[np.ndarray, int, np.ndarray]:
    """A key per survey row for its client, how many keys there are, and which rows count. With
    customers the key is the client's row among them (the first with its id) and rows of
    unknown clients do not count; without, it codes the id and every row counts."""
    if _present(customers):
        if CUSTOMER_ROW in survey.columns:
            rows = survey[CUSTOMER_ROW].to_numpy()
        else:
            rows = client_rows(survey["client_id"], customers["client_id"])
        return rows, len(customers), rows >= 0
    codes, uniques = pd.factorize(survey["client_id"])
    return codes.astype(np.int64), len(uniques), np.ones(len(survey), dtype=bool)


def _answers(survey: pd.DataFrame | None, customers: pd.DataFrame | None) -> _Answers | None:
    """The survey's answers, or None when no row counts (see _client_keys)."""
    if not _present(survey):
        return None
    client, clients, counts = _client_keys(survey, customers)
    if not counts.any():
        return None
    value = survey["value"].to_numpy(dtype="float64")
    instrument = _code_in(survey["instrument"], _INSTRUMENTS)
    instrument[~counts | np.isnan(value)] = -1
    item, items = _sorted_codes(survey["item"])
    dimension = _position_in(survey["dimension"], SERVQUAL_DIMENSIONS)

    def rows(code: int, aspect: np.ndarray | None) -> _Rows:
        chosen = np.flatnonzero(instrument == code)
        return _Rows(client[chosen], value[chosen], None if aspect is None else aspect[chosen])

    return _Answers(
        nps=rows(_NPS, None),
        nps_transactional=rows(_NPS_TRANSACTIONAL, None),
        csi=rows(_CSI, item),
        expectation=rows(_EXPECTATION, dimension),
        perception=rows(_PERCEPTION, dimension),
        clients=clients,
        items=items,
        comments=_comments(survey, client, counts),
    )


def _commented(survey: pd.DataFrame) -> np.ndarray:
    """Which rows carry an open answer (a non-empty comment)."""
    return (survey[COMMENT].fillna("").str.len() > 0).to_numpy(dtype=bool)


def _comments(survey: pd.DataFrame, client: np.ndarray, counts: np.ndarray) -> dict | None:
    """The open answers among the rows that count: how many, from how many clients, and how many
    per instrument (as the file names it; every instrument with counted rows, in the registry's
    order). None for a survey stored before it had comments: unknown, not none."""
    if COMMENT not in survey.columns:
        return None
    commented = _commented(survey) & counts
    codes, names = _factorized(survey["instrument"])
    answered = np.bincount(codes[counts & (codes >= 0)], minlength=len(names))
    with_comment = np.bincount(codes[commented & (codes >= 0)], minlength=len(names))
    per_name = {str(name): position for position, name in enumerate(names)}
    return {
        "count": int(np.count_nonzero(commented)),
        "clients": len(np.unique(client[commented & (client >= 0)])),
        "by_instrument": {
            code: int(with_comment[per_name[code]])
            for code in instrument_ranges()
            if code in per_name and answered[per_name[code]]
        },
    }


def _member(rows: _Rows, segment: np.ndarray | None) -> np.ndarray:
    """The group of each row: its client's segment (−1: none), or 0 for all without segments."""
    return np.zeros(len(rows.value), dtype=np.int64) if segment is None else segment[rows.client]


def _distinct_clients(
    client: np.ndarray, segment: np.ndarray | None, groups: int, clients: int
) -> np.ndarray:
    """How many distinct clients (keys ≥ 0) each group has: each segment (see _member), or all
    of them in one group without segments."""
    seen = np.zeros(clients, dtype=bool)
    seen[client[client >= 0]] = True
    if segment is None:
        return np.array([np.count_nonzero(seen)])
    owner = segment[seen]
    return np.bincount(owner[owner >= 0], minlength=groups)


def _means_per(group: np.ndarray, values: np.ndarray, groups: int) -> np.ndarray:
    """The mean of the values of each group 0 … groups − 1 (rows of group −1 do not count);
    NaN for a group without rows."""
    if len(group) and group.min() < 0:
        kept = group >= 0
        group, values = group[kept], values[kept]
    counts = np.bincount(group, minlength=groups)
    means = np.bincount(group, weights=values, minlength=groups).astype(np.float64, copy=False)
    with np.errstate(invalid="ignore"):
        means /= counts
    return means


def _group_means(key: np.ndarray, values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys (0 … size − 1), ascending, and the mean of the values of each: counted
    in dense arrays when the key range is small next to the rows, else after sorting the keys
    (memory then follows the rows)."""
    if size <= 8 * len(key):
        counts = np.bincount(key, minlength=size)
        sums = np.bincount(key, weights=values, minlength=size)
        keys = np.flatnonzero(counts)
        return keys, sums[keys] / counts[keys]
    keys, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    return keys, np.bincount(inverse, weights=values, minlength=len(keys)) / counts


# --- survey metrics ---------------------------------------------------------------------------


def _nps_fields(n: int, promoters: int, passives: int) -> dict | None:
    """NPS of n 0–10 ratings: % promoters (9–10) − % detractors (0–6), with a 95 % Wald
    interval se = 100·sqrt((p + d − (p − d)²) / n), clipped to the scale's [−100, 100]."""
    if n == 0:
        return None
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


def _is_promoter(ratings: np.ndarray) -> np.ndarray:
    return ratings >= NPS_PROMOTER_MIN


def _is_passive(ratings: np.ndarray) -> np.ndarray:
    return (ratings >= NPS_PASSIVE_MIN) & (ratings < NPS_PROMOTER_MIN)


def _nps_per(rows: _Rows, segment: np.ndarray | None, groups: int) -> list[dict | None]:
    """The NPS of the ratings `rows` (one kind of NPS) of each group (see _member), None for a
    group without any."""
    member = _member(rows, segment)
    ratings, member = rows.value[member >= 0], member[member >= 0]
    n = np.bincount(member, minlength=groups)
    promoters = np.bincount(member[_is_promoter(ratings)], minlength=groups)
    passives = np.bincount(member[_is_passive(ratings)], minlength=groups)
    return [
        _nps_fields(int(n[index]), int(promoters[index]), int(passives[index])) for index in range(groups)
    ]


def csi_band(score: float) -> str:
    """The CSI band of a score in % (see CSI_BANDS)."""
    rounded = round(float(score), _DIGITS)
    for band, edge in CSI_BANDS:
        if rounded >= edge:
            return band
    return CSI_BANDS[-1][0]


def _csi_fields(sums: np.ndarray, counts: np.ndarray, items: list[str], n: int) -> dict:
    """CSI in % from the sums and counts of answers per item: the sum of the item means over
    the maximum possible sum (items × 5); n counts distinct answering clients."""
    answered = np.flatnonzero(counts)
    means = sums[answered] / counts[answered]
    with np.errstate(invalid="ignore", divide="ignore"):
        score = float(means.sum() / (len(means) * 5) * 100.0)
    return {
        "score": score,
        "band": csi_band(score),
        "items": {items[index]: plain_value(mean) for index, mean in zip(answered, means, strict=True)},
        "n": n,
    }


def _csi_per(answers: _Answers, segment: np.ndarray | None, groups: int) -> list[dict | None]:
    """The CSI of each group (see _member), None for a group without CSI answers."""
    rows = answers.csi
    member = _member(rows, segment)
    counted = member >= 0
    with_item = counted & (rows.aspect >= 0)
    items = len(answers.items)
    key = member[with_item].astype(np.int64) * items + rows.aspect[with_item]
    counts = np.bincount(key, minlength=groups * items).reshape(groups, items)
    sums = np.bincount(key, weights=rows.value[with_item], minlength=groups * items).reshape(groups, items)
    respondents = _distinct_clients(rows.client, segment, groups, answers.clients)
    answered = np.bincount(member[counted], minlength=groups)
    return [
        _csi_fields(sums[index], counts[index], answers.items, int(respondents[index]))
        if answered[index]
        else None
        for index in range(groups)
    ]


def _servqual(answers: _Answers) -> dict | None:
    """SERVQUAL gaps per dimension (mean perception − mean expectation over all rows) and the
    quality index, their sum; the index is None unless all five gaps are known, since a sum
    over fewer dimensions is not comparable with the scale's thresholds."""
    sides = (answers.expectation, answers.perception)
    client = np.concatenate([rows.client[rows.aspect >= 0] for rows in sides])
    if not len(client):
        return None
    expectation, perception = (
        _means_per(rows.aspect, rows.value, len(SERVQUAL_DIMENSIONS)) for rows in sides
    )
    gaps = perception - expectation
    index = None if np.isnan(gaps).any() else float(gaps.sum())
    # The gaps relative to what clients expect, in % (docs/methods.md §8): the index over the
    # sum of the five mean expectations; per client the same over its own dimensions.
    relative = None if index is None else float(100.0 * index / expectation.sum())
    client_index, client_expected = answers.client_servqual
    with np.errstate(invalid="ignore", divide="ignore"):
        client_relative = 100.0 * client_index / client_expected
    return {
        "gaps": {
            dimension: plain_value(gap) for dimension, gap in zip(SERVQUAL_DIMENSIONS, gaps, strict=True)
        },
        "index": index,
        # The spread of the clients' own indices (those with both sides of a dimension).
        "ci95": None if index is None else _mean_interval(index, client_index, SERVQUAL_SCALE),
        "relative": relative,
        "relative_ci95": None
        if relative is None
        else _mean_interval(relative, client_relative, SERVQUAL_RELATIVE_SCALE),
        "n": int(_distinct_clients(client, None, 1, answers.clients)[0]),
        # Clients with answers on both sides: the sample the index stands on as evidence.
        "paired": int(
            np.count_nonzero(np.logical_and(*(_answering(rows, answers.clients) for rows in sides)))
        ),
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
            "visit": mystery["visit_id"],
            "branch": mystery["branch"],
            "standard": mystery["standard"],
            "yes": (result == "yes").astype(int),
            "rated": result.isin(["yes", "no"]).astype(int),
        }
    )

    def compliance(by: str) -> pd.Series:
        sums = counts.groupby(by, observed=True)[["yes", "rated"]].sum()
        return _percent(sums["yes"], sums["rated"])

    def plain(values: pd.Series) -> dict:
        return {str(key): plain_value(value) for key, value in values.items()}

    rated = int(counts["rated"].sum())
    overall = float(100.0 * counts["yes"].sum() / rated) if rated else None
    return {
        "compliance": overall,
        # The checks of one visit are not independent: the visits' own compliance gives the spread.
        "ci95": None
        if overall is None
        else _mean_interval(overall, compliance("visit").to_numpy(), (0.0, 100.0)),
        "by_branch": plain(compliance("branch")),
        "by_standard": plain(compliance("standard")),
        "visits": int(mystery["visit_id"].nunique()),
    }


# --- operational data: complaints and the contact centre (docs/methods.md §7.10) --------------


def _within(days: pd.Series, start: datetime.date, end: datetime.date) -> np.ndarray:
    return ((days >= _timestamp(start)) & (days <= _timestamp(end))).to_numpy(dtype=bool)


def _share(count: int, n: int) -> float | None:
    return float(100.0 * count / n) if n else None


def _counts_by(values: pd.Series) -> dict[str, int]:
    """How many rows name each value, by value (sorted)."""
    counts = values.astype(str).value_counts().sort_index()
    return {str(name): int(count) for name, count in counts.items()}


def complaints_summary(
    complaints: pd.DataFrame | None,
    customers: pd.DataFrame | None,
    start: datetime.date,
    end: datetime.date,
) -> dict | None:
    """The complaints opened within the period: their count and per 1,000 clients active at the
    period's end with the 95 % score interval of a Poisson count (None without customers; a
    period other than a year scaled to a year), the median days from opening to closing of the
    closed ones, the open ones, and the shares sent to the regulator and resolved, each with its
    Wilson 95 % interval; counts per channel and category. None without complaint rows; the
    complaints opened outside the period are counted."""
    if not _present(complaints):
        return None
    within = _within(complaints["opened_on"], start, end)
    rows = complaints[within]
    count = len(rows)
    closed_on = rows["closed_on"]
    closed = closed_on.notna().to_numpy(dtype=bool)
    durations = (closed_on - rows["opened_on"]).dt.days.to_numpy()[closed]
    regulator = int(rows["regulator"].sum())
    resolved = int(rows["resolved"].sum())
    days = churn_period_days(start, end)
    clients = int(_active_at(customers, _timestamp(end)).sum()) if customers is not None else None
    per_year = 1.0 if churn_period_is_year(start, end) else YEAR_DAYS / days
    per_client_year = 1000.0 * per_year / clients if clients else None
    return {
        "count": count,
        "outside_period": len(complaints) - count,
        "clients": clients,
        "per_1000": float(count * per_client_year) if per_client_year else None,
        "per_1000_ci95": [end * per_client_year for end in _poisson_interval(count)]
        if per_client_year
        else None,
        "annualised": per_year != 1.0,
        "closed": int(closed.sum()),
        "open": int(count - closed.sum()),
        "median_resolution_days": float(np.median(durations)) if len(durations) else None,
        "regulator": regulator,
        "regulator_share": _share(regulator, count),
        "regulator_ci95": _wilson(regulator, count),
        "resolved": resolved,
        "resolved_share": _share(resolved, count),
        "resolved_ci95": _wilson(resolved, count),
        "by_channel": _counts_by(rows["channel"]),
        "by_category": _counts_by(rows["category"]),
    }


def _call_fields(sums: Mapping[str, float]) -> dict:
    """The contact-centre indicators of summed counts: service level and abandonment over the
    calls offered, first-contact resolution over those answered, the handle time weighted by
    the calls answered."""
    offered, answered = int(sums["offered"]), int(sums["answered"])
    within_sla, abandoned = int(sums["answered_within_sla"]), int(sums["abandoned"])
    resolved = int(sums["first_contact_resolved"])
    return {
        "offered": offered,
        "answered": answered,
        "answered_within_sla": within_sla,
        "abandoned": abandoned,
        "first_contact_resolved": resolved,
        "service_level": _share(within_sla, offered),
        "abandonment": _share(abandoned, offered),
        "fcr": _share(resolved, answered),
        "avg_handle_seconds": float(sums["handle_seconds"] / answered) if answered else None,
    }


def contact_centre_summary(
    calls: pd.DataFrame | None, start: datetime.date, end: datetime.date
) -> dict | None:
    """The contact centre over the rows dated within the period, overall (with Wilson 95 %
    intervals of its shares) and per channel; None without rows; rows outside are counted."""
    if not _present(calls):
        return None
    within = _within(calls["date"], start, end)
    rows = calls[within]
    counts = rows[["offered", "answered", "answered_within_sla", "abandoned", "first_contact_resolved"]]
    counts = counts.assign(
        handle_seconds=rows["avg_handle_seconds"].to_numpy() * rows["answered"].to_numpy(),
        channel=rows["channel"].astype(str),
    )
    overall = _call_fields(counts.drop(columns="channel").sum())
    by_channel = counts.groupby("channel", sort=True).sum()
    return {
        **overall,
        "rows": len(rows),
        "outside_period": len(calls) - len(rows),
        "service_level_ci95": _wilson(overall["answered_within_sla"], overall["offered"]),
        "abandonment_ci95": _wilson(overall["abandoned"], overall["offered"]),
        "fcr_ci95": _wilson(overall["first_contact_resolved"], overall["answered"]),
        "by_channel": {str(name): _call_fields(sums) for name, sums in by_channel.iterrows()},
    }


# --- customer base ----------------------------------------------------------------------------


def _segments(customers: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """The segment of each client as a position among the sorted segment names (−1 if none)."""
    codes, names = _sorted_codes(customers["segment"])
    return codes, names


def _active_at(customers: pd.DataFrame, day: pd.Timestamp) -> np.ndarray:
    """Opened on or before `day` and not closed by it (closed_on > day or never closed)."""
    closed_on = customers["closed_on"]
    return ((customers["opened_on"] <= day) & (closed_on.isna() | (closed_on > day))).to_numpy(dtype=bool)


def churn_period_days(start: datetime.date, end: datetime.date) -> int:
    """The days of a churn period, both ends included."""
    return (end - start).days + 1


def churn_period_is_year(start: datetime.date, end: datetime.date) -> bool:
    """Whether a churn period is the 12 calendar months ending on its last day (365 days, or
    366 with a 29 February): its start is the day after the same date a year before its end, as
    the default period is (assessment.customer_data.default_period)."""
    return pd.Timestamp(end) - pd.DateOffset(years=1) + pd.Timedelta(days=1) == pd.Timestamp(start)


@dataclass(frozen=True)
class _ChurnCounts:
    """Clients per segment (the first rows) and in total (the last row) for the churn of one
    period; inactive and churned are None under method 1 (closures only), inactive also when no
    client active at the start has an activity date (inactivity unknown)."""

    at_start: np.ndarray
    closed: np.ndarray
    inactive: np.ndarray | None
    churned: np.ndarray | None


def _churn_counts(
    customers: pd.DataFrame,
    segment: np.ndarray,
    segments: int,
    start: pd.Timestamp,
    end: pd.Timestamp,
    basis: str | None,
) -> _ChurnCounts:
    """Clients active at the period's start (a client closing on its first day still counts),
    those of them closed within [start, end] and, with a basis (method 2), those of them not
    closed in it whose last activity is more than CHURN_INACTIVE_DAYS before its end or missing
    (inactive), and those churned under the basis (closed, inactive or either, each client
    once)."""
    flags = churn_flags(customers, start, end, basis)
    group = np.where(segment >= 0, segment, segments)  # the clients without a segment count in total only

    def counts(chosen: np.ndarray) -> np.ndarray:
        per_group = np.bincount(group[chosen], minlength=segments + 1)
        return np.append(per_group[:segments], np.count_nonzero(chosen))

    if basis is None:
        return _ChurnCounts(counts(flags.at_start), counts(flags.closed), None, None)
    return _ChurnCounts(
        at_start=counts(flags.at_start),
        closed=counts(flags.closed),
        inactive=counts(flags.inactive) if flags.inactivity_known else None,
        churned=None if basis == "inactive" and not flags.inactivity_known else counts(flags.churned),
    )


@dataclass(frozen=True)
class ChurnFlags:
    """Per client of a customers frame, for one period: active at its start, closed in it,
    inactive (method 2: not closed, last activity more than CHURN_INACTIVE_DAYS before its end
    or none; all False when no client active at the start has an activity date, or under
    method 1) and churned under the basis (closed when there is none: method 1)."""

    at_start: np.ndarray
    closed: np.ndarray
    inactive: np.ndarray
    inactivity_known: bool
    churned: np.ndarray


def churn_flags(
    customers: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, basis: str | None
) -> ChurnFlags:
    """Which clients were active at the period's start (a client closing on its first day still
    counts) and which of them left in [start, end] (see ChurnFlags)."""
    closed_on = customers["closed_on"]
    at_start = ((customers["opened_on"] <= start) & (closed_on.isna() | (closed_on >= start))).to_numpy()
    closed = at_start & ((closed_on >= start) & (closed_on <= end)).to_numpy()
    if basis is None:
        return ChurnFlags(at_start, closed, np.zeros_like(closed), False, closed)
    last_activity = customers["last_activity_on"]
    known = bool(last_activity[at_start].notna().any())
    quiet = (last_activity.isna() | ((end - last_activity).dt.days > CHURN_INACTIVE_DAYS)).to_numpy()
    inactive = at_start & ~closed & quiet & known
    churned = {"closed": closed, "inactive": inactive, "both": closed | inactive}[basis]
    return ChurnFlags(at_start, closed, inactive, known, churned)


def _annualised(share: np.ndarray, days: int) -> np.ndarray:
    """The annual share of a share churned over `days`: 1 − (1 − p)^(365.25 / days), the rate
    that, kept up for a year, leaves the same share of clients as the period left."""
    return 1.0 - (1.0 - share) ** (YEAR_DAYS / days)


@dataclass(frozen=True)
class _ChurnRates:
    """Per group (as _ChurnCounts): the churn rate over the period and the annual one, in %
    (NaN without clients at the start), and over how many days."""

    period: np.ndarray
    annual: np.ndarray
    days: int
    annualised: bool


def _churn_rates(counts: _ChurnCounts, start: datetime.date, end: datetime.date) -> _ChurnRates:
    """Method 1 reads the period's rate of closures as it is; method 2 reads the period's rate
    of the churned and annualises it unless the period is a year."""
    churned = counts.closed if counts.churned is None else counts.churned
    with np.errstate(invalid="ignore", divide="ignore"):
        period = 100.0 * churned / np.where(counts.at_start > 0, counts.at_start, np.nan)
    days = churn_period_days(start, end)
    annualised = counts.churned is not None and not churn_period_is_year(start, end)
    annual = 100.0 * _annualised(period / 100.0, days) if annualised else period
    return _ChurnRates(period=period, annual=annual, days=days, annualised=annualised)


def _churn_fields(
    counts: _ChurnCounts, rates: _ChurnRates, index: int, period: list[str], basis: str | None
) -> dict | None:
    """The churn of one group (the index of a row of the counts). Method 1 (no basis): rate,
    closed, active_at_start, period. Method 2 adds the inactive clients (None: inactivity
    unknown), the churned under the basis, the basis, the period's own rate, its days and
    whether `rate` is annualised from them. None without clients active at the start (or,
    on the inactive basis, without activity dates)."""
    active_at_start = int(counts.at_start[index])
    if active_at_start == 0:
        return None
    if basis is None:
        return {
            "rate": float(100.0 * counts.closed[index] / active_at_start),
            "closed": int(counts.closed[index]),
            "active_at_start": active_at_start,
            "period": period,
        }
    if counts.churned is None:
        return None
    # Wilson's interval of the period's share, annualised as the rate is (a monotone map).
    interval = _wilson(int(counts.churned[index]), active_at_start)
    if rates.annualised:
        interval = [float(100.0 * _annualised(np.float64(end / 100.0), rates.days)) for end in interval]
    return {
        "rate": float(rates.annual[index]),
        "ci95": interval,
        "closed": int(counts.closed[index]),
        "active_at_start": active_at_start,
        "period": period,
        "inactive": None if counts.inactive is None else int(counts.inactive[index]),
        "churned": int(counts.churned[index]),
        "basis": basis,
        "period_rate": float(rates.period[index]),
        "days": rates.days,
        "annualised": rates.annualised,
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
    opened = (customers["opened_on"] <= reference).to_numpy()
    closed_on = customers["closed_on"]
    days = (reference - customers["last_activity_on"]).dt.days
    segment = np.select(
        [
            (closed_on.notna() & (closed_on <= reference)).to_numpy(),
            (days <= ACTIVE_DAYS).to_numpy(),
            (days <= PASSIVE_DAYS).to_numpy(),
        ],
        [_CHURNED, _ACTIVE, _PASSIVE],
        _AT_RISK,
    )
    counts = np.bincount(segment[opened], minlength=len(ACTIVITY_SEGMENTS))
    return {name: int(count) for name, count in zip(ACTIVITY_SEGMENTS, counts, strict=True)}


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


@dataclass(frozen=True)
class _Loyalty:
    """Loyalty criteria and type of the active clients (in customers order)."""

    high_load: np.ndarray
    scores: dict[str, np.ndarray]  # csi, nps, servqual
    available: np.ndarray
    met: np.ndarray
    kind: np.ndarray  # position in LOYALTY_TYPES


def _client_csi(answers: _Answers) -> np.ndarray:
    """CSI in % per client key: the sum of its item means over items × 5 (NaN without any)."""
    rows = answers.csi
    with_item = rows.aspect >= 0
    items = len(answers.items)
    key = rows.client[with_item].astype(np.int64) * items + rows.aspect[with_item]
    keys, means = _group_means(key, rows.value[with_item], answers.clients * items)
    owner = keys // items
    totals = np.bincount(owner, weights=means, minlength=answers.clients)
    counts = np.bincount(owner, minlength=answers.clients)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, totals / (counts * 5) * 100.0, np.nan)


def _client_nps(answers: _Answers) -> np.ndarray:
    """Mean NPS rating per client key (NaN without any)."""
    return _means_per(answers.nps.client, answers.nps.value, answers.clients)


def _answering(rows: _Rows, clients: int) -> np.ndarray:
    """Per client key, whether it has a row (with a dimension) among `rows`: a mask, so that
    comparing two sides costs one pass over the clients, not a sort of the rows."""
    seen = np.zeros(clients, dtype=bool)
    chosen = rows.client[(rows.aspect >= 0) & (rows.client >= 0)]
    seen[chosen] = True
    return seen


def _client_servqual_sums(answers: _Answers) -> tuple[np.ndarray, np.ndarray]:
    """Per client key, over the dimensions it has both sides of: the sum of the gaps and the sum
    of the mean expectations (NaN without any). One dimension at a time, so that every array is
    one per client."""
    index = np.zeros(answers.clients)
    expected = np.zeros(answers.clients)
    known = np.zeros(answers.clients, dtype=bool)
    for dimension in range(len(SERVQUAL_DIMENSIONS)):
        expectation = _dimension_means(answers.expectation, dimension, answers.clients)
        gap = _dimension_means(answers.perception, dimension, answers.clients) - expectation
        both = ~np.isnan(gap)
        # Summed one dimension after another, as a frame of the five gaps sums its columns.
        index[both] += gap[both]
        expected[both] += expectation[both]
        known |= both
    index[~known] = np.nan
    expected[~known] = np.nan
    return index, expected


def _dimension_means(rows: _Rows, dimension: int, clients: int) -> np.ndarray:
    chosen = rows.aspect == dimension
    return _means_per(rows.client[chosen], rows.value[chosen], clients)


def _high_load(segment: np.ndarray, products: np.ndarray, segments: int) -> np.ndarray:
    """More products than the mean of the client's segment (those without one form a group)."""
    group = np.where(segment >= 0, segment, segments)
    counts = np.bincount(group, minlength=segments + 1)
    totals = np.bincount(group, weights=products, minlength=segments + 1)
    with np.errstate(invalid="ignore"):
        return products > (totals / counts)[group]


def _loyalty(
    customers: pd.DataFrame,
    answers: _Answers | None,
    segment: np.ndarray,
    segments: int,
    active: np.ndarray,
) -> _Loyalty:
    """High load: more products than the mean of the client's segment (over active clients),
    strictly. Satisfied: at least two of CSI ≥ 75 %, mean NPS rating ≥ 7 and SERVQUAL index
    ≥ 0, among the criteria the client has data for; with fewer than two the client is
    unclassified, since one answer cannot outvote a missing one."""
    products = customers["product_count"].to_numpy()[active]
    high = _high_load(segment[active], products.astype("float64"), segments)
    scores = {name: values[active] for name, values in _client_scores(answers, len(customers)).items()}
    available = sum((~np.isnan(values)).astype(np.int64) for values in scores.values())
    met = sum(
        (np.round(scores[name], _DIGITS) >= edge).astype(np.int64) for name, edge in SATISFIED_AT.items()
    )
    satisfied = met >= 2
    kind = np.select(
        [available < 2, high & satisfied, ~high & satisfied, high & ~satisfied],
        [_UNCLASSIFIED, _LOYAL, _SATISFIED, _CAPTIVE],
        _DISLOYAL,
    )
    return _Loyalty(high_load=high, scores=scores, available=available, met=met, kind=kind)


def _client_scores(answers: _Answers | None, clients: int) -> dict[str, np.ndarray]:
    """Per client key: its CSI in %, mean NPS rating and SERVQUAL index (NaN without)."""
    if answers is None:
        missing = np.full(clients, np.nan)
        return {"csi": missing, "nps": missing, "servqual": missing}
    return {"csi": answers.client_csi, "nps": _client_nps(answers), "servqual": answers.client_servqual[0]}


def client_survey_scores(customers: pd.DataFrame, survey: pd.DataFrame | None) -> pd.DataFrame:
    """Each client's own survey answers, a row per row of `customers` (same index): its CSI in
    %, mean NPS rating and SERVQUAL index, NaN where it gave none."""
    return pd.DataFrame(_client_scores(_answers(survey, customers), len(customers)), index=customers.index)


def client_loyalty(
    customers: pd.DataFrame | None, survey: pd.DataFrame | None, reference_date: datetime.date
) -> pd.DataFrame:
    """Loyalty type of every client active at the reference date, indexed by client_id (see
    _loyalty for the criteria)."""
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
    segment, segments = _segments(customers)
    active = _active_at(customers, _timestamp(reference_date))
    loyalty = _loyalty(customers, _answers(survey, customers), segment, len(segments), active)
    clients = customers[active]
    return pd.DataFrame(
        {
            "segment": clients["segment"].array,
            "product_count": clients["product_count"].to_numpy(),
            "high_load": loyalty.high_load,
            **loyalty.scores,
            "criteria_available": loyalty.available,
            "criteria_met": loyalty.met,
            "type": np.array(LOYALTY_TYPES)[loyalty.kind],
        },
        index=pd.Index(clients["client_id"], name="client_id"),
    )


def survey_comments(*, survey: pd.DataFrame | None, customers: pd.DataFrame | None) -> pd.DataFrame:
    """The survey's open answers, one row per rating or answer with a comment, in file order:
    client_id, instrument (as the file names it), item, value and comment. As the metrics count
    them: with customers, the comments of clients not among them are left out. Empty (with these
    columns) without a survey or comments; the text is the client's, as written."""
    empty = pd.DataFrame(
        {
            "client_id": pd.Series([], dtype="str"),
            "instrument": pd.Series([], dtype="str"),
            "item": pd.Series([], dtype="str"),
            "value": pd.Series([], dtype="float64"),
            "comment": pd.Series([], dtype="str"),
        }
    )
    if not _present(survey) or COMMENT not in survey.columns:
        return empty
    _client, _clients, counts = _client_keys(survey, customers)
    chosen = survey[_commented(survey) & counts]
    return pd.DataFrame(
        {
            "client_id": chosen["client_id"].astype("str"),
            "instrument": chosen["instrument"].astype("str"),
            "item": chosen["item"].astype("str"),
            "value": chosen["value"].astype("float64"),
            "comment": chosen[COMMENT].astype("str"),
        }
    ).reset_index(drop=True)


def _type_counts(counts: np.ndarray) -> dict:
    return {name: int(count) for name, count in zip(LOYALTY_TYPES, counts, strict=True)}


# --- everything -------------------------------------------------------------------------------


def customer_metrics(
    *,
    customers: pd.DataFrame | None,
    survey: pd.DataFrame | None,
    mystery: pd.DataFrame | None,
    period_start: datetime.date,
    period_end: datetime.date,
    reference_date: datetime.date,
    discount_rate: float = 0.10,
    churn_basis: str | None = None,
    complaints: pd.DataFrame | None = None,
    contact_centre: pd.DataFrame | None = None,
) -> dict:
    """All customer metrics of one assessment, overall and per customer segment.

    customers: client_id, segment, product_count, opened_on, closed_on (NaT while active),
        last_activity_on (NaT if none), annual_margin (NaN if not given).
    survey: long format: client_id, instrument (nps or nps_relationship, nps_transactional,
        csi, servqual_expectation, servqual_perception), item, dimension (servqual only), value,
        optionally comment (empty: none); as the importer types it, also the row of each client
        among these customers (CUSTOMER_ROW).
    mystery: visit_id, branch, visited_on, standard, result (yes, no, n/a).
    Survey rows of clients missing from the customers are left out.
    churn_basis: None for method 1's churn (closures within the period, the period's rate as it
        is, which CLV reads as annual: the period should be a year); under method 2 what counts
        as churned, one of CHURN_BASES, the rate annualised unless the period is a year
        (docs/methods.md §7.8).
    complaints, contact_centre: the operational files (docs/methods.md §7.10), optional; their rows
        within the period count.
    """
    if churn_basis is not None and churn_basis not in CHURN_BASES:
        raise ValueError(f"churn_basis {churn_basis!r} is none of {CHURN_BASES}")
    operations = {
        "complaints": complaints_summary(
            complaints, customers if _present(customers) else None, period_start, period_end
        ),
        "contact_centre": contact_centre_summary(contact_centre, period_start, period_end),
    }
    if not _present(customers):
        return {**_survey_overall(_answers(survey, None)), **_base_placeholders(mystery), **operations}
    segment, segments = _segments(customers)
    reference = _timestamp(reference_date)
    active = _active_at(customers, reference)
    # One step after another: a second thread here saved little (see customer_files_parse).
    answers = _answers(survey, customers)
    base = _base_placeholders(mystery)
    per_segment = _customer_base(
        base,
        customers,
        segment,
        segments,
        active,
        reference,
        [period_start, period_end],
        discount_rate,
        churn_basis,
    )
    result = {**_survey_overall(answers), **base, **operations}
    if answers is None:
        nps = transactional = csi = [None] * len(segments)
        types = None
    else:
        nps = _nps_per(answers.nps, segment, len(segments))
        transactional = _nps_per(answers.nps_transactional, segment, len(segments))
        csi = _csi_per(answers, segment, len(segments))
        kind = _loyalty(customers, answers, segment, len(segments), active).kind
        result["loyalty_types"] = _type_counts(np.bincount(kind, minlength=len(LOYALTY_TYPES)))
        result["loyalty_shares"] = loyalty_shares(result["loyalty_types"])
        types = _types_per_segment(segment[active], kind, len(segments))
    result["by_segment"] = {
        name: {
            "nps": nps[index],
            "nps_transactional": transactional[index],
            "csi": csi[index],
            "loyalty_types": None if types is None else _type_counts(types[index]),
            **per_segment[index],
        }
        for index, name in enumerate(segments)
    }
    return result


def loyalty_shares(types: Mapping[str, int]) -> dict | None:
    """The loyal and the disloyal clients as percentages of the clients whose loyalty type is
    known (surveyed enough to be classified), with that count; None when none is."""
    classified = sum(count for name, count in types.items() if name != "unclassified")
    if classified == 0:
        return None
    return {
        "loyal": 100.0 * types["loyal"] / classified,
        "disloyal": 100.0 * types["disloyal"] / classified,
        "classified": int(classified),
        "loyal_ci95": _wilson(types["loyal"], classified),
        "disloyal_ci95": _wilson(types["disloyal"], classified),
    }


def _survey_overall(answers: _Answers | None) -> dict:
    if answers is None:
        return dict.fromkeys(("nps", "nps_transactional", "csi", "servqual", "comments"))
    csi = _csi_per(answers, None, 1)[0]
    if csi is not None:
        # The clients' own CSIs give the spread: the answers of one client are not independent.
        csi["ci95"] = _mean_interval(csi["score"], answers.client_csi, CSI_SCALE)
    return {
        "nps": _nps_per(answers.nps, None, 1)[0],
        "nps_transactional": _nps_per(answers.nps_transactional, None, 1)[0],
        "csi": csi,
        "servqual": _servqual(answers),
        "comments": answers.comments,
    }


def _base_placeholders(mystery: pd.DataFrame | None) -> dict:
    """The metrics after the survey's, those of the customer base still to be filled in."""
    return {
        "mystery_shopping": mystery_summary(mystery),
        "product_load": None,
        "loyalty_types": None,
        "loyalty_shares": None,
        "churn": None,
        "clv": None,
        "activity": None,
        "by_segment": {},
    }


def _customer_base(
    result: dict,
    customers: pd.DataFrame,
    segment: np.ndarray,
    segments: list[str],
    active: np.ndarray,
    reference: pd.Timestamp,
    bounds: list[datetime.date],
    discount_rate: float,
    churn_basis: str | None,
) -> list[dict]:
    """Fills in the metrics of the customer base; returns those of each segment."""
    count = len(segments)
    period = [bound.isoformat() for bound in bounds]
    products = customers["product_count"].to_numpy()[active]
    load_per_segment = _means_per(segment[active], products.astype("float64"), count)
    if active.any():
        result["product_load"] = {
            "overall": float(products.mean()),
            "by_segment": {
                name: plain_value(load) for name, load in zip(segments, load_per_segment, strict=True)
            },
        }

    counts = _churn_counts(
        customers, segment, count, *(_timestamp(bound) for bound in bounds), basis=churn_basis
    )
    rates = _churn_rates(counts, *bounds)
    result["churn"] = _churn_fields(counts, rates, count, period, churn_basis)
    # CLV reads the annual churn: the period's own under method 1, annualised under method 2.
    segment_churn = pd.Series(rates.annual[:-1], index=segments)

    margins = customers["annual_margin"].to_numpy(dtype="float64", na_value=np.nan)[active]
    margin_segment = np.where(np.isnan(margins), -1, segment[active])
    segment_clv = pd.Series(np.nan, index=segments, dtype=float)
    if result["churn"] is not None and not np.isnan(margins).all():
        overall_clv = _clv(pd.Series(margins).mean(), result["churn"]["rate"], discount_rate)
        segment_margin = pd.Series(_means_per(margin_segment, margins, count), index=segments)
        segment_clv = _clv(segment_margin, segment_churn, discount_rate)
        if not np.isnan(overall_clv):
            result["clv"] = {
                "overall": float(overall_clv),
                "by_segment": {name: plain_value(segment_clv[name]) for name in segments},
                "discount_rate": float(discount_rate),
            }

    result["activity"] = _activity(customers, reference)
    return [
        {
            "churn": _churn_fields(counts, rates, index, period, churn_basis),
            "product_load": plain_value(load_per_segment[index]),
            "clv": plain_value(segment_clv[name]),
        }
        for index, name in enumerate(segments)
    ]


def _types_per_segment(segment: np.ndarray, kind: np.ndarray, segments: int) -> np.ndarray:
    """Clients of each loyalty type (columns) per segment (rows)."""
    known = segment >= 0
    key = segment[known] * len(LOYALTY_TYPES) + kind[known]
    return np.bincount(key, minlength=segments * len(LOYALTY_TYPES)).reshape(segments, len(LOYALTY_TYPES))


def churn_at_risk(risk: pd.Series, *, active: pd.Series, margin: pd.Series, threshold: float = 0.5) -> dict:
    """The active clients whose risk is at least `threshold`, and their annual margin."""
    flagged = risk[(risk >= threshold) & active.reindex(risk.index, fill_value=False)]
    return {
        "clients": len(flagged),
        "annual_margin": float(margin.reindex(flagged.index).fillna(0).sum()),
    }


def churn_point_value(*, active_clients: int, clv: float | None) -> float | None:
    """The value at stake in one percentage point of churn: a hundredth of the active clients,
    each worth the CLV (docs/methods.md §7.9); None without a CLV. An estimate."""
    return None if clv is None else active_clients * clv / 100


def metrics_churn_point_value(metrics: Mapping | None) -> float | None:
    """churn_point_value from stored customer metrics: the clients active at the churn period's
    start less those who churned in it, at the overall CLV; None without either."""
    churn = (metrics or {}).get("churn") or {}
    clv = ((metrics or {}).get("clv") or {}).get("overall")
    if not churn.get("active_at_start") or clv is None:
        return None
    staying = churn["active_at_start"] - churn.get("churned", churn.get("closed", 0))
    return churn_point_value(active_clients=staying, clv=clv)
