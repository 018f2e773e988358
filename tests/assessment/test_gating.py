"""Caps on the levels (assessment.gating, docs/methods.md §3.5) on hand-computed cases."""

import pandas as pd
import pytest
from django.utils import translation

from assessment.gating import critical_reasons, gate_of, indicator_levels, weakest_area_reason
from assessment.method import METHODS
from assessment.presenters import scores_named
from assessment.scoring import EvidenceWeights, scores_compute

EDGES = METHODS[2].level_edges
NAMES = {
    "organization": {"en": "Organization", "ru": "Организация"},
    "staff": {"en": "Staff", "ru": "Персонал"},
}


def _catalog(critical: dict[str, bool]):
    codes = ["ORG-01", "ORG-02", "ORG-03", "ORG-04", "STF-01", "STF-02"]
    indicators = pd.DataFrame(
        {
            "area": ["organization"] * 4 + ["staff"] * 2,
            "weight": 1.0,
            "metric": None,
            "critical": [critical.get(code, False) for code in codes],
        },
        index=pd.Index(codes),
    )
    areas = pd.DataFrame(
        {"weight": [1.0, 1.0], "name": [NAMES["organization"], NAMES["staff"]]},
        index=pd.Index(["organization", "staff"]),
    )
    return indicators, areas


def _scores(interview: dict[str, int], critical: dict[str, bool], method=METHODS[2]):
    indicators, areas = _catalog(critical)
    empty = pd.DataFrame(
        {
            "indicator": pd.Series(dtype=str),
            "level": pd.Series(dtype=float),
            "role": pd.Series(dtype=str),
            "department": pd.Series(dtype=str),
            "count": pd.Series(dtype="int64"),
        }
    )
    return scores_compute(
        answers=empty,
        respondents=pd.DataFrame({"role": ["frontline"], "department": ["Retail"], "count": [5]}),
        indicators=indicators,
        areas=areas,
        interview=pd.Series(interview, dtype=float),
        data=pd.Series(dtype=float),
        weights=EvidenceWeights(),
        method=method,
    )


def test_an_area_claims_at_most_one_level_above_its_weakest_critical_indicator():
    # Organization: ORG-01 (critical) at level 1 → 0, the rest at 5 → 100: (0 + 300) / 4 = 75,
    # Centric by its score, capped at Chaotic (1 + 1). Staff: 75, no critical indicator.
    result = _scores(
        {"ORG-01": 1, "ORG-02": 5, "ORG-03": 5, "ORG-04": 5, "STF-01": 4, "STF-02": 4},
        critical={"ORG-01": True},
    )
    organization, staff = result["areas"]
    assert (organization["score"], organization["level"], organization["level_code"]) == (75.0, 2, "chaotic")
    assert organization["gated"] == {
        "uncapped_level": 4,
        "level": 2,
        "reasons": [
            {
                "code": "critical_indicator",
                "area": "organization",
                "area_name": NAMES["organization"],
                "indicator": "ORG-01",
                "indicator_level": 1,
                "cap": 2,
            }
        ],
    }
    assert (staff["level"], staff["gated"]) == (4, None)
    # Overall 75 is Centric by its score; the weakest area is now Chaotic: capped at Aware.
    assert result["overall"]["score"] == 75.0
    assert result["overall"]["level"] == 3
    assert [reason["code"] for reason in result["overall"]["gated"]["reasons"]] == ["weakest_area"]
    assert result["overall"]["gated"]["reasons"][0]["area_level"] == 2


def test_a_critical_indicator_caps_its_area_one_level_above_it():
    result = _scores(
        {"ORG-01": 3, "ORG-02": 5, "ORG-03": 5, "ORG-04": 5, "STF-01": 4, "STF-02": 4},
        critical={"ORG-01": True},
    )
    organization = result["areas"][0]
    # (50 + 300) / 4 = 87.5: Champion by its score, ORG-01 at Aware allows Centric at most.
    assert (organization["score"], organization["level"]) == (87.5, 4)
    assert organization["gated"]["reasons"][0]["cap"] == 4
    # At Centric (4 → 75) ORG-01 allows Champion: nothing is capped.
    uncapped = _scores(
        {"ORG-01": 4, "ORG-02": 5, "ORG-03": 5, "ORG-04": 5, "STF-01": 4, "STF-02": 4},
        critical={"ORG-01": True},
    )
    assert (uncapped["areas"][0]["level"], uncapped["areas"][0]["gated"]) == (5, None)


def test_method_1_gates_nothing():
    result = _scores(
        {"ORG-01": 1, "ORG-02": 5, "ORG-03": 5, "ORG-04": 5, "STF-01": 4, "STF-02": 4},
        critical={"ORG-01": True},
        method=METHODS[1],
    )
    assert result["areas"][0]["level"] == 4 and "gated" not in result["areas"][0]


def test_the_weakest_covered_critical_indicator_counts_and_ties_go_to_the_catalog_order():
    levels = pd.Series({"ORG-01": 2, "ORG-02": 2, "ORG-03": 1, "STF-01": 3})
    critical = pd.Series({"ORG-01": True, "ORG-02": True, "ORG-03": True, "STF-01": True})
    covered = pd.Series({"ORG-01": True, "ORG-02": True, "ORG-03": False, "STF-01": True})
    area_of = pd.Series(
        {"ORG-01": "organization", "ORG-02": "organization", "ORG-03": "organization", "STF-01": "staff"}
    )
    reasons = critical_reasons(
        levels=levels, critical=critical, covered=covered, area_of=area_of, area_names={}
    )
    # ORG-03 is weaker but not covered: it is not evidence enough to cap anything.
    assert (reasons["organization"]["indicator"], reasons["organization"]["cap"]) == ("ORG-01", 3)
    assert (reasons["staff"]["indicator"], reasons["staff"]["cap"]) == ("STF-01", 4)


def test_the_lowest_binding_cap_wins_and_every_binding_reason_is_given():
    weakest = {"code": "weakest_area", "cap": 4}
    gap = {"code": "reality_gap", "cap": 3}
    assert gate_of(5, [weakest, gap, None]) == {"uncapped_level": 5, "level": 3, "reasons": [weakest, gap]}
    assert gate_of(4, [weakest, gap]) == {"uncapped_level": 4, "level": 3, "reasons": [gap]}
    assert gate_of(3, [weakest, gap]) is None
    assert gate_of(None, [gap]) is None
    assert weakest_area_reason({"organization": 4, "staff": None}, {})["cap"] == 5
    assert weakest_area_reason({"organization": None}, {}) is None


@pytest.mark.parametrize("score", [0, 12.49, 12.5, 62.5, 87.5, 100])
def test_indicator_levels_use_the_method_bands(score):
    assert indicator_levels(pd.Series({"X": score, "Y": None}), EDGES).to_dict() == {
        "X": {0: 1, 12.49: 1, 12.5: 2, 62.5: 4, 87.5: 5, 100: 5}[score]
    }


def test_the_reasons_are_told_in_the_readers_language():
    result = _scores(
        {"ORG-01": 1, "ORG-02": 5, "ORG-03": 5, "ORG-04": 5, "STF-01": 4, "STF-02": 4},
        critical={"ORG-01": True},
    )
    english = scores_named(result=result, language="en")
    assert english["areas"][0]["gated"]["reasons"][0]["message"] == (
        "Organization: its critical indicator ORG-01 is at level 1, and an area claims at most one level "
        "above its weakest critical indicator."
    )
    assert english["overall"]["gated"]["reasons"][0]["message"] == (
        "The weakest area, Organization, is at level 2, and the overall level is at most one above the "
        "weakest area's."
    )
    assert english["overall"]["gated"]["uncapped_level_name"] == "Customer-Centric"
    with translation.override("ru"):
        russian = scores_named(result=result, language="ru")
    assert russian["areas"][0]["gated"]["reasons"][0]["message"].startswith(
        "Организация: критический показатель ORG-01 на уровне 1"
    )
