"""Maturity scoring: a pure function from DataFrames to plain data (no ORM, no request).

Method (docs/methods.md §1, §3–§6, §8):
- evidence per indicator on 0–100: survey S = (mean answered level − 1) · 25 over submitted
  answers, don't-know excluded (under method 2 the mean of the roles' means,
  assessment.method.role_balanced_means); interview I and data D = (level − 1) · 25;
- indicator score = weighted mean of the evidence present (weights renormalized);
- area score = indicator-weighted mean of its scored indicators; overall = area-weighted
  mean of the scored areas; level by the unrounded score in the bands of the method
  (assessment.method);
- an area or the overall score claims its level only on sufficient evidence
  (assessment.sufficiency, docs/methods.md §3.4).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assessment.anonymity import BREAKDOWN_DIMENSIONS, Disclosure, gap_side, groups_disclosed
from assessment.gating import critical_reasons, gate_of, indicator_levels, weakest_area_reason
from assessment.method import (
    CURRENT_METHOD_VERSION,
    LEVEL_STEP,
    METHODS,
    Method,
    level_of,
    role_balanced_means,
)
from assessment.metrics import EvidenceSample, default_thresholds, evidence_level, metric, registry_of
from assessment.outcomes import outcomes_compute, reality_gap_reason
from assessment.results import Breakdowns, Gap, LevelScore, Outcomes, ScoreResult
from assessment.sufficiency import (
    PRELIMINARY,
    SufficiencyRules,
    area_sufficient,
    areas_coverage,
    indicators_covered,
    sufficiency_compute,
)

LEVEL_CODES = ("negligent", "chaotic", "aware", "centric", "champion")
DEFAULT_ANONYMITY_K = 5
TOP_GAPS = 10


@dataclass(frozen=True)
class EvidenceWeights:
    survey: float = 0.5
    interview: float = 0.3
    data: float = 0.2


def level_to_score(level):
    """A level on the 1–5 scale as a 0–100 score (works on scalars and arrays)."""
    return (level - 1) * LEVEL_STEP


def metric_level(
    key: str,
    value: float,
    thresholds: Mapping[str, tuple] | None = None,
    interval: tuple[float, float] | None = None,
) -> int:
    """A customer metric's value as a level 1..5 by its thresholds (lower edges of 2..5; upper
    edges where lower is better): `thresholds`, else the defaults of the metrics registry
    (assessment.metrics, docs/methods.md §8); with its 95 % `interval`, read from the interval's
    end towards the middle level (evidence_level). KeyError for a metric the registry does not
    know."""
    edges = (thresholds or default_thresholds())[key]
    return evidence_level(metric(key), value, edges, interval)


def plain_value(value):
    """NaN/NA → None and numpy scalars → Python numbers, so results are plain JSON."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    return value


def _weighted_mean(values: pd.DataFrame, weights: pd.Series) -> pd.Series:
    """Row-wise mean of `values` weighted by column `weights`, over non-missing cells."""
    present = values.notna()
    total = present.mul(weights, axis=1).sum(axis=1)
    summed = values.fillna(0).mul(weights, axis=1).sum(axis=1)
    return (summed / total).where(total > 0)


def _level_fields(score, edges: Sequence[float]) -> LevelScore:
    if score is None or (isinstance(score, float) and np.isnan(score)):
        return {"score": None, "level": None, "level_code": None}
    level = level_of(score, edges)
    return {"score": float(score), "level": level, "level_code": LEVEL_CODES[level - 1]}


def _claimed(fields: LevelScore, claims: bool) -> LevelScore:
    """The score with its level, or, where the evidence does not suffice, without one."""
    return fields if claims else {**fields, "level": None, "level_code": None}


def _area_scores(
    indicator_scores: pd.DataFrame, indicators: pd.DataFrame, areas: pd.DataFrame
) -> pd.DataFrame:
    """Per row (a whole assessment or one group), the score of each area: the
    indicator-weighted mean of its scored indicators. Columns are area codes."""
    # indicators × areas: the indicator's weight in its own area, 0 elsewhere.
    in_area = indicators["area"].to_numpy()[:, None] == areas.index.to_numpy()[None, :]
    membership = in_area * indicators["weight"].to_numpy()[:, None]
    values = indicator_scores.reindex(columns=indicators.index).to_numpy(dtype=float)
    present = ~np.isnan(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = (np.where(present, values, 0) @ membership) / (present @ membership)
    return pd.DataFrame(scores, index=indicator_scores.index, columns=areas.index)


def _confidence(n: pd.Series, std: pd.Series, spread: pd.Series) -> pd.Series:
    """low: fewer than 5 answers or sources more than one level apart; medium: fewer than
    10 answers, answers spread over more than a level (std > 1) or sources half a level
    apart; high otherwise."""
    low = (n < 5) | (spread > 1)
    medium = (n < 10) | (std.fillna(0) > 1) | (spread > 0.5)
    return pd.Series(np.select([low, medium], ["low", "medium"], "high"), index=n.index)


def _survey_matrix(answers: pd.DataFrame, by: str, groups, indicators: pd.Index) -> pd.DataFrame:
    """Survey score per group (rows, all of `groups`) and indicator (columns)."""
    known = answers.dropna(subset=["level"])
    sums = (
        known.assign(total=known["level"] * known["count"])
        .groupby([by, "indicator"], observed=True)[["total", "count"]]
        .sum()
    )
    means = (sums["total"] / sums["count"]).unstack("indicator")
    return level_to_score(means.reindex(index=groups, columns=indicators))


def _indicator_stats(answers: pd.DataFrame, codes: pd.Index) -> pd.DataFrame:
    """Per indicator: answers counted (n, don't know excluded), all answers (size), mean
    level and sample standard deviation, from the weighted rows."""
    known = answers["level"].notna()
    level = answers["level"].fillna(0)
    weighted = pd.DataFrame(
        {
            "indicator": answers["indicator"],
            "size": answers["count"],
            "n": answers["count"].where(known, 0),
            "sum": level * answers["count"],
            "sum_sq": level**2 * answers["count"],
        }
    )
    totals = weighted.groupby("indicator", observed=True).sum().reindex(codes).fillna(0)
    mean = (totals["sum"] / totals["n"]).where(totals["n"] > 0)
    variance = ((totals["sum_sq"] - totals["n"] * mean**2) / (totals["n"] - 1)).where(totals["n"] > 1)
    return pd.DataFrame(
        {
            "n": totals["n"].astype(int),
            "size": totals["size"].astype(int),
            "mean": mean,
            "std": np.sqrt(variance.clip(lower=0)),
        }
    )


def _breakdowns(
    answers: pd.DataFrame, respondents: pd.DataFrame, indicators, areas, disclosure: Disclosure, edges
) -> Breakdowns:
    """Survey scores of the groups `disclosure` shows (assessment.anonymity)."""
    result = {}
    for dimension in BREAKDOWN_DIMENSIONS:
        sizes = respondents.astype({dimension: str}).groupby(dimension)["count"].sum()
        shown = sorted(disclosure.shown[dimension])
        frame = answers[answers[dimension].astype(str).isin(shown)].astype({dimension: str})
        matrix = _survey_matrix(frame, dimension, shown, indicators.index)
        area_scores = _area_scores(matrix, indicators, areas)
        overall = _weighted_mean(area_scores, areas["weight"])
        result[dimension] = [
            {
                "group": str(group),
                "respondents": int(sizes[group]),
                **_level_fields(overall.get(group), edges),
                "areas": {area: plain_value(area_scores.loc[group, area]) for area in areas.index},
            }
            for group in shown
        ]
        result[f"{dimension}_hidden"] = disclosure.hidden[dimension]
    result["anonymity_k"] = disclosure.k
    return result


def _management_frontline_gaps(answers, indicators, areas, disclosure: Disclosure) -> list[Gap]:
    if not disclosure.gaps:
        return []
    frame = answers.assign(side=gap_side(answers["role"]))
    frame = frame[frame["side"] != ""]
    matrix = _survey_matrix(frame, "side", ["management", "frontline"], indicators.index)
    area_scores = _area_scores(matrix, indicators, areas)
    rows = []
    for scope, table in (("area", area_scores), ("indicator", matrix)):
        gap = (table.loc["management"] - table.loc["frontline"]).dropna()
        order = gap.abs().sort_values(ascending=False).index
        if scope == "indicator":
            order = order[:TOP_GAPS]
        rows += [
            {
                "kind": "management_vs_frontline",
                "scope": scope,
                "code": code,
                "management": float(table.loc["management", code]),
                "frontline": float(table.loc["frontline", code]),
                "gap": float(gap[code]),
            }
            for code in order
        ]
    return rows


def _employee_customer_gaps(evidence: pd.DataFrame, indicators: pd.DataFrame) -> list[Gap]:
    both = evidence[["survey", "data"]].dropna()
    gap = (both["survey"] - both["data"]).sort_values(key=abs, ascending=False)
    return [
        {
            "kind": "employees_vs_customers",
            "scope": "indicator",
            "code": code,
            "metric": indicators.loc[code, "metric"],
            "employees": float(both.loc[code, "survey"]),
            "customers": float(both.loc[code, "data"]),
            "gap": float(value),
        }
        for code, value in gap.items()
    ]


def _gated(fields: LevelScore, reasons: list) -> LevelScore:
    """`fields` with the level lowered to the binding reasons' cap, and `gated` saying why."""
    gate = gate_of(fields["level"], reasons)
    if gate is None:
        return {**fields, "gated": None}
    return {**fields, "level": gate["level"], "level_code": LEVEL_CODES[gate["level"] - 1], "gated": gate}


def _levels_capped(
    area_fields: dict[str, LevelScore],
    overall_fields: LevelScore,
    *,
    indicator_scores: pd.Series,
    covered: pd.Series,
    indicators: pd.DataFrame,
    areas: pd.DataFrame,
    outcomes: Outcomes | None,
    method: Method,
) -> tuple[dict[str, LevelScore], LevelScore]:
    """The areas' and the overall levels with the caps of assessment.gating applied: areas by
    their weakest covered critical indicator, then the overall level by the weakest area and
    the reality gap."""
    area_names = areas["name"] if "name" in areas else pd.Series(dtype=object)
    critical = (
        indicators["critical"] if "critical" in indicators else pd.Series(False, index=indicators.index)
    )
    caps = critical_reasons(
        levels=indicator_levels(indicator_scores, method.level_edges),
        critical=critical,
        covered=covered,
        area_of=indicators["area"],
        area_names=area_names,
    )
    area_fields = {area: _gated(fields, [caps.get(area)]) for area, fields in area_fields.items()}
    overall_fields = _gated(
        overall_fields,
        [
            weakest_area_reason({area: fields["level"] for area, fields in area_fields.items()}, area_names),
            reality_gap_reason(score=overall_fields["score"], outcomes=outcomes, method=method),
        ],
    )
    return area_fields, overall_fields


def scores_compute(
    *,
    answers: pd.DataFrame,
    respondents: pd.DataFrame,
    indicators: pd.DataFrame,
    areas: pd.DataFrame,
    interview: pd.Series,
    data: pd.Series,
    weights: EvidenceWeights,
    anonymity_k: int = DEFAULT_ANONYMITY_K,
    rules: SufficiencyRules | None = None,
    samples: Sequence[EvidenceSample] = (),
    method: Method = METHODS[CURRENT_METHOD_VERSION],
    thresholds: Mapping[str, tuple] | None = None,
) -> ScoreResult:
    """Scores of one assessment.

    answers: submitted answers as weighted rows: indicator (code), level (1–5, or NA for
        don't know), role, department, count (how many answers are alike; 1 per row
        works as well as a histogram).
    respondents: how many respondents submitted, per role and department (role,
        department, count), for group sizes.
    indicators: indexed by code, in catalog order: area, weight, metric.
    areas: indexed by code, in catalog order: weight; optionally name (texts by language,
        for the reasons an area falls short).
    interview, data: levels 1–5 indexed by indicator code (absent = no evidence); data only
        from metrics on a sufficient sample.
    rules: the evidence-sufficiency rules (the defaults if None).
    samples: the customer metrics that can give data evidence, with their samples; those too
        small are listed among the sufficiency reasons.
    method: the version of the method to score by (assessment.method).
    thresholds: the customer metrics' data-evidence thresholds (the registry's if None), which
        the outcomes index reads the `samples` by (assessment.outcomes).
    """
    rules = rules or SufficiencyRules()
    codes = indicators.index
    answers = answers.assign(level=answers["level"].astype("float64"))  # don't know → NaN
    stats = _indicator_stats(answers, codes)
    n = stats["n"]
    edges = method.level_edges
    disclosure = groups_disclosed(respondents=respondents, k=anonymity_k)
    survey_mean = (
        role_balanced_means(
            answers, codes, min_role_answers=method.min_role_answers, roles_shown=disclosure.shown["role"]
        )
        if method.role_balance
        else stats["mean"]
    )
    evidence = pd.DataFrame(
        {
            "survey": level_to_score(survey_mean),
            "interview": level_to_score(interview.reindex(codes).astype(float)),
            "data": level_to_score(data.reindex(codes).astype(float)),
        },
        index=codes,
    )
    source_weights = pd.Series(
        {"survey": weights.survey, "interview": weights.interview, "data": weights.data}, dtype=float
    )
    score = _weighted_mean(evidence, source_weights)
    spread = (evidence.max(axis=1) - evidence.min(axis=1)).fillna(0) / 25
    confidence = _confidence(n, stats["std"], spread)
    dont_know = (1 - stats["n"] / stats["size"]).where(stats["size"] > 0)

    area_scores = _area_scores(score.to_frame().T, indicators, areas).iloc[0]
    overall = _weighted_mean(area_scores.to_frame().T, areas["weight"]).iloc[0]
    scored = score.notna()

    scored_per_area = scored.groupby(indicators["area"]).sum()
    covered = indicators_covered(answered=n, interview=interview, data=data, rules=rules)
    coverage = areas_coverage(covered=covered, indicators=indicators, areas=areas)
    sufficient = area_sufficient(coverage["coverage"], rules)
    sufficiency = sufficiency_compute(
        coverage=coverage,
        sufficient=sufficient,
        areas=areas,
        submitted=int(respondents["count"].sum()),
        samples=samples,
        rules=rules,
    )
    table = evidence.assign(
        area=indicators["area"],
        score=score,
        scored=scored,
        n=n,
        mean_level=survey_mean,
        raw_mean_level=stats["mean"],
        std=stats["std"],
        dont_know_share=dont_know,
        confidence=confidence,
        covered=covered,
    )
    area_fields = {
        area: _claimed(_level_fields(area_scores[area], edges), bool(sufficient[area]))
        for area in areas.index
    }
    overall_fields = _claimed(_level_fields(overall, edges), sufficiency["status"] != PRELIMINARY)
    outcomes = (
        outcomes_compute(
            samples=samples,
            thresholds=thresholds or default_thresholds(registry_of(method.version)),
            edges=edges,
            intervals=method.interval_evidence,
        )
        if method.max_reality_gap is not None
        else None
    )
    if method.gating:
        area_fields, overall_fields = _levels_capped(
            area_fields,
            overall_fields,
            indicator_scores=score,
            covered=covered,
            indicators=indicators,
            areas=areas,
            outcomes=outcomes,
            method=method,
        )
    outcome_fields = (
        {}
        if method.max_reality_gap is None
        else {
            "outcomes": outcomes,
            "reality_gap": None
            if outcomes is None or overall_fields["score"] is None
            else overall_fields["score"] - outcomes["index"],
        }
    )
    return {
        "method_version": method.version,
        "overall": overall_fields,
        "areas": [
            {
                "code": area,
                **area_fields[area],
                "scored": int(scored_per_area.get(area, 0)),
                "coverage": float(coverage.loc[area, "coverage"]),
                "sufficient": bool(sufficient[area]),
            }
            for area in areas.index
        ],
        "indicators": [
            {
                "code": code,
                "area": row["area"],
                **_level_fields(row["score"], edges),
                "n": int(row["n"]),
                "mean_level": plain_value(row["mean_level"]),
                "raw_mean_level": plain_value(row["raw_mean_level"]),
                "std": plain_value(row["std"]),
                "dont_know_share": plain_value(row["dont_know_share"]),
                "confidence": row["confidence"] if row["scored"] else None,
                "evidence": {source: plain_value(row[source]) for source in evidence.columns},
                "covered": bool(row["covered"]),
            }
            for code, row in zip(codes, table.to_dict("records"), strict=True)
        ],
        "coverage": {
            "scored": int(scored.sum()),
            "total": len(codes),
            "missing": [code for code in codes if not scored[code]],
        },
        "breakdowns": _breakdowns(answers, respondents, indicators, areas, disclosure, edges),
        "gaps": _management_frontline_gaps(answers, indicators, areas, disclosure)
        + _employee_customer_gaps(evidence, indicators),
        "sufficiency": sufficiency,
        **outcome_fields,
    }


def percentile_rank(value: float, peers: list[float]) -> float:
    """Share of peers below `value` (ties count half), in %."""
    peers_array = np.asarray(peers, dtype=float)
    below = (peers_array < value).sum() + 0.5 * (peers_array == value).sum()
    return float(100 * below / len(peers_array))
