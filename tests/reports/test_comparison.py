"""The re-assessment comparison on hand-made results (docs/methods.md §9, §11: 57 → 72, Aware → Centric,
churn 12 % → 9.8 % = −18.3 %, NPS 18 → 30 = +12 points)."""

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from reports.comparison import change_fields, comparison_compute


def _result(overall, areas, indicators):
    return {
        "overall": {"score": overall},
        "areas": [{"code": code, "score": score} for code, score in areas.items()],
        "indicators": [{"code": code, "score": score} for code, score in indicators.items()],
    }


BASELINE = _result(
    57.0,
    {"organization": 60.0, "technology": 54.0},
    {"ORG-01": 50.0, "ORG-02": 70.0, "TEC-01": 25.0, "TEC-02": 75.0, "TEC-03": 40.0, "OLD-01": 30.0},
)
CURRENT = _result(
    72.0,
    {"organization": 71.5, "technology": 72.5},
    {"ORG-01": 75.0, "ORG-02": 68.0, "TEC-01": 60.0, "TEC-02": 75.0, "TEC-03": None, "NEW-01": 90.0},
)
NAMES = {"ORG-01": "CX in strategy", "organization": "Organization", "technology": "Technology"}


def _compare(**overrides):
    arguments = {
        "current": CURRENT,
        "baseline": BASELINE,
        "current_metrics": {"nps": {"score": 30.0}, "churn": {"rate": 9.8}, "csi": None},
        "baseline_metrics": {"nps": {"score": 18.0}, "churn": {"rate": 12.0}, "csi": {"score": 80.0}},
        "current_kpis": {"average_deposit": 110.0, "nps": 30.0},
        "baseline_kpis": {"average_deposit": 100.0, "nps": 18.0},
        "names": NAMES,
        **overrides,
    }
    with translation.override("en"):
        return comparison_compute(**arguments)


def test_overall_and_levels_before_and_after():
    overall = _compare()["overall"]
    assert overall["before"] == 57.0 and overall["after"] == 72.0 and overall["delta"] == 15.0
    assert (overall["level_before"], overall["level_after"]) == (3, 4)
    assert (overall["level_name_before"], overall["level_name_after"]) == (
        "Customer-Aware",
        "Customer-Centric",
    )


def test_area_deltas_follow_the_current_catalog_order():
    areas = _compare()["areas"]
    assert [(a["code"], a["name"], a["before"], a["after"], a["delta"]) for a in areas] == [
        ("organization", "Organization", 60.0, 71.5, 11.5),
        ("technology", "Technology", 54.0, 72.5, 18.5),
    ]


def test_top_improvements_and_regressions_on_shared_scored_indicators():
    result = _compare()
    assert [(i["code"], i["delta"]) for i in result["improvements"]] == [("TEC-01", 35.0), ("ORG-01", 25.0)]
    assert result["improvements"][1]["name"] == "CX in strategy"
    assert [(i["code"], i["before"], i["after"], i["delta"]) for i in result["regressions"]] == [
        ("ORG-02", 70.0, 68.0, -2.0)
    ]
    # TEC-02 did not move: neither an improvement nor a regression, but compared.
    assert result["indicators_compared"] == 4


def test_indicators_not_in_both_or_unscored_are_not_comparable():
    assert _compare()["not_comparable"] == ["TEC-03", "NEW-01", "OLD-01"]


def test_customer_metrics_change_absolute_and_relative():
    metrics = {row["code"]: row for row in _compare()["metrics"]}
    churn = metrics["churn_rate"]
    assert churn["before"] == 12.0 and churn["after"] == 9.8
    assert churn["change"] == pytest.approx(-2.2)
    assert churn["relative"] == pytest.approx(-18.333, abs=1e-3)  # the seed's "churn −18 %"
    nps = metrics["nps"]
    assert (nps["change"], nps["unit"]) == (12.0, "points")
    # A metric missing on one side has no change, never 0.
    assert metrics["csi"] == {
        "code": "csi",
        "label": "CSI, %",  # the registry's label, in the active language
        "unit": "%",
        "before": 80.0,
        "after": None,
        "change": None,
        "relative": None,
    }


def test_kpis_before_and_after():
    kpis = {row["code"]: row for row in _compare()["kpis"]}
    assert kpis["average_deposit"]["relative"] == pytest.approx(10.0)
    assert kpis["nps"]["change"] == 12.0


def test_a_baseline_without_scores_has_no_delta():
    result = _compare(baseline=_result(None, {}, {}))
    assert result["overall"]["delta"] is None and result["overall"]["level_before"] is None
    assert result["improvements"] == [] and result["indicators_compared"] == 0


def test_relative_change_from_zero_is_undefined():
    assert change_fields(0.0, 5.0) == {"before": 0.0, "after": 5.0, "change": 5.0, "relative": None}
    assert change_fields(-10.0, -5.0)["relative"] == 50.0  # NPS −10 → −5 is an improvement


@given(
    st.floats(-100, 100, allow_nan=False),
    st.floats(-100, 100, allow_nan=False).filter(lambda value: abs(value) > 1e-6),
)
def test_change_reconstructs_the_after_value(after, before):
    fields = change_fields(before, after)
    assert fields["before"] + fields["change"] == pytest.approx(after)
    assert fields["relative"] == pytest.approx(100 * fields["change"] / abs(before))


def test_across_editions_indicators_compare_by_lineage_not_by_code():
    # The baseline's ORG-08 (journey ownership) merged into ORG-04 and its ORG-13 (financial
    # effect) into ORG-07; the current edition reuses both codes for new topics.
    baseline = _result(
        50.0, {"organization": 50.0}, {"ORG-04": 40.0, "ORG-07": 30.0, "ORG-08": 60.0, "ORG-13": 50.0}
    )
    current = _result(
        60.0, {"organization": 60.0}, {"ORG-04": 70.0, "ORG-07": 45.0, "ORG-08": 80.0, "ORG-13": 10.0}
    )
    lineage = {"ORG-04": ["ORG-04", "ORG-08"], "ORG-07": ["ORG-07", "ORG-13"], "ORG-08": [], "ORG-13": []}
    by_lineage = _compare(current=current, baseline=baseline, lineage=lineage)
    # ORG-04 from the mean of 40 and 60, ORG-07 from the mean of 30 and 50.
    assert [(item["code"], item["before"], item["delta"]) for item in by_lineage["improvements"]] == [
        ("ORG-04", 50.0, 20.0),
        ("ORG-07", 40.0, 5.0),
    ]
    assert by_lineage["regressions"] == []
    assert by_lineage["indicators_compared"] == 2
    assert by_lineage["not_comparable"] == ["ORG-08", "ORG-13"]
    assert by_lineage["method"]["indicators_by_lineage"] is True
    # By code, the new topics would read as changes of the old ones.
    by_code = _compare(current=current, baseline=baseline)
    assert [item["code"] for item in by_code["regressions"]] == ["ORG-13"]
    assert by_code["method"]["indicators_by_lineage"] is False


def test_a_baseline_indicator_nothing_continues_is_not_comparable():
    lineage = {"ORG-01": ["ORG-01"], "ORG-02": ["ORG-02"], "TEC-01": ["TEC-01"], "TEC-02": ["TEC-02"]}
    lineage |= {"TEC-03": ["TEC-03"], "NEW-01": []}
    assert _compare(lineage=lineage)["not_comparable"] == ["TEC-03", "NEW-01", "OLD-01"]
