"""Roadmap recommendations: a validated library and pure functions from scores to a ranked plan.

Method (docs/methods.md §1, §3, §10): a recommendation addresses catalog indicators and
is proposed when one of its trigger conditions holds (an indicator or area level below k, or a
customer-metric condition). Its priority is the number of overall-score points the bank would gain
if the indicators it addresses rose to the lower edge of the next maturity level, so the roadmap
puts first what closes the gap to the next level fastest.

No ORM, no request: scores come from assessment.scoring.scores_compute, the catalog as the frames
of assessment.selectors.catalog_frames, customer metrics as assessment.loyalty.customer_metrics.
User-facing text lives in data/recommendations.yaml.
"""

import functools
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd
import yaml
from django.core.exceptions import ImproperlyConfigured

from assessment.customer_files import SERVQUAL_DIMENSIONS
from assessment.loyalty import ACTIVITY_SEGMENTS, LOYALTY_TYPES
from assessment.method import LEVEL_STEP, TOP_SCORE, level_of, result_method
from assessment.metrics import computed_metrics, evidence_metrics
from reports.models import Horizon
from surveys.i18n import FALLBACK, SUPPORTED

LIBRARY_PATH = Path(__file__).resolve().parent / "data" / "recommendations.yaml"
# Every text of the library is given in each language of settings.LANGUAGES.
LANGUAGES = SUPPORTED
FALLBACK_LANGUAGE = FALLBACK
HORIZONS = tuple(Horizon.values)  # months, soonest first ("0-3" … "12+"): the tie-break order
EFFORTS = ("S", "M", "L")  # smallest first: the tie-break order
# What an effort costs in units of S, to rank by value per effort (method 2): a step up in
# effort roughly doubles the people and months an initiative takes.
EFFORT_COST = {"S": 1.0, "M": 2.0, "L": 4.0}
ACTIONS_PER_LANGUAGE = (2, 4)
TEXT_FIELDS = ("title", "rationale", "impact")
INDICATOR_CODE = re.compile(r"^[A-Z]{3}-\d{2}$")
LEVELS = range(2, 6)  # "below level 1" could never hold
# The path to the next level lists the indicators that weigh most in the gap, at most this many.
NEXT_LEVEL_LISTED = 5

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

PERCENT_SCALE = 100.0
# Derived shares, in %: a loyalty type among the classified clients (the unclassified have too
# little survey data to count either way), an activity segment among all clients.
SHARE_BASES: dict[str, tuple[str, ...]] = {
    "loyalty_types": tuple(kind for kind in LOYALTY_TYPES if kind != "unclassified"),
    "activity": ACTIVITY_SEGMENTS,
}
COUNT_GROUPS: dict[str, tuple[str, ...]] = {"loyalty_types": LOYALTY_TYPES, "activity": ACTIVITY_SEGMENTS}
SHARE_SUFFIX = "_share"
# Metrics of the analytics (docs/methods.md §13): the active clients the churn-risk model puts
# at risk, in % of the active clients, given only when the model ranks better than chance.
ANALYTICS_METRIC_SCALES = {"churn_model.at_risk_share": PERCENT_SCALE}
# A key-driver condition names a CSI item (any: csi:*) or a SERVQUAL dimension (any: servqual:*).
KEY_DRIVER_PATTERN = re.compile(rf"^(csi:(\*|[A-Za-z0-9_]+)|servqual:(\*|{'|'.join(SERVQUAL_DIMENSIONS)}))$")
# Priorities equal in exact arithmetic may differ in the last bits after summation in another
# order; they are compared rounded so that the documented tie-breaks apply.
_TIE_DIGITS = 9


def metric_scales() -> dict[str, float]:
    """Path → scale of every customer metric a trigger may name ("nps.score" → 70).

    How far a metric is past its threshold is read relative to the metric's scale, so that NPS
    points, CSI percent and SERVQUAL gaps compare: each customer metric of the registry with a
    scale (assessment.metrics.CustomerMetric.scale: the span of its data-evidence thresholds,
    docs/methods.md §8, level-2 edge to level-5 edge — NPS 70, CSI 40, mystery shopping 45,
    SERVQUAL 2.5 —, else 0–100 for a percentage such as churn); percentages of a customer base
    (*_share) move on 0–100 too."""
    scales = {entry.dotted_path: entry.scale for entry in computed_metrics() if entry.scale is not None}
    return scales | ANALYTICS_METRIC_SCALES


def metric_paths() -> frozenset[str]:
    """Every metric path a trigger may name: a customer metric of the registry with a scale
    or a metric of the analytics (metric_scales), a loyalty type or activity segment as a count or a share."""
    counts = {f"{group}.{name}" for group, names in COUNT_GROUPS.items() for name in names}
    shares = {f"{group}.{name}{SHARE_SUFFIX}" for group, names in SHARE_BASES.items() for name in names}
    return frozenset(metric_scales()) | counts | shares


# --- the library ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricCondition:
    metric: str  # a path of metric_paths()
    op: str  # a key of OPERATORS
    value: float

    def holds(self, actual: float) -> bool:
        return OPERATORS[self.op](actual, self.value)


@dataclass(frozen=True)
class Trigger:
    indicator_below: int | None = None
    area_below: int | None = None
    metrics: tuple[MetricCondition, ...] = ()
    # Key drivers (KEY_DRIVER_PATTERN) of the NPS rating or the CSI that trigger when one of
    # them is to be fixed first: important and rated low (assessment.drivers.driver_quadrants).
    key_drivers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    code: str
    title: Mapping[str, str]


@dataclass(frozen=True)
class Recommendation:
    code: str
    step: str
    title: Mapping[str, str]
    rationale: Mapping[str, str]
    actions: Mapping[str, tuple[str, ...]]
    impact: Mapping[str, str]
    indicators: tuple[str, ...]
    trigger: Trigger
    areas: tuple[str, ...]
    horizon: str
    effort: str
    # Library codes to carry out first where they are on the roadmap too (method 2).
    prerequisites: tuple[str, ...] = ()
    # Customer metrics of the outcomes index (assessment.outcomes) it is expected to move.
    outcomes: tuple[str, ...] = ()
    # The catalog edition whose codes `indicators` names (see library_in_catalog).
    edition: int = 1


@dataclass(frozen=True)
class RecommendationLibrary:
    steps: tuple[Step, ...]
    recommendations: tuple[Recommendation, ...]

    def step(self, code: str) -> Step:
        return next(step for step in self.steps if step.code == code)

    def recommendation(self, code: str) -> Recommendation:
        for recommendation in self.recommendations:
            if recommendation.code == code:
                return recommendation
        raise KeyError(f"no recommendation {code!r} in the library")


class _Invalid(Exception):
    """A library error; turned into ImproperlyConfigured with the file and entry named."""


_RECOMMENDATION_KEYS = {
    "code",
    "step",
    "title",
    "rationale",
    "actions",
    "impact",
    "indicators",
    "trigger",
    "areas",
    "horizon",
    "effort",
    "prerequisites",
    "outcomes",
    "edition",
}
_TRIGGER_KEYS = {"indicator_below", "area_below", "metrics", "key_drivers"}


def _unknown_keys(entry: Mapping, allowed: set[str], what: str) -> None:
    # A typo such as `indicator_bellow` would otherwise silently disable a trigger.
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise _Invalid(f"unknown {what} key(s) {', '.join(unknown)}")


def _texts(entry: Mapping, field: str) -> Mapping[str, str]:
    texts = entry.get(field)
    if not isinstance(texts, Mapping):
        raise _Invalid(f"{field} must give texts per language ({', '.join(LANGUAGES)})")
    for language in LANGUAGES:
        text = texts.get(language)
        if not isinstance(text, str) or not text.strip():
            raise _Invalid(f"missing {language} text of {field}")
    return MappingProxyType({language: texts[language].strip() for language in LANGUAGES})


def _actions(entry: Mapping) -> Mapping[str, tuple[str, ...]]:
    actions = entry.get("actions")
    if not isinstance(actions, Mapping):
        raise _Invalid("actions must give a list per language")
    lists = {}
    for language in LANGUAGES:
        items = actions.get(language)
        if not isinstance(items, list) or not items:
            raise _Invalid(f"missing {language} text of actions")
        if not all(isinstance(item, str) and item.strip() for item in items):
            raise _Invalid(f"missing {language} text of an action")
        lists[language] = tuple(item.strip() for item in items)
    counts = {language: len(items) for language, items in lists.items()}
    if len(set(counts.values())) > 1:
        raise _Invalid(f"action counts differ between languages: {counts}")
    low, high = ACTIONS_PER_LANGUAGE
    if not low <= len(lists[FALLBACK_LANGUAGE]) <= high:
        raise _Invalid(f"{len(lists[FALLBACK_LANGUAGE])} actions; give {low}–{high}")
    return MappingProxyType(lists)


def _level(value, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value not in LEVELS:
        raise _Invalid(f"trigger {field} must be a level {LEVELS.start}–{LEVELS.stop - 1}, not {value!r}")
    return value


def _metric_condition(entry) -> MetricCondition:
    if not isinstance(entry, Mapping) or set(entry) != {"metric", "op", "value"}:
        raise _Invalid(f"a metric condition needs exactly metric, op and value: {entry!r}")
    if entry["metric"] not in metric_paths():
        raise _Invalid(
            f"unknown metric path {entry['metric']!r}: name a customer metric of assessment.metrics "
            f"({', '.join(sorted(metric_scales()))}), or <group>.<name>[{SHARE_SUFFIX}] of "
            f"{' or '.join(COUNT_GROUPS)}"
        )
    if entry["op"] not in OPERATORS:
        raise _Invalid(f"unknown metric op {entry['op']!r} (use one of {', '.join(OPERATORS)})")
    value = entry["value"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _Invalid(f"metric {entry['metric']} needs a number to compare with, not {value!r}")
    return MetricCondition(metric=entry["metric"], op=entry["op"], value=float(value))


def _trigger(entry: Mapping) -> Trigger:
    trigger = entry.get("trigger")
    if not isinstance(trigger, Mapping):
        raise _Invalid("trigger is missing")
    _unknown_keys(trigger, _TRIGGER_KEYS, "trigger")
    metrics = trigger.get("metrics") or []
    if not isinstance(metrics, list):
        raise _Invalid("trigger metrics must be a list")
    drivers = trigger.get("key_drivers") or []
    if not isinstance(drivers, list) or not all(
        isinstance(name, str) and KEY_DRIVER_PATTERN.match(name) for name in drivers
    ):
        raise _Invalid(
            f"trigger key_drivers must list csi:<item>, csi:*, servqual:* or servqual:<dimension> "
            f"({', '.join(SERVQUAL_DIMENSIONS)}): {drivers!r}"
        )
    result = Trigger(
        indicator_below=_level(trigger.get("indicator_below"), "indicator_below"),
        area_below=_level(trigger.get("area_below"), "area_below"),
        metrics=tuple(_metric_condition(condition) for condition in metrics),
        key_drivers=tuple(drivers),
    )
    if (
        result.indicator_below is None
        and result.area_below is None
        and not result.metrics
        and not result.key_drivers
    ):
        raise _Invalid("trigger has no condition")
    return result


def _codes(entry: Mapping, field: str, *, required: bool) -> tuple[str, ...]:
    codes = entry.get(field) or []
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        raise _Invalid(f"{field} must be a list of codes")
    if required and not codes:
        raise _Invalid(f"{field} is empty")
    if len(set(codes)) != len(codes):
        raise _Invalid(f"{field} repeats a code")
    return tuple(codes)


def _choice(entry: Mapping, field: str, allowed: tuple[str, ...]) -> str:
    value = entry.get(field)
    if value not in allowed:
        raise _Invalid(f"unknown {field} {value!r} (use one of {', '.join(allowed)})")
    return value


def _recommendation(entry: Mapping, steps: set[str]) -> Recommendation:
    _unknown_keys(entry, _RECOMMENDATION_KEYS, "recommendation")
    if entry.get("step") not in steps:
        raise _Invalid(f"unknown step {entry.get('step')!r}")
    indicators = _codes(entry, "indicators", required=True)
    malformed = [code for code in indicators if not INDICATOR_CODE.match(code)]
    if malformed:
        raise _Invalid(f"malformed indicator code(s) {', '.join(malformed)}")
    return Recommendation(
        code=entry["code"],
        step=entry["step"],
        title=_texts(entry, "title"),
        rationale=_texts(entry, "rationale"),
        actions=_actions(entry),
        impact=_texts(entry, "impact"),
        indicators=indicators,
        trigger=_trigger(entry),
        areas=_codes(entry, "areas", required=False),
        horizon=_choice(entry, "horizon", HORIZONS),
        effort=_choice(entry, "effort", EFFORTS),
        prerequisites=_codes(entry, "prerequisites", required=False),
        outcomes=_outcomes(entry),
        edition=_edition(entry),
    )


def _edition(entry: Mapping) -> int:
    edition = entry.get("edition", 1)
    if isinstance(edition, bool) or not isinstance(edition, int) or edition < 1:
        raise _Invalid(f"edition must be a catalog edition (1, 2, …), not {edition!r}")
    return edition


def _outcomes(entry: Mapping) -> tuple[str, ...]:
    outcomes = _codes(entry, "outcomes", required=False)
    known = {metric.key for metric in evidence_metrics()}
    unknown = [key for key in outcomes if key not in known]
    if unknown:
        raise _Invalid(
            f"unknown outcome metric(s) {', '.join(unknown)} (use one of {', '.join(sorted(known))})"
        )
    return outcomes


def _prerequisites_check(recommendations: tuple[Recommendation, ...]) -> None:
    """Every prerequisite is a recommendation of the library, and following prerequisites never
    leads back to where it started (the roadmap could not order a cycle)."""
    requires = {item.code: item.prerequisites for item in recommendations}
    for item in recommendations:
        unknown = [code for code in item.prerequisites if code not in requires]
        if unknown:
            raise _Invalid(f"recommendation {item.code}: unknown prerequisite(s) {', '.join(unknown)}")
    done: set[str] = set()
    for start in requires:
        path: list[str] = []
        _cycle_check(start, requires, path, done)


def _cycle_check(code: str, requires: Mapping[str, tuple[str, ...]], path: list[str], done: set[str]) -> None:
    if code in path:
        cycle = " → ".join([*path[path.index(code) :], code])
        raise _Invalid(f"prerequisites form a cycle: {cycle}")
    if code in done:
        return
    path.append(code)
    for prerequisite in requires[code]:
        _cycle_check(prerequisite, requires, path, done)
    path.pop()
    done.add(code)


def _steps(document: Mapping) -> tuple[Step, ...]:
    entries = document.get("steps")
    if not isinstance(entries, list) or not entries:
        raise _Invalid("steps are missing")
    steps = []
    for entry in entries:
        code = entry.get("code") if isinstance(entry, Mapping) else None
        if not isinstance(code, str):
            raise _Invalid(f"a step without a code: {entry!r}")
        if code in {step.code for step in steps}:
            raise _Invalid(f"duplicate step {code!r}")
        try:
            steps.append(Step(code=code, title=_texts(entry, "title")))
        except _Invalid as error:
            raise _Invalid(f"step {code}: {error}") from None
    return tuple(steps)


def _recommendations(document: Mapping, steps: tuple[Step, ...]) -> tuple[Recommendation, ...]:
    entries = document.get("recommendations")
    if not isinstance(entries, list) or not entries:
        raise _Invalid("recommendations are missing")
    step_codes = {step.code for step in steps}
    seen: set[str] = set()
    result = []
    for position, entry in enumerate(entries, start=1):
        code = entry.get("code") if isinstance(entry, Mapping) else None
        if not isinstance(code, str) or not code:
            raise _Invalid(f"recommendation #{position} has no code")
        if code in seen:
            raise _Invalid(f"duplicate code {code!r}")
        seen.add(code)
        try:
            result.append(_recommendation(entry, step_codes))
        except _Invalid as error:
            raise _Invalid(f"recommendation {code}: {error}") from None
    _prerequisites_check(tuple(result))
    return tuple(result)


def library_load(*, path: Path) -> RecommendationLibrary:
    """Read and validate a recommendation library file (uncached; see recommendation_library)."""
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        if not isinstance(document, Mapping):
            raise _Invalid("not a mapping of steps and recommendations")
        steps = _steps(document)
        return RecommendationLibrary(steps=steps, recommendations=_recommendations(document, steps))
    except (_Invalid, yaml.YAMLError, OSError) as error:
        raise ImproperlyConfigured(f"Recommendation library {path}: {error}") from error


def library_in_catalog(
    library: RecommendationLibrary, *, edition: int, lineage: Mapping[str, Sequence[str] | None]
) -> RecommendationLibrary:
    """The library as a catalog of `edition` reads it. A recommendation written for that edition
    stays as it is; one written for the edition before addresses the indicators that continue its
    own (`lineage`: each indicator's code → the previous edition's codes it continues, in catalog
    order), so a kept code stays, a merged one moves to the indicator it merged into, and a code
    reused for a new topic does not carry the old recommendation; any other, and one left with no
    indicator, is left out."""
    continuing: dict[str, list[str]] = {}
    for code, previous in lineage.items():
        for old in previous or ():
            continuing.setdefault(old, []).append(code)

    def read(recommendation: Recommendation) -> Recommendation | None:
        if recommendation.edition == edition:
            return recommendation
        if recommendation.edition != edition - 1:
            return None
        codes = tuple(
            dict.fromkeys(new for old in recommendation.indicators for new in continuing.get(old, ()))
        )
        return replace(recommendation, indicators=codes, edition=edition) if codes else None

    kept = tuple(found for recommendation in library.recommendations if (found := read(recommendation)))
    return RecommendationLibrary(steps=library.steps, recommendations=kept)


@functools.cache
def recommendation_library() -> RecommendationLibrary:
    """The platform's recommendation library, loaded and validated once per process."""
    return library_load(path=LIBRARY_PATH)


def recommendation_text(*, code: str, language: str) -> dict:
    """Texts of one recommendation in `language`, FALLBACK_LANGUAGE for a language outside
    LANGUAGES: {"title", "rationale", "actions": [...], "impact", "step_title"}."""
    library = recommendation_library()
    recommendation = library.recommendation(code)
    base = (language or "").split("-")[0].lower()
    chosen = base if base in LANGUAGES else FALLBACK_LANGUAGE
    return {
        "title": recommendation.title[chosen],
        "rationale": recommendation.rationale[chosen],
        "actions": list(recommendation.actions[chosen]),
        "impact": recommendation.impact[chosen],
        "step_title": library.step(recommendation.step).title[chosen],
    }


# --- customer metrics ---------------------------------------------------------------------------


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return None
    return float(value) if math.isfinite(value) else None


def metric_value(*, metrics: Mapping | None, path: str) -> float | None:
    """The value at a metric path of the customer-metrics dict; None when absent (no data).
    `<group>.<name>_share` is the count of `name` in % of the group's base (SHARE_BASES)."""
    group, _, name = path.partition(".")
    section = (metrics or {}).get(group)
    if not isinstance(section, Mapping):
        return None
    if name.endswith(SHARE_SUFFIX) and group in SHARE_BASES:
        counts = [_number(section.get(member)) for member in SHARE_BASES[group]]
        part = _number(section.get(name.removesuffix(SHARE_SUFFIX)))
        if part is None or None in counts or sum(counts) <= 0:
            return None
        return PERCENT_SCALE * part / sum(counts)
    return _number(section.get(name))


def _metric_scale(*, metrics: Mapping | None, path: str) -> float:
    scales = metric_scales()
    if path in scales:
        return scales[path]
    if path.endswith(SHARE_SUFFIX):
        return PERCENT_SCALE
    # A raw count is read against the size of its group (all loyalty types / all segments).
    group = path.partition(".")[0]
    section = (metrics or {}).get(group) or {}
    return sum(_number(section.get(name)) or 0.0 for name in COUNT_GROUPS[group])


def _metric_excess(*, condition: MetricCondition, value: float, metrics: Mapping | None) -> float:
    """How far a holding condition's value is past its threshold, relative to the metric's scale."""
    scale = _metric_scale(metrics=metrics, path=condition.metric)
    return abs(value - condition.value) / scale if scale > 0 else 0.0


# --- scores -------------------------------------------------------------------------------------


def _scores_by_code(items: list[dict], codes: pd.Index, field: str) -> pd.Series:
    values = {item["code"]: item.get(field) for item in items}
    return pd.Series(values, dtype="float64").reindex(codes)


def _levels_by_code(items: list[dict], codes: pd.Index, edges) -> pd.Series:
    """Levels of scored items; a missing level is derived from the score by the method's
    `edges`, unscored is NaN."""
    levels = _scores_by_code(items, codes, "level")
    scores = _scores_by_code(items, codes, "score")
    derived = scores.dropna().map(lambda score: level_of(score, edges))
    return levels.fillna(derived.reindex(codes))


def next_level_threshold(overall: float | None, edges) -> float | None:
    """T: the lower edge of the level above the overall score's level by the method's `edges`
    (100 at level 5)."""
    if overall is None or not math.isfinite(overall):
        return None
    level = level_of(overall, edges)
    return TOP_SCORE if level > len(edges) else edges[level - 1]


def effective_weights(
    *, indicator_scores: pd.Series, indicators: pd.DataFrame, areas: pd.DataFrame
) -> pd.Series:
    """Each indicator's weight in the overall score: (its weight / the weights of the scored
    indicators of its area) × (its area's weight / the weights of the scored areas); 0 for
    unscored indicators. Overall = Σ effective weight × score over the scored indicators."""
    scored = indicator_scores.reindex(indicators.index).notna()
    weight = indicators["weight"].astype(float).where(scored, 0.0)
    area_totals = weight.groupby(indicators["area"]).sum().reindex(areas.index, fill_value=0.0)
    area_weight = areas["weight"].astype(float).where(area_totals > 0, 0.0)
    if area_weight.sum() <= 0:
        return pd.Series(0.0, index=indicators.index)
    area_share = area_weight / area_weight.sum()
    within_area = weight / indicators["area"].map(area_totals).replace(0.0, np.nan)
    return (within_area * indicators["area"].map(area_share)).fillna(0.0)


def indicator_gains(
    *, indicator_scores: pd.Series, target: float | None, indicators: pd.DataFrame, areas: pd.DataFrame
) -> pd.Series:
    """Overall points gained if each indicator alone rose to `target`: effective weight ×
    max(0, target − score); 0 for unscored indicators and without a target."""
    scores = indicator_scores.reindex(indicators.index)
    if target is None:
        return pd.Series(0.0, index=indicators.index)
    weights = effective_weights(indicator_scores=scores, indicators=indicators, areas=areas)
    return (weights * (target - scores).clip(lower=0.0)).fillna(0.0)


# --- the roadmap --------------------------------------------------------------------------------


def _membership(recommendations: tuple[Recommendation, ...], indicators: pd.Index) -> np.ndarray:
    """Recommendation × indicator matrix: 1 where the recommendation addresses the indicator.
    Codes outside the catalog (another catalog version) are dropped: they close no gap here."""
    pairs = pd.DataFrame(
        [(position, code) for position, item in enumerate(recommendations) for code in item.indicators],
        columns=["recommendation", "indicator"],
    )
    return (
        pd.crosstab(pairs["recommendation"], pairs["indicator"])
        .reindex(index=range(len(recommendations)), columns=indicators, fill_value=0)
        .clip(upper=1)
        .to_numpy(dtype=float)
    )


def _level_triggers(codes, levels: pd.Series, below: int | None, kind: str) -> list[dict]:
    if below is None:
        return []
    return [
        {"kind": kind, "code": code, "value": int(levels[code]), "threshold": below}
        for code in codes
        if code in levels.index and not pd.isna(levels[code]) and levels[code] < below
    ]


def _metric_triggers(conditions: tuple[MetricCondition, ...], metrics: Mapping | None) -> list[dict]:
    triggered = []
    for condition in conditions:
        value = metric_value(metrics=metrics, path=condition.metric)
        if value is not None and condition.holds(value):
            triggered.append(
                {
                    "kind": "metric",
                    "code": condition.metric,
                    "op": condition.op,
                    "value": value,
                    "threshold": condition.value,
                    "excess": _metric_excess(condition=condition, value=value, metrics=metrics),
                }
            )
    return triggered


def _driver_matches(pattern: str, name: str) -> bool:
    return name.startswith(pattern[:-1]) if pattern.endswith("*") else name == pattern


def _driver_triggers(patterns: tuple[str, ...], fix_first: Sequence[Mapping]) -> list[dict]:
    """The drivers to fix first that a condition names; `excess` is the driver's share of the
    rating's explained spread (its importance over R²), so the strongest driver ranks first."""
    return [
        {
            "kind": "key_driver",
            "code": driver["name"],
            "target": driver["target"],
            "value": driver["performance"],
            "excess": driver["share"],
        }
        for driver in fix_first
        if any(_driver_matches(pattern, driver["name"]) for pattern in patterns)
    ]


def _triggered_by(
    recommendation: Recommendation,
    *,
    indicator_levels: pd.Series,
    area_levels: pd.Series,
    indicators: pd.DataFrame,
    metrics: Mapping | None,
    fix_first: Sequence[Mapping],
) -> list[dict]:
    trigger = recommendation.trigger
    # The areas a recommendation addresses: those it names, else those of its indicators.
    areas = recommendation.areas or tuple(
        dict.fromkeys(
            indicators["area"].get(code) for code in recommendation.indicators if code in indicators.index
        )
    )
    return (
        _level_triggers(recommendation.indicators, indicator_levels, trigger.indicator_below, "indicator")
        + _level_triggers(areas, area_levels, trigger.area_below, "area")
        + _metric_triggers(trigger.metrics, metrics)
        + _driver_triggers(trigger.key_drivers, fix_first)
    )


def _rank_key(item: dict, priority: float) -> tuple:
    priority = round(priority, _TIE_DIGITS)
    closes_gap = priority > 0
    # Only recommendations that close no gap are ordered by how far their metrics are off.
    excess = (
        0.0 if closes_gap else max((entry.get("excess", 0.0) for entry in item["triggered_by"]), default=0.0)
    )
    return (
        not closes_gap,
        -priority,
        -round(excess, _TIE_DIGITS),
        HORIZONS.index(item["horizon"]),
        EFFORTS.index(item["effort"]),
        item["code"],
    )


def indicator_level_gains(
    *, indicator_scores: pd.Series, indicators: pd.DataFrame, areas: pd.DataFrame
) -> pd.Series:
    """Overall points gained if each indicator alone rose one level: effective weight ×
    min(25, 100 − score); 0 for unscored indicators."""
    scores = indicator_scores.reindex(indicators.index)
    weights = effective_weights(indicator_scores=scores, indicators=indicators, areas=areas)
    return (weights * (TOP_SCORE - scores).clip(lower=0.0, upper=LEVEL_STEP)).fillna(0.0)


def outcome_level_gains(outcomes: Mapping | None) -> pd.Series:
    """Points of the customer outcomes index gained if each of its metrics alone rose one
    level: min(25, 100 − its score) / the number of metrics in the index. Empty without one."""
    rows = (outcomes or {}).get("metrics") or []
    return pd.Series(
        {row["key"]: min(LEVEL_STEP, TOP_SCORE - row["score"]) / len(rows) for row in rows}, dtype="float64"
    )


def _shared_gains(membership: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """Each row's share of the gains of the columns it addresses, a column's gain split equally
    among the rows addressing it: the rows' values add up to what they gain together, and no
    gain counts twice."""
    counts = membership.sum(axis=0)
    shares = np.divide(gains, counts, out=np.zeros_like(gains, dtype=float), where=counts > 0)
    return membership @ shares


def _outcome_membership(recommendations: list[Recommendation], keys: pd.Index) -> np.ndarray:
    return np.array(
        [[key in item.outcomes for key in keys] for item in recommendations], dtype=float
    ).reshape(len(recommendations), len(keys))


def _roadmap_values(
    recommendations: list[Recommendation],
    *,
    scores: dict,
    indicators: pd.DataFrame,
    areas: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray]:
    """The expected gains of the proposed recommendations carried out (method 2): overall
    maturity points from one level more on each of their indicators, and outcomes-index points
    from one level more on each outcome metric they move, each gain shared among the proposed
    recommendations addressing it."""
    indicator_scores = _scores_by_code(scores["indicators"], indicators.index, "score")
    maturity = indicator_level_gains(indicator_scores=indicator_scores, indicators=indicators, areas=areas)
    outcome = outcome_level_gains(scores.get("outcomes"))
    return (
        _shared_gains(_membership(tuple(recommendations), indicators.index), maturity.to_numpy(dtype=float)),
        _shared_gains(_outcome_membership(recommendations, outcome.index), outcome.to_numpy(dtype=float)),
    )


def _urgencies(items: list[dict], before: Mapping[str, list[str]]) -> dict[str, float]:
    """Each item's priority, or the highest priority of an item that waits for it (directly or
    through others), whichever is higher: a foundation ranks with what it unlocks."""
    waiting: dict[str, list[str]] = {item["code"]: [] for item in items}
    for code, prerequisites in before.items():
        for prerequisite in prerequisites:
            waiting[prerequisite].append(code)
    priority = {item["code"]: item["priority"] for item in items}

    @functools.cache
    def urgency(code: str) -> float:
        return max([priority[code], *(urgency(dependent) for dependent in waiting[code])])

    return {code: urgency(code) for code in priority}


def _prerequisite_order(items: list[dict], library: RecommendationLibrary) -> list[dict]:
    """The items ranked (_rank_key, by urgency) with each after the prerequisites it has among
    them: at every place, the best-ranked item whose prerequisites are all placed."""
    codes = {item["code"] for item in items}
    before = {
        item["code"]: [code for code in library.recommendation(item["code"]).prerequisites if code in codes]
        for item in items
    }
    urgency = _urgencies(items, before)
    waiting = sorted(items, key=lambda item: _rank_key(item, urgency[item["code"]]))
    placed: list[dict] = []
    done: set[str] = set()
    while waiting:
        ready = next(item for item in waiting if all(code in done for code in before[item["code"]]))
        waiting.remove(ready)
        placed.append({**ready, "prerequisites": before[ready["code"]]})
        done.add(ready["code"])
    return placed


def roadmap_propose(
    *,
    scores: dict,
    metrics: dict | None,
    indicators: pd.DataFrame,
    areas: pd.DataFrame,
    library: RecommendationLibrary | None = None,
    analytics: Mapping | None = None,
) -> list[dict]:
    """The triggered recommendations, ranked.

    scores: unrounded output of assessment.scoring.scores_compute (overall, areas, indicators;
        score and level None when unscored; method 2: the outcomes index). metrics: the
        customer-metrics dict or None. indicators / areas: catalog frames
        (assessment.selectors.catalog_frames). analytics: what the analytics found, or None:
        "churn_model" (the metrics of ANALYTICS_METRIC_SCALES) and "fix_first" (the key drivers
        to fix first: name, target, share of R² as a fraction, performance).

    A recommendation is proposed when any trigger condition holds: one of its indicators has a
    level below `indicator_below`; one of its areas (named, else its indicators' areas) a level
    below `area_below`; a metric condition holds on the customer metrics or the analytics'; or a
    key driver it names is one to fix first. Unscored indicators and areas and absent metrics
    never trigger.

    Method 1 (the scores' method has no roadmap_limit): priority = Σ over its indicators of
    effective weight × max(0, T − score), T the lower edge of the level above the overall level
    (overall 57 → T 60; 100 at level 5): exactly the overall points gained if those indicators
    rose to T (`maturity_gain`).

    Method 2: the expected gain of carrying it out is one level more (25 points, at most up to
    100) on each of its indicators, in overall points (`maturity_gain`: effective weight × the
    rise), plus one level more on each outcome metric it names that is in the outcomes index,
    in index points (`outcomes_gain`: the rise / the metrics in the index); an indicator's or
    metric's gain is shared equally among the proposed recommendations addressing it.
    priority = (maturity_gain + outcomes_gain) / EFFORT_COST of its effort. The ranking puts
    each recommendation after its proposed prerequisites and ranks a prerequisite by the
    highest priority waiting for it; the first roadmap_limit are the roadmap, the rest `later`.

    Ranking: recommendations with priority > 0 first, by priority descending; then those closing
    no gap (e.g. triggered only by a metric), by how far their metrics are past the thresholds —
    |value − threshold| / the metric's scale (metric_scales: the span of its docs/methods.md §8
    level thresholds, 100 for percentages) — or by the share of a key driver they address, the
    largest of their conditions, descending. Ties
    break by horizon (sooner first), effort (S first), code.

    Each item: {"code", "step", "priority", "maturity_gain", "outcomes_gain" (None under
    method 1), "triggered_by": [{"kind": "indicator" | "area" | "metric", "code", "value",
    "threshold", and for metrics "op" and "excess"} or {"kind": "key_driver", "code": its name,
    "target", "value": its performance 0–100, "excess"}], "indicators", "prerequisites" (those
    proposed too), "horizon", "effort", "later"}; indicator and area values are levels,
    thresholds the level k.
    """
    library = library or recommendation_library()
    analytics = analytics or {}
    metrics = {**(metrics or {}), "churn_model": analytics.get("churn_model")}
    method = result_method(scores)
    codes = indicators.index
    indicator_levels = _levels_by_code(scores["indicators"], codes, method.level_edges)
    area_levels = _levels_by_code(scores["areas"], areas.index, method.level_edges)
    triggered = [
        (recommendation, found)
        for recommendation in library.recommendations
        if (
            found := _triggered_by(
                recommendation,
                indicator_levels=indicator_levels,
                area_levels=area_levels,
                indicators=indicators,
                metrics=metrics,
                fix_first=analytics.get("fix_first") or (),
            )
        )
    ]
    recommendations = [recommendation for recommendation, _found in triggered]
    if not recommendations:
        return []
    if method.roadmap_limit is None:
        indicator_scores = _scores_by_code(scores["indicators"], codes, "score")
        target = next_level_threshold(scores["overall"]["score"], method.level_edges)
        gains = indicator_gains(
            indicator_scores=indicator_scores, target=target, indicators=indicators, areas=areas
        )
        maturity = _membership(tuple(recommendations), codes) @ gains.to_numpy(dtype=float)
        outcome = np.full(len(recommendations), np.nan)
        priorities = maturity
    else:
        maturity, outcome = _roadmap_values(
            recommendations, scores=scores, indicators=indicators, areas=areas
        )
        costs = np.array([EFFORT_COST[item.effort] for item in recommendations])
        priorities = (maturity + outcome) / costs if recommendations else maturity
    proposed = [
        {
            "code": recommendation.code,
            "step": recommendation.step,
            "priority": float(priority),
            "maturity_gain": float(gain),
            "outcomes_gain": None if np.isnan(outcome_gain) else float(outcome_gain),
            "triggered_by": found,
            "indicators": list(recommendation.indicators),
            "prerequisites": [],
            "horizon": recommendation.horizon,
            "effort": recommendation.effort,
            "later": False,
        }
        for (recommendation, found), priority, gain, outcome_gain in zip(
            triggered, priorities, maturity, outcome, strict=True
        )
    ]
    if method.roadmap_limit is None:
        return sorted(proposed, key=lambda item: _rank_key(item, item["priority"]))
    ranked = _prerequisite_order(proposed, library)
    return [{**item, "later": position >= method.roadmap_limit} for position, item in enumerate(ranked)]


def next_level_path(*, scores: dict, indicators: pd.DataFrame, areas: pd.DataFrame) -> dict | None:
    """Which indicators must rise to reach the next level, the few that weigh most listed.

    None when unscored, already at level 5, or when a cap holds the level below its score
    (assessment.gating): raising the score is then not the way up, lifting what caps it is, and
    the cap's reasons say what that is. Otherwise {"level": next level, "threshold": T,
    "gap": T − overall, "indicators": [{"code", "current", "target": T, "gain"}],
    "listed_gain", "more", "reachable"}.

    An indicator's gain is the overall points its rise to T adds: effective weight × (T − score),
    its weight × its gap. Indicators are ranked by gain (catalog order on ties); the path is the
    shortest run from the top whose gains cover the gap (taking the largest gains first needs the
    fewest indicators). The first NEXT_LEVEL_LISTED of it are listed, with their gains summed in
    `listed_gain`; `more` counts the path's further indicators. `reachable` is False when even
    all indicators fall short (the path is then every indicator with a gain), which for
    consistent scores cannot happen (raising every indicator to at least T lifts the weighted
    mean to at least T) — it guards against scores taken with other weights or another catalog.
    """
    overall = scores["overall"]["score"]
    edges = result_method(scores).level_edges
    target = next_level_threshold(overall, edges)
    if target is None or level_of(overall, edges) == len(edges) + 1 or scores["overall"].get("gated"):
        return None
    indicator_scores = _scores_by_code(scores["indicators"], indicators.index, "score")
    gains = indicator_gains(
        indicator_scores=indicator_scores, target=target, indicators=indicators, areas=areas
    )
    ranked = gains[gains > 0].sort_values(ascending=False, kind="stable")
    gap = target - overall
    cumulative = ranked.cumsum().to_numpy()
    # The first position where the cumulative gain covers the gap (tolerating float noise);
    # past the end when nothing does.
    needed = min(int(np.searchsorted(cumulative, gap - 10**-_TIE_DIGITS, side="left")) + 1, len(ranked))
    listed = ranked.iloc[: min(needed, NEXT_LEVEL_LISTED)]
    return {
        "level": level_of(overall, edges) + 1,
        "threshold": target,
        "gap": gap,
        "indicators": [
            {"code": code, "current": float(indicator_scores[code]), "target": target, "gain": float(gain)}
            for code, gain in listed.items()
        ],
        "listed_gain": float(listed.sum()),
        "more": needed - len(listed),
        "reachable": bool(len(cumulative) and cumulative[-1] >= gap - 10**-_TIE_DIGITS),
    }
