"""Roadmap recommendations against hand-computed cases (docs/methods.md §1, §3, §10).

Pure tests: no database. The catalog is read from its YAML file directly.
"""

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.method import METHODS
from assessment.method import level_of as level_by_edges
from reports.recommendations import (
    EFFORTS,
    HORIZONS,
    LANGUAGES,
    NEXT_LEVEL_LISTED,
    library_load,
    metric_value,
    next_level_path,
    recommendation_library,
    recommendation_text,
    roadmap_propose,
)

CATALOG_PATH = Path(__file__).resolve().parents[2] / "surveys" / "catalog" / "cx_maturity.yaml"
SEED_STEPS = {"strategy", "support", "analytics", "omnichannel", "personalization"}
ALL_STEPS = SEED_STEPS | {"retention", "smart_processes"}
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)

# A small catalog: organization (area weight 1) with ORG-01 (weight 1) and ORG-02 (weight 3);
# staff (area weight 3) with STF-01 and STF-02 (weight 1 each). Effective weights in the overall
# score, when all are scored: ORG-01 1/4 · 1/4 = 1/16, ORG-02 3/4 · 1/4 = 3/16,
# STF-01 = STF-02 = 1/2 · 3/4 = 3/8.
INDICATORS = pd.DataFrame(
    {
        "area": ["organization", "organization", "staff", "staff"],
        "weight": [1.0, 3.0, 1.0, 1.0],
        "metric": [None, None, None, None],
    },
    index=pd.Index(["ORG-01", "ORG-02", "STF-01", "STF-02"], name="code"),
)
AREAS = pd.DataFrame({"weight": [1.0, 3.0]}, index=pd.Index(["organization", "staff"], name="code"))


def weighted_mean(values: dict, weights: dict) -> float | None:
    scored = [code for code, value in values.items() if value is not None]
    total = sum(weights[code] for code in scored)
    if not scored or total == 0:
        return None
    return sum(values[code] * weights[code] for code in scored) / total


def level_of(score: float) -> int:
    """Levels of the results these tests build, which name no method version: method 1, as
    the results stored before methods had versions (the last tests here cover method 2)."""
    return level_by_edges(score, METHODS[1].level_edges)


def level_fields(score: float | None) -> dict:
    return {"score": score, "level": None if score is None else level_of(score)}


def scores_of(values: dict, indicators: pd.DataFrame = INDICATORS, areas: pd.DataFrame = AREAS) -> dict:
    """The shape of scores_compute's output, computed independently: area = weighted mean of its
    scored indicators, overall = weighted mean of the scored areas."""
    weights = indicators["weight"].to_dict()
    area_scores = {
        area: weighted_mean(
            {code: values.get(code) for code in indicators.index[indicators["area"] == area]}, weights
        )
        for area in areas.index
    }
    overall = weighted_mean(area_scores, areas["weight"].to_dict())
    return {
        "overall": level_fields(overall),
        "areas": [{"code": area, **level_fields(score)} for area, score in area_scores.items()],
        "indicators": [
            {"code": code, "area": indicators.loc[code, "area"], **level_fields(values.get(code))}
            for code in indicators.index
        ],
    }


def entry(code, indicators, *, step="strategy", horizon="0-3", effort="S", areas=None, **trigger) -> dict:
    """A library entry with placeholder texts; trigger conditions as keyword arguments."""
    result = {
        "code": code,
        "step": step,
        "title": {language: f"Title {code} ({language})" for language in LANGUAGES},
        "rationale": dict.fromkeys(LANGUAGES, "Why."),
        "actions": {language: ["First.", "Second."] for language in LANGUAGES},
        "impact": dict.fromkeys(LANGUAGES, "Effect."),
        "indicators": list(indicators),
        "trigger": trigger,
        "horizon": horizon,
        "effort": effort,
    }
    if areas is not None:
        result["areas"] = areas
    return result


STEPS = [{"code": code, "title": dict.fromkeys(LANGUAGES, code)} for code in sorted(ALL_STEPS)]


def write_library(path: Path, recommendations: list[dict], steps: list[dict] = STEPS) -> Path:
    path.write_text(
        yaml.safe_dump({"steps": steps, "recommendations": recommendations}, allow_unicode=True),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def make_library(tmp_path):
    def make(*recommendations):
        return library_load(path=write_library(tmp_path / "library.yaml", list(recommendations)))

    return make


def propose(library, values, metrics=None):
    return roadmap_propose(
        scores=scores_of(values), metrics=metrics, indicators=INDICATORS, areas=AREAS, library=library
    )


def codes(proposed):
    return [item["code"] for item in proposed]


def by_code(proposed):
    return {item["code"]: item for item in proposed}


# Case A: organization = (30·1 + 50·3) / 4 = 45; staff = (40 + 80) / 2 = 60;
# overall = (45·1 + 60·3) / 4 = 56.25 → level 3, T = 60, gap 3.75.
CASE_A = {"ORG-01": 30.0, "ORG-02": 50.0, "STF-01": 40.0, "STF-02": 80.0}


# --- the real library -------------------------------------------------------------------------


def catalog_frames_from_file() -> tuple[pd.DataFrame, pd.DataFrame]:
    catalog = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))
    rows = [
        (indicator["code"], area["code"], float(indicator["weight"]), indicator["metric"])
        for area in catalog["areas"]
        for indicator in area["indicators"]
    ]
    indicators = pd.DataFrame(rows, columns=["code", "area", "weight", "metric"]).set_index("code")
    areas = pd.DataFrame(
        [(area["code"], float(area["weight"])) for area in catalog["areas"]], columns=["code", "weight"]
    ).set_index("code")
    return indicators, areas


CATALOG_INDICATORS, CATALOG_AREAS = catalog_frames_from_file()


def test_library_loads_once_with_at_least_45_recommendations():
    library = recommendation_library()
    assert library is recommendation_library()
    assert len(library.recommendations) >= 45
    assert len({item.code for item in library.recommendations}) == len(library.recommendations)


def test_library_has_the_seven_steps_each_used():
    library = recommendation_library()
    assert {step.code for step in library.steps} == ALL_STEPS
    assert {item.step for item in library.recommendations} == ALL_STEPS


def test_every_catalog_indicator_is_covered_and_no_unknown_code_is_used():
    assert len(CATALOG_INDICATORS) == 59
    covered = {code for item in recommendation_library().recommendations for code in item.indicators}
    assert set(CATALOG_INDICATORS.index) - covered == set()
    assert covered - set(CATALOG_INDICATORS.index) == set()


def test_both_languages_are_complete():
    library = recommendation_library()
    for item in library.recommendations:
        for language in LANGUAGES:
            for text in (item.title, item.rationale, item.impact):
                assert text[language].strip()
            assert 2 <= len(item.actions[language]) <= 4
        assert len(item.actions["en"]) == len(item.actions["ru"])
        assert CYRILLIC.search(item.title["ru"]) and CYRILLIC.search(item.rationale["ru"])
        assert not CYRILLIC.search(item.title["en"] + item.rationale["en"] + item.impact["en"])
    for step in library.steps:
        assert step.title["en"] and CYRILLIC.search(step.title["ru"])


def test_library_mixes_horizons_efforts_and_trigger_levels():
    items = recommendation_library().recommendations
    # No library recommendation takes over a year to first results; "12+" is for the consultant's.
    assert {item.horizon for item in items} == set(HORIZONS) - {"12+"}
    assert {item.effort for item in items} == set(EFFORTS)
    assert {item.trigger.indicator_below for item in items} >= {3, 4}
    assert any(item.trigger.metrics for item in items)


def test_recommendation_text_in_both_languages_with_fallback_to_english():
    english = recommendation_text(code="STR-01", language="en")
    russian = recommendation_text(code="STR-01", language="ru")
    assert set(english) == {"title", "rationale", "actions", "impact", "step_title"}
    assert english["title"] == "Adopt a centralized CX strategy with its own budget"
    assert russian["step_title"] == "Централизованная CX-стратегия и единые стандарты"
    assert len(english["actions"]) == len(russian["actions"]) == 3
    assert recommendation_text(code="STR-01", language="fr") == english
    assert recommendation_text(code="STR-01", language="ru-RU") == russian
    with pytest.raises(KeyError):
        recommendation_text(code="NOPE-01", language="en")


def test_real_library_on_a_flat_level_3_bank():
    # Every indicator at 50 → every area and overall 50, level 3, T = 60. Each indicator of an
    # area of n indicators weighs 1/n · 1/4, so a recommendation's priority is Σ 10 / (4 n).
    values = dict.fromkeys(CATALOG_INDICATORS.index, 50.0)
    scores = scores_of(values, CATALOG_INDICATORS, CATALOG_AREAS)
    proposed = roadmap_propose(
        scores=scores, metrics=None, indicators=CATALOG_INDICATORS, areas=CATALOG_AREAS
    )
    sizes = CATALOG_INDICATORS["area"].value_counts()
    library = recommendation_library()
    expected = {
        item.code
        for item in library.recommendations
        if (item.trigger.indicator_below or 0) > 3 or (item.trigger.area_below or 0) > 3
    }
    assert set(codes(proposed)) == expected
    for item in proposed:
        hand = sum(10 / (4 * sizes[CATALOG_INDICATORS.loc[code, "area"]]) for code in item["indicators"])
        assert item["priority"] == pytest.approx(hand)
    # STR-10 addresses ORG-14 alone: 10 / (4 · 14).
    assert by_code(proposed)["STR-10"]["priority"] == pytest.approx(10 / 56)


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda item: item.update(step="marketing"), "unknown step 'marketing'"),
        (lambda item: item["rationale"].pop("ru"), "missing ru text of rationale"),
        (lambda item: item["title"].update(en="  "), "missing en text of title"),
        (lambda item: item["actions"]["ru"].append("Третье."), "action counts differ between languages"),
        (lambda item: item.update(horizon="12-24"), "unknown horizon '12-24'"),
        (lambda item: item.update(effort="XL"), "unknown effort 'XL'"),
        (
            lambda item: item["trigger"].update(metrics=[{"metric": "nps.value", "op": "<", "value": 0}]),
            "unknown metric path 'nps.value'",
        ),
        (
            lambda item: item["trigger"].update(metrics=[{"metric": "nps.score", "op": "==", "value": 0}]),
            "unknown metric op '=='",
        ),
        (lambda item: item["trigger"].update(indicator_below=7), "indicator_below must be a level"),
        (lambda item: item["trigger"].update(indicator_bellow=3), "unknown trigger key(s) indicator_bellow"),
        (lambda item: item.update(trigger={}), "trigger has no condition"),
        (
            lambda item: item["trigger"].update(key_drivers=["servqual:speed"]),
            "trigger key_drivers must list csi:<item>, csi:*, servqual:* or servqual:<dimension>",
        ),
        (lambda item: item["trigger"].update(key_drivers="csi:*"), "trigger key_drivers must list"),
        (lambda item: item.update(indicators=[]), "indicators is empty"),
        (lambda item: item.update(prerequisites=["STR-99"]), "unknown prerequisite(s) STR-99"),
        (lambda item: item.update(prerequisites=["STR-01"]), "prerequisites form a cycle: STR-01 → STR-01"),
        (lambda item: item.update(outcomes=["product_load"]), "unknown outcome metric(s) product_load"),
    ],
)
def test_a_broken_library_is_rejected_with_a_clear_message(tmp_path, change, message):
    broken = entry("STR-01", ["ORG-01"], indicator_below=3)
    change(broken)
    path = write_library(tmp_path / "broken.yaml", [entry("STR-00", ["ORG-02"], indicator_below=3), broken])
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)) as raised:
        library_load(path=path)
    assert "STR-01" in str(raised.value)
    assert str(path) in str(raised.value)


def test_a_prerequisite_cycle_is_rejected_naming_it(tmp_path):
    path = write_library(
        tmp_path / "cycle.yaml",
        [
            {**entry("STR-01", ["ORG-01"], indicator_below=3), "prerequisites": ["STR-02"]},
            {**entry("STR-02", ["ORG-02"], indicator_below=3), "prerequisites": ["STR-03"]},
            {**entry("STR-03", ["ORG-02"], indicator_below=3), "prerequisites": ["STR-01"]},
        ],
    )
    with pytest.raises(
        ImproperlyConfigured, match="prerequisites form a cycle: STR-01 → STR-02 → STR-03 → STR-01"
    ):
        library_load(path=path)


def test_a_duplicate_code_is_rejected(tmp_path):
    path = write_library(
        tmp_path / "duplicate.yaml",
        [entry("STR-01", ["ORG-01"], indicator_below=3), entry("STR-01", ["ORG-02"], indicator_below=3)],
    )
    with pytest.raises(ImproperlyConfigured, match="duplicate code 'STR-01'"):
        library_load(path=path)


def test_a_missing_file_is_improperly_configured(tmp_path):
    with pytest.raises(ImproperlyConfigured, match=r"absent\.yaml"):
        library_load(path=tmp_path / "absent.yaml")


# --- triggering -----------------------------------------------------------------------------


def test_indicator_below_k(make_library):
    # ORG-01 = 30 → level 2: below 3, not below 2.
    library = make_library(
        entry("R-2", ["ORG-01"], indicator_below=2), entry("R-3", ["ORG-01"], indicator_below=3)
    )
    proposed = propose(library, CASE_A)
    assert codes(proposed) == ["R-3"]
    assert proposed[0]["triggered_by"] == [
        {"kind": "indicator", "code": "ORG-01", "value": 2, "threshold": 3}
    ]


def test_area_below_k_by_the_indicators_area_or_named_areas(make_library):
    # ORG-02 = 50 (level 3) does not trigger "indicator below 3", but its area, organization = 45
    # (level 3), is below 4. Named area staff = 60 is level 4: below 5, not below 4.
    library = make_library(
        entry("R-AREA", ["ORG-02"], indicator_below=3, area_below=4),
        entry("R-STAFF-4", ["ORG-02"], area_below=4, areas=["staff"]),
        entry("R-STAFF-5", ["ORG-02"], area_below=5, areas=["staff"]),
    )
    proposed = by_code(propose(library, CASE_A))
    assert set(proposed) == {"R-AREA", "R-STAFF-5"}
    assert proposed["R-AREA"]["triggered_by"] == [
        {"kind": "area", "code": "organization", "value": 3, "threshold": 4}
    ]
    assert proposed["R-STAFF-5"]["triggered_by"] == [
        {"kind": "area", "code": "staff", "value": 4, "threshold": 5}
    ]


def test_metric_conditions(make_library):
    library = make_library(
        entry("R-NPS", ["STF-02"], metrics=[{"metric": "nps.score", "op": "<", "value": 0}]),
        entry("R-CHURN", ["STF-02"], metrics=[{"metric": "churn.rate", "op": ">=", "value": 12}]),
        entry(
            "R-CAPTIVE",
            ["STF-02"],
            metrics=[{"metric": "loyalty_types.captive_share", "op": ">", "value": 25}],
        ),
        entry("R-RISK", ["STF-02"], metrics=[{"metric": "activity.at_risk_share", "op": ">", "value": 20}]),
    )
    metrics = {
        "nps": {"score": -5.0},
        "churn": {"rate": 12.0},
        # Captive share of the classified: 30 / (10 + 20 + 30 + 40) = 30 %.
        "loyalty_types": {"loyal": 10, "satisfied": 20, "captive": 30, "disloyal": 40, "unclassified": 100},
        # At risk of all: 20 / 100 = 20 %, not above 20.
        "activity": {"active": 50, "passive": 20, "at_risk": 20, "churned": 10},
    }
    proposed = by_code(propose(library, CASE_A, metrics))
    assert set(proposed) == {"R-NPS", "R-CHURN", "R-CAPTIVE"}
    (nps,) = proposed["R-NPS"]["triggered_by"]
    assert {key: nps[key] for key in ("kind", "code", "op", "value", "threshold")} == {
        "kind": "metric",
        "code": "nps.score",
        "op": "<",
        "value": -5.0,
        "threshold": 0.0,
    }
    assert proposed["R-CAPTIVE"]["triggered_by"][0]["value"] == pytest.approx(30.0)
    # No data never triggers: no metrics at all, a metric absent, or a value of None.
    assert propose(library, CASE_A, None) == []
    assert propose(library, CASE_A, {"nps": None, "churn": {"rate": None}, "loyalty_types": None}) == []


def test_analytics_trigger_on_the_churn_model_and_the_drivers_to_fix_first(make_library):
    """The churn-risk model's at-risk share is a metric path like the customer metrics; a key
    driver condition holds when a driver it names (exactly, or csi:* / servqual:*) is one to fix
    first. Metric-only proposals rank by how far past: 16 % vs 10 % on 0–100 → 0.06; a
    driver's share of R² (0.30 and 0.12) — the largest of an item's triggers."""
    library = make_library(
        entry(
            "R-RISK", ["STF-02"], metrics=[{"metric": "churn_model.at_risk_share", "op": ">", "value": 10}]
        ),
        entry("R-RESP", ["STF-02"], key_drivers=["servqual:responsiveness"]),
        entry("R-SQ", ["STF-02"], key_drivers=["servqual:*"]),
        entry("R-CSI", ["STF-02"], key_drivers=["csi:*"]),
        entry("R-APP", ["STF-02"], key_drivers=["csi:app"]),
    )
    analytics = {
        "churn_model": {"at_risk_share": 16.0},
        "fix_first": [
            {"name": "csi:branch", "target": "nps", "share": 0.30, "performance": 40.0},
            {"name": "servqual:reliability", "target": "csi", "share": 0.12, "performance": 52.5},
        ],
    }
    proposed = roadmap_propose(
        scores=scores_of(CASE_A),
        metrics=None,
        indicators=INDICATORS,
        areas=AREAS,
        library=library,
        analytics=analytics,
    )
    assert codes(proposed) == ["R-CSI", "R-SQ", "R-RISK"]
    items = by_code(proposed)
    assert items["R-CSI"]["triggered_by"] == [
        {"kind": "key_driver", "code": "csi:branch", "target": "nps", "value": 40.0, "excess": 0.30}
    ]
    assert items["R-SQ"]["triggered_by"][0]["code"] == "servqual:reliability"
    assert items["R-RISK"]["triggered_by"][0]["value"] == 16.0
    assert items["R-RISK"]["triggered_by"][0]["excess"] == pytest.approx(0.06)
    # Without analytics (no model, no survey) none of them is proposed.
    assert propose(library, CASE_A) == []


def test_metric_values_and_derived_shares():
    metrics = {
        "nps": {"score": 10.0},
        "servqual": {"index": -0.4},
        "loyalty_types": {"loyal": 1, "satisfied": 1, "captive": 2, "disloyal": 0, "unclassified": 6},
        "activity": {"active": 0, "passive": 0, "at_risk": 0, "churned": 0},
    }
    assert metric_value(metrics=metrics, path="nps.score") == 10.0
    assert metric_value(metrics=metrics, path="servqual.index") == -0.4
    assert metric_value(metrics=metrics, path="loyalty_types.captive_share") == 50.0
    assert metric_value(metrics=metrics, path="loyalty_types.unclassified") == 6.0
    assert metric_value(metrics=metrics, path="activity.at_risk_share") is None  # an empty base
    assert metric_value(metrics=metrics, path="csi.score") is None
    assert metric_value(metrics=None, path="nps.score") is None


def test_nothing_is_proposed_when_every_level_is_high(make_library):
    library = make_library(
        entry("R-IND", ["ORG-01", "STF-01"], indicator_below=5),
        entry("R-AREA", ["ORG-02"], area_below=5),
        entry("R-NPS", ["STF-02"], metrics=[{"metric": "nps.score", "op": "<", "value": 0}]),
    )
    high = dict.fromkeys(INDICATORS.index, 90.0)
    assert propose(library, high, {"nps": {"score": 45.0}}) == []


def test_unscored_indicators_and_areas_never_trigger(make_library):
    library = make_library(
        entry("R-ORG-01", ["ORG-01"], indicator_below=5),
        entry("R-STAFF", ["STF-01", "STF-02"], indicator_below=5, area_below=5),
    )
    values = {"ORG-01": None, "ORG-02": 70.0, "STF-01": None, "STF-02": None}
    assert propose(library, values) == []


# --- priority -------------------------------------------------------------------------------


def test_priority_is_the_overall_point_gain_to_the_next_level(make_library):
    # Case A: overall 56.25 (level 3) → T = 60.
    # R-ORG: ORG-01 (60 − 30) · 1/16 = 1.875 + ORG-02 (60 − 50) · 3/16 = 1.875 → 3.75.
    #   Check: organization becomes (60 + 3·60) / 4 = 60, overall (60 + 3·60) / 4 = 60 = 56.25 + 3.75.
    # R-STF-01: (60 − 40) · 3/8 = 7.5. Check: staff (60 + 80) / 2 = 70, overall (45 + 210) / 4 = 63.75.
    # R-STF-02: STF-02 = 80 is above T: 0.
    library = make_library(
        entry("R-ORG", ["ORG-01", "ORG-02"], indicator_below=4),
        entry("R-STF-01", ["STF-01"], indicator_below=4),
        entry("R-STF-02", ["STF-02"], area_below=5),
    )
    proposed = propose(library, CASE_A)
    assert codes(proposed) == ["R-STF-01", "R-ORG", "R-STF-02"]
    priorities = {item["code"]: item["priority"] for item in proposed}
    assert priorities == pytest.approx({"R-ORG": 3.75, "R-STF-01": 7.5, "R-STF-02": 0.0})
    for code, raised in (("R-ORG", ["ORG-01", "ORG-02"]), ("R-STF-01", ["STF-01"])):
        after = scores_of({**CASE_A, **dict.fromkeys(raised, 60.0)})["overall"]["score"]
        assert after - 56.25 == pytest.approx(priorities[code])


def test_priority_renormalizes_over_scored_indicators(make_library):
    # ORG-01 unscored: organization = ORG-02 = 30; staff 60; overall (30 + 180) / 4 = 52.5, T = 60.
    # ORG-02 now weighs 1 · 1/4: (60 − 30) / 4 = 7.5; ORG-01 contributes 0.
    library = make_library(entry("R-ORG", ["ORG-01", "ORG-02"], indicator_below=4))
    (item,) = propose(library, {**CASE_A, "ORG-01": None, "ORG-02": 30.0})
    assert item["priority"] == pytest.approx(7.5)


def test_at_level_5_the_target_is_100(make_library):
    # All 90 except ORG-01 = 70: organization (70 + 270) / 4 = 85, staff 90,
    # overall (85 + 270) / 4 = 88.75 → level 5, T = 100. ORG-01: 30 / 16 = 1.875.
    library = make_library(entry("R-ORG-01", ["ORG-01"], indicator_below=5))
    (item,) = propose(library, {**dict.fromkeys(INDICATORS.index, 90.0), "ORG-01": 70.0})
    assert item["priority"] == pytest.approx(1.875)


def test_ties_break_by_horizon_then_effort_then_code(make_library):
    # ORG-01 and ORG-02 both gain 1.875 in case A; STF-01 alone gains 7.5 and comes first
    # although its horizon is the latest.
    library = make_library(
        entry("R-E", ["ORG-02"], horizon="3-6", effort="S", indicator_below=4),
        entry("R-D", ["ORG-01"], horizon="0-3", effort="M", indicator_below=4),
        entry("R-C", ["ORG-02"], horizon="0-3", effort="S", indicator_below=4),
        entry("R-B", ["ORG-01"], horizon="0-3", effort="S", indicator_below=4),
        entry("R-A", ["STF-01"], horizon="6-12", effort="L", indicator_below=4),
    )
    assert codes(propose(library, CASE_A)) == ["R-A", "R-B", "R-C", "R-D", "R-E"]


def test_metric_only_recommendations_come_after_gap_closing_ones(make_library):
    # R-GAP closes ORG-01's gap (1.875). The others address STF-02 (above T, no gap) and are
    # ordered by how far the metric is past its threshold relative to its scale:
    # churn 20 % vs 10 % on a scale of 22 (30 … 8) → 0.45; NPS −30 vs 0 on 70 (−20 … 50) → 0.43;
    # CSI 70 vs 75 on 30 (50 … 80, method 2's thresholds) → 0.17.
    library = make_library(
        entry(
            "R-CHURN", ["STF-02"], horizon="0-3", metrics=[{"metric": "churn.rate", "op": ">", "value": 10}]
        ),
        entry("R-NPS", ["STF-02"], horizon="6-12", metrics=[{"metric": "nps.score", "op": "<", "value": 0}]),
        entry("R-CSI", ["STF-02"], horizon="3-6", metrics=[{"metric": "csi.score", "op": "<", "value": 75}]),
        entry("R-GAP", ["ORG-01"], horizon="6-12", effort="L", indicator_below=3),
    )
    metrics = {"nps": {"score": -30.0}, "churn": {"rate": 20.0}, "csi": {"score": 70.0}}
    proposed = propose(library, CASE_A, metrics)
    assert codes(proposed) == ["R-GAP", "R-CHURN", "R-NPS", "R-CSI"]
    excess = {item["code"]: item["triggered_by"][0].get("excess") for item in proposed}
    assert excess["R-NPS"] == pytest.approx(30 / 70)
    assert excess["R-CSI"] == pytest.approx(5 / 30)
    assert excess["R-CHURN"] == pytest.approx(10 / 22)
    assert [item["priority"] for item in proposed[1:]] == [0.0, 0.0, 0.0]


def test_output_shape(make_library):
    library = make_library(
        entry("R-1", ["ORG-01", "STF-01"], step="support", horizon="3-6", effort="M", indicator_below=3)
    )
    (item,) = propose(library, CASE_A)
    assert set(item) == {
        "code",
        "step",
        "priority",
        "maturity_gain",
        "outcomes_gain",
        "triggered_by",
        "indicators",
        "prerequisites",
        "horizon",
        "effort",
        "later",
    }
    # Method 1: the gain is the priority; no outcomes, no prerequisites, no cap.
    assert item["maturity_gain"] == item["priority"]
    assert (item["outcomes_gain"], item["prerequisites"], item["later"]) == (None, [], False)
    assert item["step"] == "support"
    assert item["indicators"] == ["ORG-01", "STF-01"]
    assert (item["horizon"], item["effort"]) == ("3-6", "M")
    assert isinstance(item["priority"], float)
    # 30 / 16 + 20 · 3/8 = 1.875 + 7.5
    assert item["priority"] == pytest.approx(9.375)


def test_no_overall_score_gives_no_priorities(make_library):
    library = make_library(
        entry("R-NPS", ["ORG-01"], metrics=[{"metric": "nps.score", "op": "<", "value": 0}])
    )
    (item,) = propose(library, dict.fromkeys(INDICATORS.index), {"nps": {"score": -10.0}})
    assert item["priority"] == 0.0


# --- next level -----------------------------------------------------------------------------


def test_next_level_path_one_indicator_suffices():
    # Case A: gap 60 − 56.25 = 3.75. Gains: STF-01 7.5, ORG-01 1.875, ORG-02 1.875, STF-02 0.
    path = next_level_path(scores=scores_of(CASE_A), indicators=INDICATORS, areas=AREAS)
    assert path == {
        "level": 4,
        "threshold": 60.0,
        "gap": pytest.approx(3.75),
        "indicators": [{"code": "STF-01", "current": 40.0, "target": 60.0, "gain": pytest.approx(7.5)}],
        "listed_gain": pytest.approx(7.5),
        "more": 0,
        "reachable": True,
    }


def test_next_level_path_under_method_2_aims_at_the_next_band():
    # Case A under method 2: 56.25 is Aware, Centric from 62.5, gap 6.25. Gains: STF-01
    # 22.5 · 3/8 = 8.4375, ORG-02 12.5 · 3/16 = 2.34375, ORG-01 32.5 / 16 = 2.03125.
    scores = {**scores_of(CASE_A), "method_version": 2}
    path = next_level_path(scores=scores, indicators=INDICATORS, areas=AREAS)
    assert (path["level"], path["threshold"], path["gap"]) == (4, 62.5, pytest.approx(6.25))
    assert path["indicators"] == [
        {"code": "STF-01", "current": 40.0, "target": 62.5, "gain": pytest.approx(8.4375)}
    ]
    # 88.75 is a Champion's score under method 2 (from 87.5), whose path ends there.
    champion = {**scores_of({**dict.fromkeys(INDICATORS.index, 90.0), "ORG-01": 70.0}), "method_version": 2}
    assert next_level_path(scores=champion, indicators=INDICATORS, areas=AREAS) is None
    # A capped level is raised by lifting what caps it, not the score: no path is drawn.
    gate = {"uncapped_level": 3, "level": 2, "reasons": [{"code": "weakest_area", "cap": 2}]}
    capped = {**scores, "overall": {**scores["overall"], "gated": gate}}
    assert next_level_path(scores=capped, indicators=INDICATORS, areas=AREAS) is None


def test_next_level_path_needs_several_indicators():
    # ORG-01 20, ORG-02 30, STF-01 50, STF-02 70: organization (20 + 90) / 4 = 27.5, staff 60,
    # overall (27.5 + 180) / 4 = 51.875, gap 8.125. Gains: ORG-02 30 · 3/16 = 5.625,
    # STF-01 10 · 3/8 = 3.75, ORG-01 40 / 16 = 2.5. Greedy: 5.625 < 8.125, 5.625 + 3.75 = 9.375 ≥ it.
    values = {"ORG-01": 20.0, "ORG-02": 30.0, "STF-01": 50.0, "STF-02": 70.0}
    path = next_level_path(scores=scores_of(values), indicators=INDICATORS, areas=AREAS)
    assert path["gap"] == pytest.approx(8.125)
    assert [(item["code"], item["gain"]) for item in path["indicators"]] == [
        ("ORG-02", pytest.approx(5.625)),
        ("STF-01", pytest.approx(3.75)),
    ]
    assert (path["listed_gain"], path["more"]) == (pytest.approx(9.375), 0)
    assert path["reachable"] is True


def test_next_level_path_needs_every_indicator_below_the_target():
    # ORG-01 20, ORG-02 30, STF-01 55, STF-02 58: organization 27.5, staff 56.5,
    # overall (27.5 + 169.5) / 4 = 49.25, gap 10.75 = 5.625 + 2.5 + 1.875 + 0.75, all four.
    values = {"ORG-01": 20.0, "ORG-02": 30.0, "STF-01": 55.0, "STF-02": 58.0}
    path = next_level_path(scores=scores_of(values), indicators=INDICATORS, areas=AREAS)
    assert path["gap"] == pytest.approx(10.75)
    assert [item["code"] for item in path["indicators"]] == ["ORG-02", "ORG-01", "STF-01", "STF-02"]
    assert sum(item["gain"] for item in path["indicators"]) == pytest.approx(10.75)
    assert path["reachable"] is True


def test_next_level_path_from_level_1():
    # All at 10 → overall 10, level 1, T = 20; every indicator gains weight · 10; the largest
    # (STF-01, STF-02: 3.75 each) cover the gap of 10 only with ORG-02 (1.875) and ORG-01 (0.625).
    path = next_level_path(
        scores=scores_of(dict.fromkeys(INDICATORS.index, 10.0)), indicators=INDICATORS, areas=AREAS
    )
    assert (path["level"], path["threshold"], path["gap"]) == (2, 20.0, pytest.approx(10.0))
    assert [item["code"] for item in path["indicators"]] == ["STF-01", "STF-02", "ORG-02", "ORG-01"]


def test_next_level_path_is_none_at_level_5_or_unscored():
    champion = scores_of(dict.fromkeys(INDICATORS.index, 85.0))
    assert next_level_path(scores=champion, indicators=INDICATORS, areas=AREAS) is None
    unscored = scores_of(dict.fromkeys(INDICATORS.index))
    assert next_level_path(scores=unscored, indicators=INDICATORS, areas=AREAS) is None


def test_next_level_path_is_unreachable_for_inconsistent_scores():
    # An overall taken from other weights than the indicators': nothing can cover its gap.
    scores = scores_of(CASE_A)
    scores["overall"] = {"score": 45.0, "level": 3}
    values = dict.fromkeys(INDICATORS.index, 59.0)
    scores["indicators"] = scores_of(values)["indicators"]
    path = next_level_path(scores=scores, indicators=INDICATORS, areas=AREAS)
    assert path["reachable"] is False
    # The path is then every indicator with a gain: all four, each 1 point below T.
    assert len(path["indicators"]) == 4 and path["more"] == 0
    assert path["listed_gain"] == pytest.approx(1.0)


# --- properties -----------------------------------------------------------------------------

CATALOG_CODES = list(CATALOG_INDICATORS.index)
# A score or none per catalog indicator, at least one scored.
CATALOG_VALUES = st.lists(
    st.one_of(st.none(), st.floats(min_value=0, max_value=100, allow_nan=False)),
    min_size=len(CATALOG_CODES),
    max_size=len(CATALOG_CODES),
).filter(lambda values: any(value is not None for value in values))


@settings(max_examples=60, deadline=None)
@given(CATALOG_VALUES)
def test_priorities_are_bounded_by_the_total_gain_and_equal_the_overall_gain(values):
    indicator_values = dict(zip(CATALOG_CODES, values, strict=True))
    scores = scores_of(indicator_values, CATALOG_INDICATORS, CATALOG_AREAS)
    overall = scores["overall"]["score"]
    level = level_of(overall)
    target = 100.0 if level == 5 else 20.0 * level
    raised_all = {
        code: None if value is None else max(value, target) for code, value in indicator_values.items()
    }
    total_gain = scores_of(raised_all, CATALOG_INDICATORS, CATALOG_AREAS)["overall"]["score"] - overall
    proposed = roadmap_propose(
        scores=scores, metrics=None, indicators=CATALOG_INDICATORS, areas=CATALOG_AREAS
    )
    for item in proposed:
        assert 0 <= item["priority"] <= total_gain + 1e-9
        raised = {
            **indicator_values,
            **{
                code: max(indicator_values[code], target)
                for code in item["indicators"]
                if indicator_values[code] is not None
            },
        }
        after = scores_of(raised, CATALOG_INDICATORS, CATALOG_AREAS)["overall"]["score"]
        assert item["priority"] == pytest.approx(after - overall, abs=1e-9)
    # Priorities equal to 1e-9 are ties (then ordered by horizon and effort), so compare rounded.
    priorities = [round(item["priority"], 9) for item in proposed if item["priority"] > 0]
    assert priorities == sorted(priorities, reverse=True)
    path = next_level_path(scores=scores, indicators=CATALOG_INDICATORS, areas=CATALOG_AREAS)
    if level < 5:
        assert path["reachable"] is True
        listed = [item["gain"] for item in path["indicators"]]
        assert listed == sorted(listed, reverse=True) and len(listed) <= NEXT_LEVEL_LISTED
        assert path["listed_gain"] == pytest.approx(sum(listed))
        # The listed indicators close the gap alone, or are the first of a longer path.
        if path["more"] == 0:
            assert path["listed_gain"] >= path["gap"] - 1e-9
        else:
            assert len(listed) == NEXT_LEVEL_LISTED and path["listed_gain"] < path["gap"]
    else:
        assert path is None


# --- method 2: value per effort, prerequisites, the cap ----------------------------------------

V2 = METHODS[2]


def scores_v2(values: dict, outcomes: dict | None = None, indicators=INDICATORS, areas=AREAS) -> dict:
    """scores_of under method 2: levels in its bands, with the outcomes index given."""
    scores = scores_of(values, indicators, areas)
    for item in [scores["overall"], *scores["areas"], *scores["indicators"]]:
        if item["score"] is not None:
            item["level"] = level_by_edges(item["score"], V2.level_edges)
    return {**scores, "method_version": 2, "outcomes": outcomes}


def propose_v2(library, values, outcomes=None, metrics=None):
    return roadmap_propose(
        scores=scores_v2(values, outcomes),
        metrics=metrics,
        indicators=INDICATORS,
        areas=AREAS,
        library=library,
    )


# NPS −40 (level 1, 0 points) and churn 30 % (level 2, 25 points): index 12.5.
OUTCOMES = {
    "index": 12.5,
    "level": 2,
    "metrics": [
        {"key": "nps", "value": -40.0, "level": 1, "score": 0.0},
        {"key": "churn_rate", "value": 30.0, "level": 2, "score": 25.0},
    ],
}


def test_v2_value_is_one_level_more_on_each_indicator_shared_between_recommendations(make_library):
    # Case A one level up, in overall points (effective weight × min(25, 100 − score)):
    # ORG-01 1/16 · 25 = 1.5625; STF-01 3/8 · 25 = 9.375, shared by R-A and R-B: 4.6875 each.
    library = make_library(
        entry("R-A", ["ORG-01", "STF-01"], effort="M", indicator_below=5),
        entry("R-B", ["STF-01"], effort="S", indicator_below=5),
    )
    proposed = by_code(propose_v2(library, CASE_A))
    assert proposed["R-A"]["maturity_gain"] == pytest.approx(1.5625 + 4.6875)
    assert proposed["R-B"]["maturity_gain"] == pytest.approx(4.6875)
    # Without outcomes there is no outcome gain; priority = value / effort cost (M = 2, S = 1).
    assert proposed["R-A"]["outcomes_gain"] == 0.0
    assert proposed["R-A"]["priority"] == pytest.approx(6.25 / 2)
    assert proposed["R-B"]["priority"] == pytest.approx(4.6875)
    # So the small focused one comes first, though the broad one gains more.
    assert codes(propose_v2(library, CASE_A)) == ["R-B", "R-A"]


def test_v2_rise_stops_at_100(make_library):
    # STF-02 at 80 can rise 20 points, not 25: 3/8 · 20 = 7.5.
    library = make_library(entry("R-C", ["STF-02"], indicator_below=5))
    (item,) = propose_v2(library, CASE_A)
    assert item["maturity_gain"] == pytest.approx(7.5)


def test_v2_outcome_gain_is_one_level_more_on_each_named_metric_shared(make_library):
    # Each of the two metrics one level up adds 25 / 2 = 12.5 index points. R-L names both,
    # R-S churn only: nps 12.5 to R-L, churn 12.5 split 6.25 each. ORG-02 (3/16 · 25 = 4.6875)
    # is shared too: 2.34375 each.
    library = make_library(
        {**entry("R-L", ["ORG-02"], effort="L", indicator_below=5), "outcomes": ["churn_rate", "nps"]},
        {**entry("R-S", ["ORG-02"], effort="S", indicator_below=5), "outcomes": ["churn_rate"]},
    )
    proposed = by_code(propose_v2(library, CASE_A, OUTCOMES))
    assert proposed["R-L"]["outcomes_gain"] == pytest.approx(18.75)
    assert proposed["R-S"]["outcomes_gain"] == pytest.approx(6.25)
    assert proposed["R-L"]["maturity_gain"] == pytest.approx(2.34375)
    assert proposed["R-L"]["priority"] == pytest.approx((2.34375 + 18.75) / 4)
    assert proposed["R-S"]["priority"] == pytest.approx(2.34375 + 6.25)


def test_v2_a_metric_outside_the_index_or_at_level_5_gains_nothing(make_library):
    outcomes = {
        "index": 100.0,
        "level": 5,
        "metrics": [{"key": "csi", "value": 95.0, "level": 5, "score": 100.0}],
    }
    library = make_library(
        {**entry("R-1", ["STF-02"], indicator_below=5), "outcomes": ["csi", "nps"]},
    )
    (item,) = propose_v2(library, CASE_A, outcomes)
    assert item["outcomes_gain"] == 0.0


def test_v2_prerequisites_come_first_and_rank_with_what_waits_for_them(make_library):
    # R-E (STF-02: 7.5, S) needs R-F (ORG-01: 1.5625 / 4 for L). R-G (ORG-02: 4.6875, S) is
    # worth more than R-F alone, but R-F unlocks R-E, so it ranks with R-E's 7.5.
    library = make_library(
        {**entry("R-E", ["STF-02"], effort="S", indicator_below=5), "prerequisites": ["R-F"]},
        entry("R-F", ["ORG-01"], effort="L", indicator_below=5),
        entry("R-G", ["ORG-02"], effort="S", indicator_below=5),
    )
    proposed = propose_v2(library, CASE_A)
    assert codes(proposed) == ["R-F", "R-E", "R-G"]
    assert by_code(proposed)["R-F"]["priority"] == pytest.approx(1.5625 / 4)
    assert by_code(proposed)["R-E"]["prerequisites"] == ["R-F"]


def test_v2_a_prerequisite_not_proposed_does_not_hold_anything_back(make_library):
    # R-F addresses ORG-01 only below level 2; at 30 (level 2 of method 2) it is not proposed.
    library = make_library(
        {**entry("R-E", ["STF-02"], effort="S", indicator_below=5), "prerequisites": ["R-F"]},
        entry("R-F", ["ORG-01"], effort="L", indicator_below=2),
    )
    (item,) = propose_v2(library, CASE_A)
    assert (item["code"], item["prerequisites"]) == ("R-E", [])


def test_v2_the_roadmap_holds_12_and_the_rest_is_later(make_library):
    library = make_library(*(entry(f"R-{n:02d}", ["ORG-01"], indicator_below=5) for n in range(15)))
    proposed = propose_v2(library, CASE_A)
    assert [item["later"] for item in proposed] == [False] * 12 + [True] * 3
    # Fifteen share ORG-01's 1.5625 points equally.
    assert {round(item["maturity_gain"], 9) for item in proposed} == {round(1.5625 / 15, 9)}


def test_v2_the_real_library_on_a_flat_level_3_bank():
    values = dict.fromkeys(CATALOG_INDICATORS.index, 50.0)
    proposed = roadmap_propose(
        scores=scores_v2(values, None, CATALOG_INDICATORS, CATALOG_AREAS),
        metrics=None,
        indicators=CATALOG_INDICATORS,
        areas=CATALOG_AREAS,
    )
    assert len(proposed) > V2.roadmap_limit
    assert sum(not item["later"] for item in proposed) == V2.roadmap_limit
    # Every indicator at 50 rises 25 points: the proposed recommendations share exactly the rise
    # of the indicators they address, a quarter of a level on the overall score for them all.
    addressed = {code for item in proposed for code in item["indicators"]}
    sizes = CATALOG_INDICATORS["area"].value_counts()
    union = sum(25 / (4 * sizes[CATALOG_INDICATORS.loc[code, "area"]]) for code in addressed)
    assert sum(item["maturity_gain"] for item in proposed) == pytest.approx(union)


@settings(max_examples=40, deadline=None)
@given(CATALOG_VALUES)
def test_v2_prerequisites_always_come_first_and_gains_are_never_counted_twice(values):
    indicator_values = dict(zip(CATALOG_CODES, values, strict=True))
    scores = scores_v2(indicator_values, OUTCOMES, CATALOG_INDICATORS, CATALOG_AREAS)
    proposed = roadmap_propose(
        scores=scores, metrics=None, indicators=CATALOG_INDICATORS, areas=CATALOG_AREAS
    )
    library = recommendation_library()
    placed = codes(proposed)
    for position, item in enumerate(proposed):
        required = [code for code in library.recommendation(item["code"]).prerequisites if code in placed]
        assert item["prerequisites"] == required
        assert all(placed.index(code) < position for code in required)
    # Raising every addressed indicator one level adds exactly the summed maturity gains.
    addressed = {code for item in proposed for code in item["indicators"]}
    raised = {
        code: None if value is None else (min(value + 25, 100) if code in addressed else value)
        for code, value in indicator_values.items()
    }
    overall = scores["overall"]["score"]
    after = scores_of(raised, CATALOG_INDICATORS, CATALOG_AREAS)["overall"]["score"]
    assert sum(item["maturity_gain"] for item in proposed) == pytest.approx(after - overall, abs=1e-9)
    # And the named outcome metrics' rises add up to no more than the index can gain.
    assert sum(item["outcomes_gain"] for item in proposed) <= 25.0 + 1e-9
