"""Re-assessment against its baseline: a pure function of two score results, their customer
metrics and business KPIs (docs/methods.md §9). No ORM; labels come in already translated.

Indicators compare by code, so assessments on different catalog versions compare on the
indicators both scored; the rest are listed as not comparable.
"""

from collections.abc import Mapping

import pandas as pd

from assessment.levels import level_name
from assessment.scoring import level_of, plain_value

TOP_CHANGES = 5
# Customer metrics compared, as (code, path in the metrics dict, unit). NPS moves in points
# of its own −100..100 scale; the others are shown with their relative change too.
COMPARED_METRICS: tuple[tuple[str, tuple[str, str], str], ...] = (
    ("nps", ("nps", "score"), "points"),
    ("csi", ("csi", "score"), "%"),
    ("servqual", ("servqual", "index"), ""),
    ("mystery_shopping", ("mystery_shopping", "compliance"), "%"),
    ("churn_rate", ("churn", "rate"), "%"),
    ("product_load", ("product_load", "overall"), ""),
    ("clv", ("clv", "overall"), ""),
)


def change_fields(before: float | None, after: float | None) -> dict:
    """before, after, change = after − before and relative = change in % of |before|
    (None where a side is missing, or relative where before is 0)."""
    if before is None or after is None:
        return {"before": before, "after": after, "change": None, "relative": None}
    change = after - before
    return {
        "before": before,
        "after": after,
        "change": change,
        "relative": 100.0 * change / abs(before) if before else None,
    }


def _metric_value(metrics: Mapping | None, path: tuple[str, str]):
    section = (metrics or {}).get(path[0]) or {}
    return section.get(path[1])


def _scored(items: list[dict]) -> pd.Series:
    return pd.Series({item["code"]: item["score"] for item in items}, dtype=float).dropna()


def _level_pair(before: float | None, after: float | None) -> dict:
    level_before = level_of(before) if before is not None else None
    level_after = level_of(after) if after is not None else None
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
    metric_labels: Mapping[str, str],
    kpi_labels: Mapping[str, str],
) -> dict:
    """The comparison of a re-assessment (`current`) with its `baseline`.

    current, baseline: score results (overall{score}, areas[{code, score}],
        indicators[{code, score}]), unrounded.
    *_metrics: customer-metrics dicts (or None); *_kpis: KPI code → value.
    names: area and indicator code → name; metric_labels, kpi_labels: code → label.
    """
    overall_before = baseline["overall"]["score"]
    overall_after = current["overall"]["score"]

    areas_before, areas_after = _scored(baseline["areas"]), _scored(current["areas"])
    area_codes = [area["code"] for area in current["areas"]]

    before, after = _scored(baseline["indicators"]), _scored(current["indicators"])
    shared = after.index.intersection(before.index)
    delta = (after[shared] - before[shared]).sort_values(ascending=False, kind="stable")
    every_code = list(dict.fromkeys([item["code"] for item in current["indicators"]]))
    every_code += [item["code"] for item in baseline["indicators"] if item["code"] not in set(every_code)]

    def indicator_change(code: str) -> dict:
        return {
            "code": code,
            "name": names.get(code, code),
            "before": float(before[code]),
            "after": float(after[code]),
            "delta": float(delta[code]),
        }

    return {
        "overall": {
            "before": overall_before,
            "after": overall_after,
            "delta": (
                overall_after - overall_before if None not in (overall_before, overall_after) else None
            ),
            **_level_pair(overall_before, overall_after),
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
            {
                "code": code,
                "label": metric_labels.get(code, code),
                "unit": unit,
                **change_fields(_metric_value(baseline_metrics, path), _metric_value(current_metrics, path)),
            }
            for code, path, unit in COMPARED_METRICS
        ],
        "kpis": [
            {
                "code": code,
                "label": label,
                "unit": "points" if code == "nps" else "",
                **change_fields(baseline_kpis.get(code), current_kpis.get(code)),
            }
            for code, label in kpi_labels.items()
        ],
        "not_comparable": [code for code in every_code if code not in shared],
    }
