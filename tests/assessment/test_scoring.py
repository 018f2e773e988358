"""Scoring against hand-computed cases from docs/methods.md §1, §3–§6, §8."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.method import METHODS, level_bands, level_of, role_balanced_means
from assessment.metrics import default_thresholds, registry_of
from assessment.scoring import EvidenceWeights, metric_level, percentile_rank, scores_compute

INDICATORS = pd.DataFrame(
    {
        "area": ["organization", "organization", "staff"],
        "weight": [1.0, 1.0, 2.0],
        "metric": [None, "nps", None],
    },
    index=pd.Index(["ORG-01", "ORG-02", "STF-01"]),
)
AREAS = pd.DataFrame({"weight": [1.0, 1.0]}, index=pd.Index(["organization", "staff"]))
NONE = pd.Series(dtype=float)
DEFAULT_WEIGHTS = EvidenceWeights()


def answers(rows):
    """rows: (respondent, indicator, level or None, role, department), one per answer."""
    frame = pd.DataFrame(rows, columns=["respondent", "indicator", "level", "role", "department"])
    frame["level"] = frame["level"].astype("Int8")
    return frame.assign(count=1)


def respondent_counts(frame):
    people = frame.drop_duplicates("respondent")
    return people.groupby(["role", "department"]).size().rename("count").reset_index()


def compute(
    rows,
    interview=NONE,
    data=NONE,
    weights=DEFAULT_WEIGHTS,
    k=5,
    indicators=INDICATORS,
    areas=AREAS,
    method=METHODS[2],
):
    frame = answers(rows)
    return scores_compute(
        answers=frame.drop(columns="respondent"),
        respondents=respondent_counts(frame),
        indicators=indicators,
        areas=areas,
        interview=pd.Series(interview, dtype=float),
        data=pd.Series(data, dtype=float),
        weights=weights,
        anonymity_k=k,
        method=method,
    )


def indicator(result, code):
    return next(item for item in result["indicators"] if item["code"] == code)


def test_methods_worked_example():
    # Answers 4, 3, 5, don't know, 3 → mean 3.75 → S = 68.75; interview 3 → I = 50; no data.
    rows = [(r, "ORG-01", level, "frontline", "Retail") for r, level in enumerate([4, 3, 5, None, 3])]
    result = compute(rows, interview={"ORG-01": 3})
    item = indicator(result, "ORG-01")
    assert result["method_version"] == 2
    assert item["evidence"] == {"survey": 68.75, "interview": 50.0, "data": None}
    assert item["score"] == pytest.approx(61.71875)
    assert (item["level"], item["level_code"]) == (3, "aware")  # below 62.5
    assert item["n"] == 4
    assert item["mean_level"] == item["raw_mean_level"] == 3.75  # one role: nothing to balance
    assert item["dont_know_share"] == pytest.approx(0.2)
    assert item["std"] == pytest.approx(0.9574271)  # sample std of 4, 3, 5, 3
    # Method 1 read the same score in bands of 20.
    version_1 = compute(rows, interview={"ORG-01": 3}, method=METHODS[1])
    assert version_1["method_version"] == 1
    assert indicator(version_1, "ORG-01")["level_code"] == "centric"


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (0, 1),
        (12.49, 1),
        (12.5, 2),
        (37.49, 2),
        (37.5, 3),
        (57, 3),  # the audit of the published case
        (62.49, 3),
        (62.5, 4),
        (72, 4),  # its re-assessment
        (87.49, 4),
        (87.5, 5),
        (100, 5),
    ],
)
def test_level_bands_of_method_2(score, level):
    assert level_of(score, METHODS[2].level_edges) == level


@pytest.mark.parametrize(
    ("score", "level"),
    [(0, 1), (19.99, 1), (20, 2), (39.99, 2), (40, 3), (59.99, 3), (60, 4), (79.99, 4), (80, 5), (100, 5)],
)
def test_level_bands_of_method_1(score, level):
    assert level_of(score, METHODS[1].level_edges) == level


def test_each_level_anchor_sits_at_the_centre_of_its_band_in_method_2():
    bands = level_bands(METHODS[2].level_edges)
    assert bands == [(0, 12.5), (12.5, 37.5), (37.5, 62.5), (62.5, 87.5), (87.5, 100)]
    assert [(low + high) / 2 for low, high in bands[1:4]] == [25, 50, 75]


@settings(max_examples=200, deadline=None)
@given(mean_answer=st.floats(1, 5, allow_nan=False))
def test_the_level_of_method_2_is_the_mean_answer_rounded_half_up(mean_answer):
    score = 25 * (mean_answer - 1)
    assert level_of(score, METHODS[2].level_edges) == int(mean_answer + 0.5)


def _balanced(rows, roles_shown=("executive", "manager", "frontline", "back_office")):
    frame = pd.DataFrame(rows, columns=["indicator", "role", "level", "count"])
    return role_balanced_means(
        frame, pd.Index(["ORG-01", "ORG-02"]), min_role_answers=3, roles_shown=roles_shown
    )


def test_role_balance_averages_the_roles_and_pools_the_small_ones():
    rows = [
        ("ORG-01", "executive", 5.0, 3),  # 3 executives answer 5
        ("ORG-01", "frontline", 2.0, 9),  # 9 tellers answer 2
        ("ORG-01", "manager", 4.0, 1),  # 1 manager and 1 back office: pooled, mean 3
        ("ORG-01", "back_office", 2.0, 1),
        ("ORG-01", "manager", float("nan"), 4),  # don't know counts for nothing
    ]
    balanced = _balanced(rows)
    assert balanced["ORG-01"] == pytest.approx((5 + 2 + 3) / 3)
    assert pd.isna(balanced["ORG-02"])  # unanswered
    # The raw mean would be (15 + 18 + 4 + 2) / 14 = 2.79: the tellers' weight.
    # A role the scores may not show (under the anonymity threshold) is pooled however many answer.
    assert _balanced(rows, roles_shown=("frontline",))["ORG-01"] == pytest.approx((2 + (15 + 4 + 2) / 5) / 2)


@settings(max_examples=60, deadline=None)
@given(
    counts=st.dictionaries(
        st.sampled_from(["executive", "manager", "frontline", "back_office"]),
        st.tuples(st.integers(1, 8), st.integers(1, 5)),
        min_size=1,
    ),
    copies=st.integers(2, 4),
)
def test_role_balance_properties(counts, copies):
    rows = [("ORG-01", role, float(level), count) for role, (count, level) in counts.items()]
    balanced = _balanced(rows)["ORG-01"]
    # Order does not matter.
    assert _balanced(list(reversed(rows)))["ORG-01"] == pytest.approx(balanced)
    # Within the range of the answers.
    levels = [level for _count, level in counts.values()]
    assert min(levels) - 1e-9 <= balanced <= max(levels) + 1e-9
    # A role that stands alone weighs the same however many of it answer.
    big = {role for role, (count, _level) in counts.items() if count >= 3}
    more = [
        ("ORG-01", role, level, count * copies if role in big else count) for _, role, level, count in rows
    ]
    assert _balanced(more)["ORG-01"] == pytest.approx(balanced)
    # One role alone: the plain mean.
    role, (count, level) = next(iter(counts.items()))
    assert _balanced([("ORG-01", role, float(level), count)])["ORG-01"] == pytest.approx(level)


def test_scores_show_the_balanced_and_the_raw_mean():
    rows = [(r, "ORG-01", 5, "executive", "Board") for r in range(5)] + [
        (10 + r, "ORG-01", 2, "frontline", "Retail") for r in range(15)
    ]
    item = indicator(compute(rows), "ORG-01")
    assert item["mean_level"] == pytest.approx(3.5)  # (5 + 2) / 2
    assert item["raw_mean_level"] == pytest.approx(2.75)  # (25 + 30) / 20
    assert item["evidence"]["survey"] == pytest.approx(62.5)
    assert item["level_code"] == "centric"
    pooled = indicator(compute(rows, method=METHODS[1]), "ORG-01")
    assert pooled["mean_level"] == pooled["raw_mean_level"] == pytest.approx(2.75)
    assert pooled["evidence"]["survey"] == pytest.approx(43.75)


def test_evidence_weights_renormalize_over_what_is_present():
    rows = [(r, "ORG-01", 5, "frontline", "Retail") for r in range(5)]  # S = 100
    only_survey = indicator(compute(rows), "ORG-01")
    assert only_survey["score"] == 100
    with_data = indicator(compute(rows, data={"ORG-01": 1}), "ORG-01")  # D = 0
    assert with_data["score"] == pytest.approx((0.5 * 100 + 0.2 * 0) / 0.7)
    only_interview = indicator(compute([], interview={"ORG-01": 2}), "ORG-01")
    assert only_interview["score"] == 25
    assert only_interview["n"] == 0
    custom = indicator(compute(rows, interview={"ORG-01": 1}, weights=EvidenceWeights(0.8, 0.2, 0)), "ORG-01")
    assert custom["score"] == pytest.approx(80)


def test_area_and_overall_are_weighted_means():
    rows = [
        (r, code, level, "frontline", "Retail")
        for r in range(5)
        for code, level in (("ORG-01", 5), ("ORG-02", 3), ("STF-01", 2))
    ]
    result = compute(rows)
    organization, staff = result["areas"]
    assert organization["score"] == pytest.approx((100 + 50) / 2)
    assert staff["score"] == pytest.approx(25)
    assert result["overall"]["score"] == pytest.approx((75 + 25) / 2)
    assert result["overall"]["level"] == 3
    weighted = compute(rows, areas=pd.DataFrame({"weight": [3.0, 1.0]}, index=AREAS.index))
    assert weighted["overall"]["score"] == pytest.approx((3 * 75 + 25) / 4)


def test_indicator_weights_within_an_area():
    indicators = INDICATORS.assign(weight=[3.0, 1.0, 1.0])
    rows = [
        (r, code, level, "frontline", "Retail")
        for r in range(5)
        for code, level in (("ORG-01", 5), ("ORG-02", 1))
    ]
    organization = compute(rows, indicators=indicators)["areas"][0]
    assert organization["score"] == pytest.approx((3 * 100 + 1 * 0) / 4)


def test_coverage_excludes_indicators_without_evidence_and_areas_without_scores():
    rows = [(r, "ORG-01", 4, "frontline", "Retail") for r in range(5)]
    result = compute(rows)
    assert result["coverage"] == {"scored": 1, "total": 3, "missing": ["ORG-02", "STF-01"]}
    organization, staff = result["areas"]
    assert organization["score"] == 75  # ORG-02 is left out, not counted as zero
    assert staff == {
        "code": "staff",
        "score": None,
        "level": None,
        "level_code": None,
        "scored": 0,
        "coverage": 0.0,  # and so no level on insufficient evidence (docs/methods.md §3.4)
        "sufficient": False,
        "gated": None,
    }
    assert result["overall"]["score"] == 75
    assert indicator(result, "STF-01")["confidence"] is None


def test_only_dont_know_answers_leave_an_indicator_unscored():
    rows = [(r, "ORG-01", None, "frontline", "Retail") for r in range(6)]
    item = indicator(compute(rows), "ORG-01")
    assert item["score"] is None
    assert item["dont_know_share"] == 1.0
    assert item["n"] == 0


def test_confidence_labels():
    many = [(r, "ORG-01", 3, "frontline", "Retail") for r in range(12)]
    assert indicator(compute(many), "ORG-01")["confidence"] == "high"
    assert indicator(compute(many[:7]), "ORG-01")["confidence"] == "medium"
    assert indicator(compute(many[:4]), "ORG-01")["confidence"] == "low"
    # Survey says level 3, interview level 5: more than one level apart.
    assert indicator(compute(many, interview={"ORG-01": 5}), "ORG-01")["confidence"] == "low"


def _team(role, department, count, level, start):
    return [(start + r, "ORG-01", level, role, department) for r in range(count)]


def test_breakdowns_hide_groups_below_the_anonymity_threshold():
    rows = _team("frontline", "Retail", 5, 2, 0) + _team("executive", "Board", 4, 5, 100)
    result = compute(rows)["breakdowns"]
    # The 4 executives are under k = 5; showing the 5 frontline respondents alone would give
    # them away by subtraction from the totals, so both go (assessment.anonymity).
    assert (result["role"], result["role_hidden"]) == ([], 2)
    assert (result["department"], result["department_hidden"]) == ([], 2)
    assert result["anonymity_k"] == 5
    shown = compute(rows, k=4)["breakdowns"]
    assert [(g["group"], g["respondents"], g["score"]) for g in shown["role"]] == [
        ("executive", 4, 100.0),
        ("frontline", 5, 25.0),
    ]
    assert shown["role_hidden"] == 0


def test_management_vs_frontline_gap():
    rows = (
        _team("executive", "Board", 3, 5, 0)
        + _team("manager", "Retail", 2, 4, 10)
        + _team("frontline", "Retail", 5, 2, 20)
    )
    gaps = [g for g in compute(rows)["gaps"] if g["kind"] == "management_vs_frontline"]
    by_scope = {(g["scope"], g["code"]): g for g in gaps}
    # Management mean level (5·3 + 4·2)/5 = 4.6 → 90; frontline 2 → 25.
    assert by_scope["indicator", "ORG-01"]["management"] == pytest.approx(90)
    assert by_scope["indicator", "ORG-01"]["frontline"] == 25
    assert by_scope["indicator", "ORG-01"]["gap"] == pytest.approx(65)
    assert by_scope["area", "organization"]["gap"] == pytest.approx(65)
    # Too few managers and executives: no gap is shown.
    assert [g for g in compute(rows[3:])["gaps"] if g["kind"] == "management_vs_frontline"] == []


def test_employees_vs_customers_gap_for_bound_indicators():
    rows = [(r, "ORG-02", 4, "frontline", "Retail") for r in range(5)]  # employees: 75
    gaps = compute(rows, data={"ORG-02": 2})["gaps"]  # customers' NPS at level 2: 25
    assert gaps == [
        {
            "kind": "employees_vs_customers",
            "scope": "indicator",
            "code": "ORG-02",
            "metric": "nps",
            "employees": 75.0,
            "customers": 25.0,
            "gap": 50.0,
        }
    ]


@pytest.mark.parametrize(
    ("version", "metric", "value", "level"),
    [
        *[
            (version, "nps", value, level)
            for version in (1, 2)
            for value, level in ((-20.01, 1), (-20, 2), (0, 3), (10, 3), (20, 4), (50, 5))
        ],
        *[
            (version, "mystery_shopping", value, level)
            for version in (1, 2)
            for value, level in ((69.9, 2), (85, 4), (95, 5))
        ],
        (1, "csi", 49.9, 1),
        (1, "csi", 83.33, 4),
        (1, "csi", 90, 5),
        (1, "servqual", -2.5, 1),
        (1, "servqual", -1, 3),
        (1, "servqual", 0, 4),
        (1, "servqual", 0.5, 5),
        # Method 2: the CSI's 50–75 split at 62.5, level 5 from 80; the SERVQUAL gap in % of
        # the expectations (docs/methods.md §8).
        (2, "csi", 49.99, 1),
        (2, "csi", 62.49, 2),
        (2, "csi", 62.5, 3),
        (2, "csi", 74.99, 3),
        (2, "csi", 75, 4),
        (2, "csi", 79.99, 4),
        (2, "csi", 80, 5),
        (2, "servqual_gap", -20.01, 1),
        (2, "servqual_gap", -20, 2),
        (2, "servqual_gap", -10.01, 2),
        (2, "servqual_gap", -10, 3),
        (2, "servqual_gap", -5, 4),
        (2, "servqual_gap", -0.01, 4),
        (2, "servqual_gap", 0, 5),
    ],
)
def test_metric_thresholds(version, metric, value, level):
    assert metric_level(metric, value, default_thresholds(registry_of(version))) == level


def test_each_version_reads_servqual_by_its_own_metric():
    assert "servqual_gap" not in default_thresholds(registry_of(1))
    assert "servqual" not in default_thresholds(registry_of(2))


def test_custom_thresholds():
    assert metric_level("nps", 10, {"nps": (0, 5, 10, 15)}) == 4


def test_percentile_rank():
    assert percentile_rank(57, [40, 50, 60, 70, 80]) == 40
    assert percentile_rank(60, [40, 50, 60, 70, 80]) == 50


level_lists = st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(
    levels=level_lists,
    interview=st.one_of(st.none(), st.integers(1, 5)),
    data=st.one_of(st.none(), st.integers(1, 5)),
)
def test_scores_stay_within_0_and_100(levels, interview, data):
    rows = [(r, "ORG-01", level, "frontline", "Retail") for r, level in enumerate(levels)]
    result = compute(
        rows,
        interview={} if interview is None else {"ORG-01": interview},
        data={} if data is None else {"ORG-01": data},
    )
    for item in [*result["indicators"], *result["areas"], result["overall"]]:
        assert item["score"] is None or 0 <= item["score"] <= 100


@settings(max_examples=30, deadline=None)
@given(level=st.integers(1, 5), count=st.integers(1, 30))
def test_unanimous_answers_give_exactly_their_level_score(level, count):
    rows = [(r, code, level, "frontline", "Retail") for r in range(count) for code in INDICATORS.index]
    result = compute(rows)
    assert result["overall"]["score"] == (level - 1) * 25
    assert {item["score"] for item in result["indicators"]} == {(level - 1) * 25}


@settings(max_examples=60, deadline=None)
@given(levels=st.lists(st.integers(1, 5), min_size=1, max_size=30), extra=st.integers(1, 5))
def test_a_higher_answer_never_lowers_an_indicator(levels, extra):
    rows = [(r, "ORG-01", level, "frontline", "Retail") for r, level in enumerate(levels)]
    before = indicator(compute(rows), "ORG-01")["score"]
    after = indicator(
        compute([*rows, (999, "ORG-01", max(extra, max(levels)), "frontline", "Retail")]), "ORG-01"
    )["score"]
    assert after >= before


answer_rows = st.lists(
    st.tuples(
        st.integers(0, 30),
        st.sampled_from(list(INDICATORS.index)),
        st.one_of(st.none(), st.integers(1, 5)),
        st.sampled_from(["executive", "manager", "frontline"]),
        st.sampled_from(["Retail", "IT"]),
    ),
    max_size=80,
)


@settings(max_examples=40, deadline=None)
@given(rows=answer_rows)
def test_a_histogram_of_answers_scores_exactly_like_the_answers(rows):
    # One (indicator, respondent) answer each, respondents keep one role and department.
    unique = {
        (r, code): (r, code, level, ["executive", "manager", "frontline"][r % 3], ["Retail", "IT"][r % 2])
        for r, code, level, _role, _dept in rows
    }
    frame = answers(list(unique.values()))
    respondents = respondent_counts(frame)
    common = {
        "indicators": INDICATORS,
        "areas": AREAS,
        "interview": NONE,
        "data": NONE,
        "weights": DEFAULT_WEIGHTS,
        "anonymity_k": 2,
    }
    one_by_one = scores_compute(answers=frame.drop(columns="respondent"), respondents=respondents, **common)
    histogram = (
        frame.assign(level=frame["level"].astype("float64"))
        .groupby(["role", "department", "indicator", "level"], dropna=False)["count"]
        .sum()
        .reset_index()
    )
    grouped = scores_compute(answers=histogram, respondents=respondents, **common)
    assert _same(grouped, one_by_one)


def _same(left, right):
    if isinstance(left, dict):
        assert left.keys() == right.keys()
        return all(_same(left[key], right[key]) for key in left)
    if isinstance(left, list):
        assert len(left) == len(right)
        return all(_same(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, float):
        assert left == pytest.approx(right, abs=1e-9)
        return True
    assert left == right
    return True
