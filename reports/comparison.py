"""Re-assessment against its baseline: a pure function of two score results, their customer
metrics and business KPIs (docs/methods.md §9). No ORM; labels come in already translated.

Indicators compare by code within one catalog edition. Across editions they compare by lineage:
an indicator with the baseline indicators it continues (their mean where it merges several); a
new topic, and a baseline indicator nothing continues, are listed as not comparable.
"""

import math
from collections.abc import Mapping, Sequence
from typing import TypedDict

import pandas as pd

from assessment.levels import level_name
from assessment.loyalty import metrics_churn_point_value
from assessment.method import level_of, result_method
from assessment.metrics import CustomerMetric, Registry, comparable_metrics, kpi_metrics, value_at
from assessment.scoring import plain_value
from reports.context import scores_preliminary

TOP_CHANGES = 5
# The indicators of the baseline's action plan fall into these groups (plan_results); fewer than
# PLAN_GROUP_FEWEST compared indicators in a group make its mean change too thin to set beside
# another's.
PLAN_GROUPS = ("done", "not_done", "not_in_plan")
PLAN_GROUP_FEWEST = 3


class ChangeFields(TypedDict):
    before: float | None
    after: float | None
    change: float | None
    relative: float | None


class MetricChange(ChangeFields):
    """A customer metric's or a KPI's row of the comparison (as the API returns it): its code
    and label, its unit (see assessment.metrics.Unit: NPS moves in points of its own scale, a
    percentage in percentage points) and its change."""

    code: str
    label: str
    unit: str


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def change_fields(before: float | None, after: float | None, *, smallest: float = 0.0) -> ChangeFields:
    """before, after, change = after − before and relative = change in % of |before|. None
    where a side is missing, and relative also where |before| is 0 or below `smallest` (a value
    shown as 0: a relative change from it means nothing). No number is infinite or NaN."""
    before, after = _finite(before), _finite(after)
    if before is None or after is None:
        return ChangeFields(before=before, after=after, change=None, relative=None)
    change = _finite(after - before)
    meaningful = change is not None and abs(before) > 0 and abs(before) >= smallest
    return ChangeFields(
        before=before,
        after=after,
        change=change,
        relative=_finite(100.0 * change / abs(before)) if meaningful else None,
    )


def metric_change(entry: CustomerMetric, *, before: float | None, after: float | None) -> MetricChange:
    """The row of one metric, labelled in the active language; no relative change from a
    value before that shows as 0 at the metric's precision."""
    return MetricChange(
        code=entry.key,
        label=str(entry.label),
        unit=entry.unit,
        **change_fields(before, after, smallest=0.5 * 10.0**-entry.precision),
    )


def _scored(items: list[dict]) -> pd.Series:
    return pd.Series({item["code"]: item["score"] for item in items}, dtype=float).dropna()


def _continued(before: pd.Series, lineage: Mapping[str, Sequence[str]]) -> tuple[pd.Series, set[str]]:
    """The baseline's indicator scores under the codes that continue them (each the mean of the
    scored ones it continues), and the baseline codes some indicator continues."""
    pairs = pd.DataFrame(
        [(code, old) for code, olds in lineage.items() for old in olds], columns=["code", "old"]
    )
    pairs = pairs.assign(score=pairs["old"].map(before))
    return pairs.groupby("code")["score"].mean().dropna(), set(pairs["old"])


def _claimed_level(result: Mapping) -> int | None:
    """The overall level a result claims: none without a score, none while it is preliminary,
    the capped one where a wide reality gap caps it."""
    score = result["overall"]["score"]
    if score is None or scores_preliminary(result):
        return None
    gate = result["overall"].get("gated")
    return gate["level"] if gate else level_of(score, result_method(result).level_edges)


def _level_pair(baseline: Mapping, current: Mapping) -> dict:
    level_before, level_after = _claimed_level(baseline), _claimed_level(current)
    return {
        "level_before": level_before,
        "level_after": level_after,
        "level_name_before": level_name(level_before),
        "level_name_after": level_name(level_after),
    }


def comparison_compute(
    *,
    current: Mapping,
    baseline: Mapping,
    current_metrics: Mapping | None,
    baseline_metrics: Mapping | None,
    current_kpis: Mapping[str, float | None],
    baseline_kpis: Mapping[str, float | None],
    names: Mapping[str, str],
    registry: Registry | None = None,
    lineage: Mapping[str, Sequence[str]] | None = None,
    initiatives: Sequence[Mapping] = (),
) -> dict:
    """The comparison of a re-assessment (`current`) with its `baseline`.

    current, baseline: score results (overall{score}, areas[{code, score}],
        indicators[{code, score}], optionally sufficiency{status}), unrounded; a preliminary
        one's overall level is None.
    *_metrics: customer-metrics dicts (or None); *_kpis: KPI code → value.
    names: area and indicator code → name.
    The metric and KPI rows are those of the metrics registry (comparable metrics, KPIs), in
    its order, labelled in the active language.
    lineage: when the two are on different catalog editions, each current indicator's code →
        the baseline codes it continues; None: indicators compare by code.
    initiatives: the baseline's action plan (plan_results), titles in the active language.
    """
    overall_before = baseline["overall"]["score"]
    overall_after = current["overall"]["score"]

    areas_before, areas_after = _scored(baseline["areas"]), _scored(current["areas"])
    area_codes = [area["code"] for area in current["areas"]]

    before, after = _scored(baseline["indicators"]), _scored(current["indicators"])
    every_code = list(dict.fromkeys([item["code"] for item in current["indicators"]]))
    baseline_codes = [item["code"] for item in baseline["indicators"]]
    if lineage is None:
        every_code += [code for code in baseline_codes if code not in set(every_code)]
    else:
        before, continued = _continued(before, lineage)
        every_code += [code for code in baseline_codes if code not in continued | set(every_code)]
    shared = after.index.intersection(before.index)
    delta = (after[shared] - before[shared]).sort_values(ascending=False, kind="stable")

    def indicator_change(code: str) -> dict:
        return {
            "code": code,
            "name": names.get(code, code),
            "before": float(before[code]),
            "after": float(after[code]),
            "delta": float(delta[code]),
        }

    return {
        # A baseline scored by another version of the method comes scored again by the current's.
        "method": {
            "version": result_method(current).version,
            "baseline_rescored_from": baseline.get("rescored_from"),
            "indicators_by_lineage": lineage is not None,
        },
        "overall": {
            "before": overall_before,
            "after": overall_after,
            "delta": (
                overall_after - overall_before if None not in (overall_before, overall_after) else None
            ),
            **_level_pair(baseline, current),
        },
        "areas": [
            {
                "code": code,
                "name": names.get(code, code),
                "before": plain_value(areas_before.get(code)),
                "after": plain_value(areas_after.get(code)),
                "delta": plain_value(areas_after.get(code) - areas_before.get(code))
                if code in areas_before and code in areas_after
                else None,
            }
            for code in area_codes
        ],
        "indicators_compared": len(shared),
        "improvements": [indicator_change(code) for code in delta[delta > 0].index[:TOP_CHANGES]],
        "regressions": [
            indicator_change(code) for code in delta[delta < 0].sort_values(kind="stable").index[:TOP_CHANGES]
        ],
        "metrics": [
            metric_change(
                entry,
                before=value_at(baseline_metrics, entry.path),
                after=value_at(current_metrics, entry.path),
            )
            for entry in comparable_metrics(registry)
        ],
        "kpis": [
            metric_change(entry, before=baseline_kpis.get(entry.key), after=current_kpis.get(entry.key))
            for entry in kpi_metrics(registry)
        ],
        "not_comparable": [code for code in every_code if code not in shared],
        "churn_value": churn_change_value(baseline_metrics, current_metrics),
        "action_plan": plan_results(initiatives=initiatives, delta=delta, lineage=lineage, names=names),
    }


def _linked(initiatives: Sequence[Mapping], lineage: Mapping[str, Sequence[str]] | None) -> pd.DataFrame:
    """One row per initiative and current indicator it aims at: the baseline indicators an
    initiative names, under the codes that continue them across catalog editions."""
    links = pd.DataFrame(
        [(item["id"], item["status"], code) for item in initiatives for code in item["indicators"]],
        columns=["initiative", "status", "old"],
    )
    if lineage is None:
        return links.assign(code=links["old"])
    pairs = pd.DataFrame(
        [(code, old) for code, olds in lineage.items() for old in olds], columns=["code", "old"]
    )
    return links.merge(pairs, on="old")


def plan_results(
    *,
    initiatives: Sequence[Mapping],
    delta: pd.Series,
    lineage: Mapping[str, Sequence[str]] | None,
    names: Mapping[str, str],
) -> dict | None:
    """What became of the baseline's action plan (docs/methods.md §10.5): per initiative
    ({id, title, status, indicators, …: passed on}) its status and the change of the
    indicators it aimed at, and the mean change of the compared indicators (`delta`, current
    code → change in points) by group: aimed at by an initiative done, only by initiatives not
    done (planned, in progress, dropped), by none. `difference` is the done group's mean minus
    the mean of all the others, None while a side has fewer than PLAN_GROUP_FEWEST indicators.
    An association between doing and moving, not proof that one caused the other. None without
    a plan."""
    if not initiatives:
        return None
    links = _linked(initiatives, lineage)
    links = links[links["code"].isin(delta.index)].drop_duplicates(["initiative", "code"])
    links = links.assign(delta=links["code"].map(delta).astype(float))
    done = set(links.loc[links["status"] == "done", "code"])
    group = pd.Series("not_in_plan", index=delta.index).mask(
        delta.index.isin(list(links["code"])), "not_done"
    )
    group = group.mask(delta.index.isin(list(done)), "done")
    by_group = delta.groupby(group).agg(["count", "mean"])

    def group_row(key: str) -> dict:
        count = int(by_group["count"].get(key, 0))
        return {"group": key, "indicators": count, "mean_change": plain_value(by_group["mean"].get(key))}

    rest = delta[group != "done"]
    enough = len(done) >= PLAN_GROUP_FEWEST and len(rest) >= PLAN_GROUP_FEWEST
    per_initiative = links.groupby("initiative")["delta"].mean()
    return {
        "initiatives": [
            {
                **item,
                "indicators": [
                    {"code": row.code, "name": names.get(row.code, row.code), "change": float(row.delta)}
                    for row in links[links["initiative"] == item["id"]].itertuples()
                ],
                "mean_change": plain_value(per_initiative.get(item["id"])),
            }
            for item in initiatives
        ],
        "groups": [group_row(key) for key in PLAN_GROUPS],
        "difference": float(delta[group == "done"].mean() - rest.mean()) if enough else None,
        "fewest": PLAN_GROUP_FEWEST,
    }


def churn_change_value(baseline_metrics: Mapping | None, current_metrics: Mapping | None) -> dict | None:
    """The value at stake in the change of the annual churn rate since the baseline: whether it
    fell or rose, by how many points, and those points × what one point is worth now
    (assessment.loyalty.metrics_churn_point_value); None without both rates, a current CLV or clients
    (docs/methods.md §13)."""
    before = value_at(baseline_metrics, ("churn", "rate"))
    after = value_at(current_metrics, ("churn", "rate"))
    per_point = metrics_churn_point_value(current_metrics)
    if None in (before, after, per_point):
        return None
    points = before - after
    return {
        "direction": "fell" if points > 0 else "rose" if points < 0 else "same",
        "points": abs(points),
        "per_point": per_point,
        "value": abs(points) * per_point,
    }
