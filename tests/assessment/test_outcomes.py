"""The customer outcomes index, the reality gap and its cap on the overall level
(assessment.outcomes, docs/methods.md §8.1), on hand-computed cases."""

import pandas as pd
import pytest

from assessment.gating import gate_of
from assessment.loyalty import loyalty_shares
from assessment.method import METHODS
from assessment.metrics import EvidenceSample, default_thresholds, evidence_level, metric, registry_of
from assessment.outcomes import outcomes_compute, reality_gap_reason
from assessment.scoring import EvidenceWeights, scores_compute

V2 = METHODS[2]
V2_THRESHOLDS = default_thresholds(registry_of(2))


def sample(key, value, size=1000, minimum=100, interval=None):
    return EvidenceSample(key=key, value=value, sample=size, minimum=minimum, interval=interval)


def test_the_index_averages_the_levels_of_the_metrics_on_a_sufficient_sample():
    outcomes = outcomes_compute(
        samples=[
            sample("nps", 23.0),  # 20 ≤ 23 < 50: level 4 → 75
            sample("churn_rate", 11.5),  # 12 ≥ 11.5 > 8: level 4 → 75
            sample("csi", 60.0),  # 50 ≤ 60 < 62.5: level 2 → 25
            sample("servqual", 0.8, size=20, minimum=50),  # too small a sample: left out
        ],
        thresholds=V2_THRESHOLDS,
        edges=V2.level_edges,
    )
    assert [(row["key"], row["level"], row["score"]) for row in outcomes["metrics"]] == [
        ("nps", 4, 75.0),
        ("churn_rate", 4, 75.0),
        ("csi", 2, 25.0),
    ]
    assert outcomes["index"] == pytest.approx(175 / 3)
    assert outcomes["level"] == 3  # 58.3: Aware


def test_no_metric_on_a_sufficient_sample_gives_no_index():
    assert (
        outcomes_compute(
            samples=[sample("nps", 10.0, size=99)], thresholds=V2_THRESHOLDS, edges=V2.level_edges
        )
        is None
    )


@pytest.mark.parametrize(
    ("score", "level", "index", "outcomes_level", "capped"),
    [
        (80.0, 4, 25.0, 2, 3),  # gap 55: one above Chaotic
        (80.0, 4, 65.0, 4, None),  # gap 15: within 20
        (70.0, 4, 50.0, 3, None),  # gap exactly 20: within
        (90.0, 5, 62.5, 4, None),  # gap 27.5, but Champion is one above Centric already
        (90.0, 5, 50.0, 3, 4),  # gap 40
    ],
)
def test_a_reality_gap_over_20_caps_the_level_one_above_the_outcomes(
    score, level, index, outcomes_level, capped
):
    reason = reality_gap_reason(
        score=score, outcomes={"index": index, "level": outcomes_level, "metrics": []}, method=V2
    )
    gate = gate_of(level, [reason])
    if capped is None:
        assert gate is None
    else:
        assert gate == {
            "uncapped_level": level,
            "level": capped,
            "reasons": [
                {
                    "code": "reality_gap",
                    "gap": score - index,
                    "limit": 20.0,
                    "outcomes_level": outcomes_level,
                    "cap": capped,
                }
            ],
        }


def test_a_bank_with_nps_minus_40_and_30_percent_churn_cannot_read_centric():
    indicators = pd.DataFrame(
        {"area": ["organization"], "weight": [1.0], "metric": [None]}, index=pd.Index(["ORG-01"])
    )
    areas = pd.DataFrame({"weight": [1.0]}, index=pd.Index(["organization"]))
    common = {
        "answers": pd.DataFrame(
            {
                "indicator": pd.Series(dtype=str),
                "level": pd.Series(dtype=float),
                "role": pd.Series(dtype=str),
                "department": pd.Series(dtype=str),
                "count": pd.Series(dtype="int64"),
            }
        ),
        "respondents": pd.DataFrame({"role": ["frontline"], "department": ["Retail"], "count": [5]}),
        "indicators": indicators,
        "areas": areas,
        "interview": pd.Series({"ORG-01": 4.0}),  # 75: Centric
        "data": pd.Series(dtype=float),
        "weights": EvidenceWeights(),
        # NPS −40: level 1 → 0; churn 30 %: level 2 → 25; index 12.5, Chaotic.
        "samples": [sample("nps", -40.0), sample("churn_rate", 30.0)],
    }
    result = scores_compute(**common, method=V2)
    assert result["outcomes"]["index"] == 12.5 and result["outcomes"]["level"] == 2
    assert result["reality_gap"] == 62.5
    assert result["overall"]["score"] == 75.0
    assert (result["overall"]["level"], result["overall"]["level_code"]) == (3, "aware")
    assert result["overall"]["gated"]["uncapped_level"] == 4
    assert [reason["code"] for reason in result["overall"]["gated"]["reasons"]] == ["reality_gap"]
    # Method 1 has no outcomes index and no cap.
    version_1 = scores_compute(**common, method=METHODS[1])
    assert "outcomes" not in version_1 and "gated" not in version_1["overall"]
    assert version_1["overall"]["level"] == 4


def test_loyalty_shares_are_of_the_classified_clients():
    types = {"loyal": 30, "satisfied": 20, "captive": 10, "disloyal": 40, "unclassified": 100}
    shares = loyalty_shares(types)
    assert {key: shares[key] for key in ("loyal", "disloyal", "classified")} == {
        "loyal": 30.0,
        "disloyal": 40.0,
        "classified": 100,
    }
    # Wilson intervals: 30 of 100 is 21.9–39.6 %, 40 of 100 30.9–49.8 % (the textbook values).
    assert shares["loyal_ci95"] == pytest.approx([21.89, 39.59], abs=0.005)
    assert shares["disloyal_ci95"] == pytest.approx([30.94, 49.80], abs=0.005)
    assert loyalty_shares({**dict.fromkeys(types, 0), "unclassified": 7}) is None


def test_churn_and_loyalty_read_as_levels_lower_churn_and_fewer_disloyal_being_better():
    def level(key, value):
        return outcomes_compute(samples=[sample(key, value)], thresholds=V2_THRESHOLDS, edges=V2.level_edges)[
            "metrics"
        ][0]["level"]

    assert [level("churn_rate", value) for value in (31, 30, 20, 12, 8, 2)] == [1, 2, 3, 4, 5, 5]
    assert [level("loyal_share", value) for value in (5, 10, 20, 35, 50)] == [1, 2, 3, 4, 5]
    assert [level("disloyal_share", value) for value in (45, 40, 30, 20, 10)] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("key", "value", "interval", "level"),
    [
        # NPS thresholds −20, 0, 20, 50.
        ("nps", 55.0, (45.0, 65.0), 4),  # levels 4–5 in reach: 4, the nearer the middle
        ("nps", 55.0, (15.0, 95.0), 3),  # levels 3–5: the middle itself
        ("nps", -30.0, (-45.0, -15.0), 2),  # levels 1–2: 2
        ("nps", 10.0, (-5.0, 25.0), 3),  # levels 2–4: 3
        ("nps", 30.0, (25.0, 35.0), 4),  # all of it in level 4: 4, as the value
        ("nps", 55.0, None, 5),  # no interval: the value's level
        # Churn, lower is better: 30, 20, 12, 8.
        ("churn_rate", 7.0, (5.0, 10.0), 4),  # levels 5 (at 5 %) and 4 (at 10 %): 4
        ("churn_rate", 35.0, (25.0, 45.0), 2),  # levels 2 and 1: 2
    ],
)
def test_an_interval_gives_the_level_its_end_nearer_the_middle_reaches(key, value, interval, level):
    assert evidence_level(metric(key), value, V2_THRESHOLDS[key], interval) == level


def test_method_2_reads_the_outcomes_from_the_intervals_and_says_which():
    samples = [
        sample("nps", 55.0, interval=(45.0, 65.0)),  # 5 by its value, 4 by its interval
        sample("csi", 60.0),  # no interval stored: its value, level 2
    ]
    by_interval = outcomes_compute(
        samples=samples, thresholds=V2_THRESHOLDS, edges=V2.level_edges, intervals=True
    )
    assert [(row["level"], row["interval"]) for row in by_interval["metrics"]] == [
        (4, [45.0, 65.0]),
        (2, None),
    ]
    assert by_interval["index"] == pytest.approx((75 + 25) / 2)
    by_value = outcomes_compute(samples=samples, thresholds=V2_THRESHOLDS, edges=V2.level_edges)
    assert [(row["level"], row["interval"]) for row in by_value["metrics"]] == [(5, None), (2, None)]
