"""Customer metrics against the hand-checked examples of docs/methods.md §7."""

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.loyalty import (
    CSI_BANDS,
    LOYALTY_TYPES,
    churn_period_is_year,
    client_loyalty,
    csi_band,
    customer_metrics,
    mystery_summary,
    survey_comments,
)

OPENED = "2020-01-01"
START = dt.date(2024, 1, 1)
END = dt.date(2024, 12, 31)
REFERENCE = dt.date(2024, 12, 31)
DIMENSIONS = ("reliability", "responsiveness", "assurance", "empathy", "tangibles")


def dates(values) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values)), dtype="datetime64[ns]")


def customers_frame(rows) -> pd.DataFrame:
    """rows: dicts with client_id, and optionally segment, product_count, opened_on, closed_on,
    last_activity_on, annual_margin (dates as ISO strings or None)."""
    rows = list(rows)
    return pd.DataFrame(
        {
            "client_id": pd.Series([r["client_id"] for r in rows], dtype="str"),
            "segment": pd.Series([r.get("segment", "retail") for r in rows], dtype="str"),
            "product_count": pd.Series([r.get("product_count", 1) for r in rows], dtype="int64"),
            "opened_on": dates(r.get("opened_on", OPENED) for r in rows),
            "closed_on": dates(r.get("closed_on") for r in rows),
            "last_activity_on": dates(r.get("last_activity_on") for r in rows),
            "annual_margin": pd.Series([r.get("annual_margin", np.nan) for r in rows], dtype="float64"),
        }
    )


def survey_frame(rows) -> pd.DataFrame:
    """rows: (client_id, instrument, item, dimension, value)."""
    rows = list(rows)
    columns = ["client_id", "instrument", "item", "dimension", "value"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype(dict.fromkeys(columns[:4], "str") | {"value": "float64"})


def mystery_frame(rows) -> pd.DataFrame:
    """rows: (visit_id, branch, standard, result)."""
    frame = pd.DataFrame(list(rows), columns=["visit_id", "branch", "standard", "result"]).astype("str")
    return frame.assign(visited_on=dates(["2024-05-01"] * len(frame)))


def nps(client, value):
    return (client, "nps", "recommend", "", float(value))


def csi(client, item, value):
    return (client, "csi", item, "", float(value))


def servqual(client, dimension, expectation, perception, item="q1"):
    return [
        (client, "servqual_expectation", item, dimension, float(expectation)),
        (client, "servqual_perception", item, dimension, float(perception)),
    ]


def metrics(customers=None, survey=None, mystery=None, **kwargs):
    arguments = {"period_start": START, "period_end": END, "reference_date": REFERENCE} | kwargs
    return customer_metrics(customers=customers, survey=survey, mystery=mystery, **arguments)


def nps_summary(ratings: pd.Series | None) -> dict | None:
    """The NPS of these 0–10 ratings alone (one client each), as customer_metrics reports it."""
    rows = None if ratings is None else survey_frame(nps(f"c{n}", value) for n, value in enumerate(ratings))
    return metrics(survey=rows)["nps"]


def csi_summary(survey: pd.DataFrame | None) -> dict | None:
    """The CSI of a survey alone, as customer_metrics reports it."""
    return metrics(survey=survey)["csi"]


def servqual_summary(survey: pd.DataFrame | None) -> dict | None:
    """SERVQUAL of a survey alone, as customer_metrics reports it."""
    return metrics(survey=survey)["servqual"]


def assert_plain(value):
    """Plain JSON: Python scalars only, no NaN, no numpy types."""
    json.dumps(value, allow_nan=False)
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str
            assert_plain(item)
    elif isinstance(value, list):
        for item in value:
            assert_plain(item)
    else:
        assert value is None or type(value) in (str, int, float, bool), (value, type(value))


# --- NPS ----------------------------------------------------------------------------------------


def test_nps_hand_checked_example():
    result = nps_summary(pd.Series([10, 9, 9, 8, 7, 7, 6, 5, 10, 3], dtype="float64"))
    assert result["score"] == pytest.approx(10.0)
    assert result["promoters"] == pytest.approx(40.0)
    assert result["passives"] == pytest.approx(30.0)
    assert result["detractors"] == pytest.approx(30.0)
    assert result["n"] == 10
    low, high = result["ci95"]
    se = 100 * math.sqrt((0.4 + 0.3 - 0.1**2) / 10)
    assert se == pytest.approx(26.27, abs=0.005)
    assert (high - low) / 2 / 1.96 == pytest.approx(se)
    assert low == pytest.approx(-41.49, abs=0.01)
    assert high == pytest.approx(61.49, abs=0.01)
    assert_plain(result)


def test_nps_interval_is_clipped_to_the_scale():
    assert nps_summary(pd.Series([10.0, 0.0]))["ci95"] == [-100.0, 100.0]
    unanimous = nps_summary(pd.Series([9.0, 10.0, 10.0]))
    assert unanimous["score"] == 100.0
    assert unanimous["ci95"] == [100.0, 100.0]


def test_nps_ignores_missing_ratings_and_is_none_without_any():
    assert nps_summary(pd.Series([10.0, np.nan]))["n"] == 1
    assert nps_summary(pd.Series([], dtype="float64")) is None
    assert nps_summary(pd.Series([np.nan])) is None
    assert nps_summary(None) is None


# --- NPS of the relationship and of single interactions -----------------------------------------


def rating(client, instrument, value):
    return (client, instrument, "recommend", "", float(value))


def mixed_nps_survey():
    """Relationship ratings under both its names, transactional ratings under their own."""
    return survey_frame(
        [
            rating("a", "nps", 10),
            rating("b", "nps", 9),
            rating("c", "nps", 3),
            rating("d", "nps_relationship", 8),
            rating("e", "nps_relationship", 0),
            rating("a", "nps_transactional", 10),
            rating("b", "nps_transactional", 10),
            rating("c", "nps_transactional", 10),
            rating("d", "nps_transactional", 6),
        ]
    )


def test_relationship_and_transactional_nps_are_each_computed_from_their_own_rows():
    result = metrics(survey=mixed_nps_survey())
    # Relationship: 10, 9, 3 (nps) and 8, 0 (nps_relationship): 2 promoters, 1 passive,
    # 2 detractors of 5 → 40 % − 40 % = 0. Pooled with the transactional it would read 22.2.
    relationship = result["nps"]
    assert relationship["score"] == 0.0
    assert (relationship["promoters"], relationship["passives"], relationship["detractors"]) == (
        40.0,
        20.0,
        40.0,
    )
    assert relationship["n"] == 5
    # Transactional: 10, 10, 10, 6: 3 promoters and 1 detractor of 4 → 75 % − 25 % = 50;
    # se = 100·√((0.75 + 0.25 − 0.5²) / 4) = 43.30, interval 50 ± 84.87, clipped at 100.
    transactional = result["nps_transactional"]
    assert transactional["score"] == 50.0
    assert (transactional["promoters"], transactional["passives"], transactional["detractors"]) == (
        75.0,
        0.0,
        25.0,
    )
    assert transactional["n"] == 4
    assert transactional["ci95"] == [pytest.approx(50 - 1.96 * 100 * math.sqrt(0.75 / 4)), 100.0]
    assert_plain(result)


def test_each_nps_per_segment_from_its_own_rows():
    customers = customers_frame(
        [{"client_id": client, "segment": "mass" if client in "ab" else "premium"} for client in "abcde"]
    )
    result = metrics(customers=customers, survey=mixed_nps_survey())
    mass, premium = result["by_segment"]["mass"], result["by_segment"]["premium"]
    assert (mass["nps"]["score"], mass["nps"]["n"]) == (100.0, 2)  # 10, 9
    assert (mass["nps_transactional"]["score"], mass["nps_transactional"]["n"]) == (100.0, 2)  # 10, 10
    # 3, 8, 0: no promoter, 2 detractors of 3.
    assert premium["nps"]["score"] == pytest.approx(-200 / 3)
    assert premium["nps"]["n"] == 3
    assert (premium["nps_transactional"]["score"], premium["nps_transactional"]["n"]) == (0.0, 2)  # 10, 6
    assert_plain(result)


def test_either_nps_is_none_without_its_rows():
    only_relationship = metrics(survey=survey_frame([rating("a", "nps_relationship", 9)]))
    assert only_relationship["nps"]["score"] == 100.0
    assert only_relationship["nps_transactional"] is None
    only_transactional = metrics(
        customers=customers_frame([{"client_id": "a"}]),
        survey=survey_frame([rating("a", "nps_transactional", 9)]),
    )
    assert only_transactional["nps"] is None
    assert only_transactional["nps_transactional"]["score"] == 100.0
    assert only_transactional["by_segment"]["retail"]["nps"] is None
    assert only_transactional["by_segment"]["retail"]["nps_transactional"]["n"] == 1


def test_the_loyalty_criterion_reads_the_relationship_ratings_only():
    customers = customers_frame([{"client_id": "r"}, {"client_id": "t"}])
    survey = survey_frame(
        [
            # r: relationship 3 (not ≥ 7) however high its transactional ratings; CSI met.
            rating("r", "nps_relationship", 3),
            rating("r", "nps_transactional", 10),
            rating("r", "nps_transactional", 10),
            csi("r", "x", 5),
            # t: transactional only: the NPS criterion is unknown, so one criterion, unclassified.
            rating("t", "nps_transactional", 10),
            csi("t", "x", 5),
        ]
    )
    table = client_loyalty(customers, survey, REFERENCE)
    assert table.loc["r", "nps"] == 3.0
    assert (table.loc["r", "criteria_available"], table.loc["r", "criteria_met"]) == (2, 1)
    assert np.isnan(table.loc["t", "nps"])
    assert table.loc["t", "criteria_available"] == 1
    assert table.loc["t", "type"] == "unclassified"


# --- open answers -------------------------------------------------------------------------------


def commented(rows):
    """rows: (client_id, instrument, item, dimension, value, comment)."""
    frame = survey_frame(row[:5] for row in rows)
    return frame.assign(comment=pd.Series([row[5] for row in rows], dtype="str"))


def test_comments_are_counted_per_instrument_among_the_rows_that_count():
    survey = commented(
        [
            ("a", "nps", "recommend", "", 10.0, "Friendly staff"),
            ("a", "nps_transactional", "visit", "", 4.0, "Queue, one desk open"),
            ("b", "nps_transactional", "visit", "", 9.0, ""),
            ("b", "csi", "x", "", 4.0, ""),
            ("stranger", "nps", "recommend", "", 0.0, "Not a client of this base"),
        ]
    )
    result = metrics(customers=customers_frame([{"client_id": "a"}, {"client_id": "b"}]), survey=survey)
    assert result["comments"] == {
        "count": 2,
        "clients": 1,
        "by_instrument": {"nps": 1, "nps_transactional": 1, "csi": 0},
    }
    assert_plain(result)


def test_comments_are_unknown_for_a_survey_without_the_column_and_zero_without_any():
    assert metrics(survey=survey_frame([nps("a", 10)]))["comments"] is None
    assert metrics(survey=commented([("a", "nps", "recommend", "", 10.0, "")]))["comments"] == {
        "count": 0,
        "clients": 0,
        "by_instrument": {"nps": 0},
    }
    assert metrics()["comments"] is None


def test_survey_comments_lists_the_commented_rows_in_file_order():
    survey = commented(
        [
            ("b", "nps_transactional", "visit", "", 4.0, '=HYPERLINK("http://x")'),
            ("a", "csi", "x", "", 5.0, ""),
            ("a", "nps_relationship", "recommend", "", 9.0, "Good app, fair fees"),
            ("stranger", "nps", "recommend", "", 0.0, "Not in the base"),
        ]
    )
    table = survey_comments(
        survey=survey, customers=customers_frame([{"client_id": "a"}, {"client_id": "b"}])
    )
    assert list(table.columns) == ["client_id", "instrument", "item", "value", "comment"]
    assert table.to_dict("records") == [
        {
            "client_id": "b",
            "instrument": "nps_transactional",
            "item": "visit",
            "value": 4.0,
            "comment": '=HYPERLINK("http://x")',
        },
        {
            "client_id": "a",
            "instrument": "nps_relationship",
            "item": "recommend",
            "value": 9.0,
            "comment": "Good app, fair fees",
        },
    ]
    # Without customers every commented row counts; without the column or a survey, none.
    assert len(survey_comments(survey=survey, customers=None)) == 3
    assert survey_comments(survey=survey_frame([nps("a", 10)]), customers=None).empty
    assert list(survey_comments(survey=None, customers=None).columns) == list(table.columns)


# --- CSI ----------------------------------------------------------------------------------------


def test_csi_hand_checked_example():
    clients = [f"c{i}" for i in range(10)]
    item_answers = {
        "speed": [4] * 8 + [5] * 2,  # 4.2
        "courtesy": [4] * 8 + [3] * 2,  # 3.8
        "clarity": [5] * 5 + [4] * 5,  # 4.5
    }
    rows = [
        csi(client, item, value)
        for item, values in item_answers.items()
        for client, value in zip(clients, values, strict=True)
    ]
    result = csi_summary(survey_frame([*rows, nps("c0", 10)]))
    assert result["score"] == pytest.approx(12.5 / 15 * 100)
    assert result["score"] == pytest.approx(83.33, abs=0.005)
    assert result["band"] == "high"
    assert result["items"] == pytest.approx({"speed": 4.2, "courtesy": 3.8, "clarity": 4.5})
    assert result["n"] == 10
    # The clients' own CSIs: five of 13/15 and five of 12/15, ±10/3 around the mean, so the
    # standard error is (10/3)·√(10/9)/√10 = 10/9 and the interval 83.33 ± 1.96 · 10/9.
    assert result["ci95"] == pytest.approx([250 / 3 - 1.96 * 10 / 9, 250 / 3 + 1.96 * 10 / 9])
    assert_plain(result)


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (100.0, "high"),
        (80.0, "high"),
        (79.99, "medium"),
        (75.0, "medium"),
        (74.99, "insufficient"),
        (50.0, "insufficient"),
        (49.99, "low"),
        (20.0, "low"),
    ],
)
def test_csi_band_edges(score, band):
    assert csi_band(score) == band


def test_csi_bands_constant_runs_high_to_low():
    assert [band for band, _ in CSI_BANDS] == ["high", "medium", "insufficient", "low"]
    assert [edge for _, edge in CSI_BANDS][:3] == [80.0, 75.0, 50.0]


@pytest.mark.parametrize(
    ("answers", "score", "band"),
    [([4, 4], 80.0, "high"), ([4, 4, 4, 3], 75.0, "medium"), ([3, 2], 50.0, "insufficient")],
)
def test_csi_band_edges_from_answers(answers, score, band):
    rows = [csi(f"c{i}", "overall", v) for i, v in enumerate(answers)]
    result = csi_summary(survey_frame(rows))
    assert result["score"] == pytest.approx(score)
    assert result["band"] == band


def test_csi_is_none_without_csi_rows():
    assert csi_summary(None) is None
    assert csi_summary(survey_frame([])) is None
    assert csi_summary(survey_frame([nps("a", 9)])) is None


# --- SERVQUAL ----------------------------------------------------------------------------------

SERVQUAL_ROWS = [
    *servqual("a", "reliability", 5, 4),
    *servqual("b", "reliability", 5, 4),  # 4 − 5 = −1
    *servqual("a", "responsiveness", 4, 3),
    *servqual("b", "responsiveness", 4, 4),  # 3.5 − 4 = −0.5
    *servqual("a", "assurance", 4, 4),  # 0
    *servqual("a", "empathy", 4, 5),
    *servqual("b", "empathy", 5, 5),  # 5 − 4.5 = 0.5
    *servqual("b", "tangibles", 3, 4),
    *servqual("b", "tangibles", 3, 4, item="q2"),  # 4 − 3 = 1
]


def test_servqual_gaps_and_index():
    result = servqual_summary(survey_frame([*SERVQUAL_ROWS, nps("c", 9)]))
    assert result["gaps"] == pytest.approx(
        {"reliability": -1.0, "responsiveness": -0.5, "assurance": 0.0, "empathy": 0.5, "tangibles": 1.0}
    )
    assert result["index"] == pytest.approx(0.0)
    assert result["n"] == 2
    # The clients' own indices: a −1 (−1 − 1 + 0 + 1), b 0 (−1 + 0 + 0 + 1); their standard
    # deviation √0.5, the standard error 0.5, so 0 ± 1.96 · 0.5.
    assert result["ci95"] == pytest.approx([-0.98, 0.98])
    # Relative to the expectations: the index 0 over 5 + 4 + 4 + 4.5 + 3 = 20.5 is 0 %; per
    # client a −1 over 17 (−5.88 %) and b 0 over 17, so the standard error is (100/17)/2.
    assert result["relative"] == pytest.approx(0.0)
    assert result["relative_ci95"] == pytest.approx([-1.96 * 50 / 17, 1.96 * 50 / 17])
    assert_plain(result)


def test_servqual_index_is_none_when_a_dimension_lacks_a_side():
    rows = [row for row in SERVQUAL_ROWS if row[1:4:2] != ("servqual_perception", "tangibles")]
    result = servqual_summary(survey_frame(rows))
    assert result["gaps"]["tangibles"] is None
    assert result["gaps"]["reliability"] == pytest.approx(-1.0)
    assert result["index"] is None
    without_empathy = servqual_summary(survey_frame([r for r in SERVQUAL_ROWS if r[3] != "empathy"]))
    assert without_empathy["gaps"]["empathy"] is None
    assert without_empathy["index"] is None


def test_servqual_is_none_without_servqual_rows():
    assert servqual_summary(None) is None
    assert servqual_summary(survey_frame([csi("a", "x", 4)])) is None


# --- mystery shopping --------------------------------------------------------------------------


def test_mystery_shopping_excludes_not_applicable():
    frame = mystery_frame(
        [
            ("v1", "north", "greeting", "yes"),
            ("v1", "north", "queue", "no"),
            ("v1", "north", "farewell", "n/a"),
            ("v2", "north", "greeting", "yes"),
            ("v2", "north", "queue", "yes"),
            ("v3", "south", "greeting", "no"),
            ("v3", "south", "queue", "n/a"),
            ("v4", "east", "farewell", "n/a"),
        ]
    )
    result = mystery_summary(frame)
    assert result["compliance"] == pytest.approx(60.0)  # 3 yes / 5 rated
    assert result["by_branch"] == pytest.approx({"north": 75.0, "south": 0.0, "east": None})
    assert result["by_standard"] == pytest.approx({"greeting": 200 / 3, "queue": 50.0, "farewell": None})
    assert result["visits"] == 4
    # Per visit 50, 100 and 0 % (v4 checked nothing): standard deviation 50, standard error
    # 50/√3; the interval around 60 is clipped at 100.
    assert result["ci95"] == pytest.approx([60 - 1.96 * 50 / 3**0.5, 100.0])
    assert_plain(result)


def test_mystery_shopping_is_none_without_visits():
    assert mystery_summary(None) is None
    assert mystery_summary(mystery_frame([])) is None
    only_na = mystery_summary(mystery_frame([("v1", "north", "greeting", "n/a")]))
    assert only_na["compliance"] is None
    assert only_na["visits"] == 1


# --- product load, churn, CLV, activity ---------------------------------------------------------


def test_product_load_hand_checked_example():
    active = [{"client_id": f"a{i}", "product_count": 3 if i < 600 else 2} for i in range(1000)]
    not_active = [
        {"client_id": "closed", "product_count": 50, "closed_on": "2024-06-01"},
        {"client_id": "closed-on-reference", "product_count": 50, "closed_on": "2024-12-31"},
        {"client_id": "future", "product_count": 50, "opened_on": "2025-01-01"},
    ]
    result = metrics(customers=customers_frame(active + not_active))
    assert result["product_load"]["overall"] == pytest.approx(2.6)
    assert result["product_load"]["by_segment"] == pytest.approx({"retail": 2.6})


def churn_customers(active_at_start=1000, closed=120, margin=200.0):
    rows = [
        {"client_id": f"c{i}", "closed_on": "2024-07-15" if i < closed else None, "annual_margin": margin}
        for i in range(active_at_start)
    ]
    rows += [
        {"client_id": "gone-before", "closed_on": "2023-12-31", "annual_margin": 1e6},
        {"client_id": "opened-later", "opened_on": "2024-01-02", "closed_on": "2024-06-01"},
    ]
    return rows


def test_churn_hand_checked_example():
    result = metrics(customers=customers_frame(churn_customers()))
    assert result["churn"] == {
        "rate": pytest.approx(12.0),
        "closed": 120,
        "active_at_start": 1000,
        "period": ["2024-01-01", "2024-12-31"],
    }


def test_churn_period_bounds_are_inclusive():
    rows = [
        {"client_id": "closed-on-start", "closed_on": "2024-01-01"},
        {"client_id": "closed-on-end", "closed_on": "2024-12-31"},
        {"client_id": "closed-after", "closed_on": "2025-01-01"},
        {"client_id": "opened-on-start", "opened_on": "2024-01-01"},
    ]
    churn = metrics(customers=customers_frame(rows))["churn"]
    assert (churn["closed"], churn["active_at_start"]) == (2, 4)
    assert churn["rate"] == pytest.approx(50.0)


def test_churn_is_none_without_clients_active_at_start():
    rows = [{"client_id": "new", "opened_on": "2024-03-01"}]
    result = metrics(customers=customers_frame(rows))
    assert result["churn"] is None
    assert result["clv"] is None
    assert result["product_load"]["overall"] == 1.0


def test_clv_hand_checked_example():
    result = metrics(customers=customers_frame(churn_customers()), discount_rate=0.10)
    # m 200 (closed clients' margins do not count), churn 12 %, d 10 % → 176 / 0.22
    assert result["clv"]["overall"] == pytest.approx(800.0)
    assert result["clv"]["by_segment"] == pytest.approx({"retail": 800.0})
    assert result["clv"]["discount_rate"] == 0.10


# --- method 2: behavioural churn, annualised (docs/methods.md §7.8) ----------------------------


def behaviour_customers():
    """Clients active at the start of 2024 (the period 2024-01-01 … 2024-12-31, a year) unless
    said: how each counts, with the period ending on 31 December."""
    return [
        # mass
        {
            "client_id": "closed",
            "segment": "mass",
            "closed_on": "2024-05-01",
            "last_activity_on": "2024-04-20",
        },
        {"client_id": "quiet", "segment": "mass", "last_activity_on": "2024-09-01"},  # 121 days: inactive
        {"client_id": "edge-90", "segment": "mass", "last_activity_on": "2024-10-02"},  # 90 days: not
        # premium
        {"client_id": "edge-91", "segment": "premium", "last_activity_on": "2024-10-01"},  # 91: inactive
        {"client_id": "never", "segment": "premium"},  # no activity recorded: inactive
        {"client_id": "active", "segment": "premium", "last_activity_on": "2024-12-20"},
        # Closes after the period, silent for 214 days before its end: inactive, not closed.
        {
            "client_id": "closed-after",
            "segment": "premium",
            "closed_on": "2025-02-01",
            "last_activity_on": "2024-06-01",
        },
        # Both closed in the period and silent for long: closed, counted once.
        {
            "client_id": "closed-quiet",
            "segment": "premium",
            "closed_on": "2024-11-30",
            "last_activity_on": "2024-01-15",
        },
        # Not active at the start: no part of any churn.
        {"client_id": "new", "segment": "mass", "opened_on": "2024-03-01"},
        {"client_id": "gone-before", "segment": "mass", "closed_on": "2023-12-01"},
    ]


@pytest.mark.parametrize(
    ("basis", "churned", "rate", "interval"),
    [
        # Wilson's 95 % intervals of 2, 4 and 6 of 8.
        ("closed", 2, 25.0, [7.15, 59.07]),
        ("inactive", 4, 50.0, [21.52, 78.48]),
        ("both", 6, 75.0, [40.93, 92.85]),
    ],
)
def test_behavioural_churn_hand_checked_by_basis(basis, churned, rate, interval):
    # At the start 8; closed in the period: closed, closed-quiet; inactive: quiet, edge-91, never,
    # closed-after; both: the 6 of them, closed-quiet once.
    churn = metrics(customers=customers_frame(behaviour_customers()), churn_basis=basis)["churn"]
    assert churn == {
        "rate": pytest.approx(rate),
        "ci95": pytest.approx(interval, abs=0.005),
        "closed": 2,
        "active_at_start": 8,
        "period": ["2024-01-01", "2024-12-31"],
        "inactive": 4,
        "churned": churned,
        "basis": basis,
        "period_rate": pytest.approx(rate),
        "days": 366,
        "annualised": False,
    }


def test_behavioural_churn_per_segment_never_counts_a_client_twice():
    result = metrics(customers=customers_frame(behaviour_customers()), churn_basis="both")
    mass, premium = (result["by_segment"][name]["churn"] for name in ("mass", "premium"))
    # mass: closed, quiet, edge-90 at the start → 1 closed + 1 inactive of 3.
    assert (mass["active_at_start"], mass["closed"], mass["inactive"], mass["churned"]) == (3, 1, 1, 2)
    assert mass["rate"] == pytest.approx(200 / 3)
    # premium: 5 at the start → closed-quiet closed; edge-91, never, closed-after inactive.
    assert (premium["active_at_start"], premium["closed"], premium["inactive"], premium["churned"]) == (
        5,
        1,
        3,
        4,
    )
    assert premium["rate"] == pytest.approx(80.0)
    overall = result["churn"]
    assert (
        overall["churned"] == overall["closed"] + overall["inactive"] == mass["churned"] + premium["churned"]
    )
    assert_plain(result)


def test_without_activity_dates_inactivity_is_unknown_not_everyone():
    rows = [{"client_id": f"c{i}", "closed_on": "2024-06-01" if i < 2 else None} for i in range(10)]
    both = metrics(customers=customers_frame(rows), churn_basis="both")["churn"]
    assert (both["closed"], both["inactive"], both["churned"]) == (2, None, 2)
    assert both["rate"] == pytest.approx(20.0)
    inactive = metrics(customers=customers_frame(rows), churn_basis="inactive")
    assert inactive["churn"] is None and inactive["clv"] is None


def half_year_customers():
    """10 clients active at the start, one closing within the period, all the others active."""
    return [
        {
            "client_id": f"c{i}",
            "closed_on": "2024-09-01" if i == 0 else None,
            "last_activity_on": "2024-08-15" if i == 0 else "2024-12-20",
            "annual_margin": 100.0,
        }
        for i in range(10)
    ]


HALF_YEAR = {"period_start": dt.date(2024, 7, 3), "period_end": dt.date(2024, 12, 31)}  # 182 days


def test_a_half_year_is_annualised_and_labelled_so():
    result = metrics(customers=customers_frame(half_year_customers()), churn_basis="both", **HALF_YEAR)
    churn = result["churn"]
    # 10 % over 182 days → 1 − 0.9^(365.25 / 182) = 19.0586 % a year.
    assert churn["period_rate"] == pytest.approx(10.0)
    assert churn["days"] == 182 and churn["annualised"] is True
    assert churn["rate"] == pytest.approx(19.058592820818032)
    assert churn["rate"] == pytest.approx(100 * (1 - 0.9 ** (365.25 / 182)))
    # Wilson's interval of 1 of 10, 1.79 to 40.42 %, annualised end by end.
    assert churn["ci95"] == pytest.approx([3.555, 64.623], abs=0.001)
    assert result["by_segment"]["retail"]["churn"]["rate"] == pytest.approx(19.058592820818032)
    # CLV with the annual retention r = 0.9^(365.25 / 182) = 0.809414: m 100 (the 9 still
    # active), d 10 % → 100 · r / (1.1 − r) = 278.55.
    assert result["clv"]["overall"] == pytest.approx(278.5455155323084)
    assert result["clv"]["by_segment"]["retail"] == pytest.approx(278.5455155323084)
    assert_plain(result)


def test_method_1_keeps_the_periods_rate_of_closures():
    """Without a basis (method 1): closures only, the period's rate as it is, the old fields only,
    CLV reading that rate as annual: 100 · 0.9 / (1.1 − 0.9) = 450."""
    result = metrics(customers=customers_frame(half_year_customers()), **HALF_YEAR)
    assert result["churn"] == {
        "rate": pytest.approx(10.0),
        "closed": 1,
        "active_at_start": 10,
        "period": ["2024-07-03", "2024-12-31"],
    }
    assert result["clv"]["overall"] == pytest.approx(450.0)
    old = metrics(customers=customers_frame(behaviour_customers()))["churn"]
    assert (old["rate"], set(old)) == (25.0, {"rate", "closed", "active_at_start", "period"})


@pytest.mark.parametrize(
    ("start", "end", "year"),
    [
        ("2025-01-01", "2025-12-31", True),  # 365 days
        ("2024-01-01", "2024-12-31", True),  # 366 days, a leap year
        ("2024-02-29", "2025-02-28", True),  # the default period up to 28 February 2025
        ("2023-03-01", "2024-02-29", True),  # … and up to 29 February 2024
        ("2025-01-01", "2026-01-01", False),  # 366 days, a day more than a year
        ("2025-01-02", "2025-12-31", False),  # 364 days
        ("2024-07-03", "2024-12-31", False),
    ],
)
def test_a_year_is_the_12_calendar_months_up_to_the_periods_end(start, end, year):
    assert churn_period_is_year(dt.date.fromisoformat(start), dt.date.fromisoformat(end)) is year


def test_a_longer_period_is_annualised_down():
    rows = [{"client_id": f"c{i}", "closed_on": "2024-06-01" if i < 3 else None} for i in range(10)]
    for row in rows:
        row["last_activity_on"] = "2024-12-30"
    period = {"period_start": dt.date(2023, 1, 1), "period_end": dt.date(2024, 12, 31)}  # 731 days
    churn = metrics(customers=customers_frame(rows), churn_basis="closed", **period)["churn"]
    assert churn["period_rate"] == pytest.approx(30.0) and churn["days"] == 731
    # 0.7^(365.25 / 731) = e^(0.49966 · ln 0.7) = 0.83676 → 16.32 % a year.
    assert churn["rate"] == pytest.approx(100 * (1 - 0.7 ** (365.25 / 731)))
    assert churn["rate"] == pytest.approx(16.3238, abs=1e-4)


def test_an_unknown_basis_fails_loudly():
    with pytest.raises(ValueError, match="churn_basis 'all'"):
        metrics(customers=customers_frame(behaviour_customers()), churn_basis="all")


def test_clv_ignores_missing_margins_and_is_none_without_any():
    rows = churn_customers()
    rows[500]["annual_margin"] = np.nan
    assert metrics(customers=customers_frame(rows))["clv"]["overall"] == pytest.approx(800.0)
    result = metrics(customers=customers_frame(churn_customers(margin=np.nan)))
    assert result["clv"] is None
    assert result["by_segment"]["retail"]["clv"] is None


def test_activity_segment_edges():
    reference = pd.Timestamp(REFERENCE)

    def days_ago(days):
        return (reference - pd.Timedelta(days=days)).date().isoformat()

    rows = [
        {"client_id": "today", "last_activity_on": days_ago(0)},
        {"client_id": "d30", "last_activity_on": days_ago(30)},
        {"client_id": "d31", "last_activity_on": days_ago(31)},
        {"client_id": "d90", "last_activity_on": days_ago(90)},
        {"client_id": "d91", "last_activity_on": days_ago(91)},
        {"client_id": "never"},
        {"client_id": "closed", "last_activity_on": days_ago(1), "closed_on": days_ago(0)},
        {"client_id": "closes-later", "last_activity_on": days_ago(1), "closed_on": "2025-02-01"},
        {"client_id": "opens-later", "opened_on": "2025-01-15"},
    ]
    assert metrics(customers=customers_frame(rows))["activity"] == {
        "active": 3,
        "passive": 2,
        "at_risk": 2,
        "churned": 1,
    }


# --- loyalty types ------------------------------------------------------------------------------


def loyalty_of(products: dict, survey_rows, closed=()) -> pd.DataFrame:
    rows = [
        {"client_id": client, "product_count": count, "closed_on": "2024-06-01" if client in closed else None}
        for client, count in products.items()
    ]
    return client_loyalty(customers_frame(rows), survey_frame(survey_rows), REFERENCE)


def test_each_of_the_four_types_and_unclassified():
    table = loyalty_of(
        {"loyal": 4, "satisfied": 1, "captive": 4, "disloyal": 1, "unknown": 1},  # segment mean 2.2
        [
            csi("loyal", "a", 4),
            csi("loyal", "b", 4),
            nps("loyal", 9),
            csi("satisfied", "a", 5),
            nps("satisfied", 10),
            *servqual("satisfied", "empathy", 4, 5),
            csi("captive", "a", 2),
            nps("captive", 3),
            csi("disloyal", "a", 2),
            nps("disloyal", 8),
            *servqual("disloyal", "reliability", 5, 4),
            nps("unknown", 10),
        ],
    )
    assert table["type"].to_dict() == {
        "loyal": "loyal",
        "satisfied": "satisfied",
        "captive": "captive",
        "disloyal": "disloyal",
        "unknown": "unclassified",
    }
    assert table.loc["loyal", "csi"] == pytest.approx(80.0)
    assert table.loc["disloyal", "servqual"] == pytest.approx(-1.0)
    assert table.loc["disloyal", ["criteria_available", "criteria_met"]].tolist() == [3, 1]
    assert math.isnan(table.loc["unknown", "csi"])
    assert table["high_load"].tolist() == [True, False, True, False, False]
    assert table.index.name == "client_id"
    assert list(table.columns) == [
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
    assert table["high_load"].dtype == bool
    assert table["criteria_available"].dtype == "int64"
    assert set(table["type"]) <= set(LOYALTY_TYPES)


def test_product_count_equal_to_the_segment_mean_is_low_load():
    table = loyalty_of({"a": 2, "b": 2, "c": 1, "d": 3}, [])  # mean 2
    assert table["high_load"].to_dict() == {"a": False, "b": False, "c": False, "d": True}


def test_only_one_criterion_available_is_unclassified():
    table = loyalty_of({"a": 1}, [csi("a", "x", 5), csi("a", "y", 5)])
    assert table.loc["a", "criteria_available"] == 1
    assert table.loc["a", "criteria_met"] == 1
    assert table.loc["a", "type"] == "unclassified"


def test_exactly_two_of_three_met_is_satisfied():
    table = loyalty_of({"a": 1}, [csi("a", "x", 5), nps("a", 9), *servqual("a", "empathy", 5, 3)])
    assert table.loc["a", ["criteria_available", "criteria_met"]].tolist() == [3, 2]
    assert table.loc["a", "type"] == "satisfied"


def test_two_available_both_met_is_satisfied_one_met_is_not():
    table = loyalty_of(
        {"both": 1, "one": 1},
        [
            nps("both", 7),
            *servqual("both", "tangibles", 4, 4),
            nps("one", 6),
            *servqual("one", "tangibles", 4, 5),
        ],
    )
    assert table.loc["both", ["criteria_available", "criteria_met"]].tolist() == [2, 2]
    assert table.loc["both", "type"] == "satisfied"
    assert table.loc["one", ["criteria_available", "criteria_met"]].tolist() == [2, 1]
    assert table.loc["one", "type"] == "disloyal"


def test_criteria_thresholds_are_inclusive():
    # CSI exactly 75 % (item means 3.7 and 3.8), mean rating exactly 7, SERVQUAL exactly 0.
    rows = [
        csi("a", "x", 3.7),
        csi("a", "y", 3.8),
        nps("a", 6),
        nps("a", 8),
        *servqual("a", "assurance", 4, 4),
    ]
    table = loyalty_of({"a": 1}, rows)
    assert table.loc["a", "csi"] == pytest.approx(75.0)
    assert table.loc["a", "nps"] == 7.0
    assert table.loc["a", "criteria_met"] == 3


def test_client_servqual_sums_the_dimensions_the_client_has_both_sides_for():
    rows = [
        *servqual("a", "reliability", 4, 5),
        *servqual("a", "empathy", 4, 2),
        ("a", "servqual_expectation", "q1", "tangibles", 5.0),
        ("b", "servqual_perception", "q1", "tangibles", 5.0),
    ]
    table = loyalty_of({"a": 1, "b": 1}, rows)
    assert table.loc["a", "servqual"] == pytest.approx(-1.0)
    assert math.isnan(table.loc["b", "servqual"])


def test_closed_clients_are_not_classified_and_do_not_count_in_the_segment_mean():
    table = loyalty_of({"a": 1, "b": 2, "gone": 30}, [nps("gone", 10), csi("gone", "x", 5)], closed={"gone"})
    assert list(table.index) == ["a", "b"]
    assert table["high_load"].to_dict() == {"a": False, "b": True}  # mean 1.5, not 11


def test_client_loyalty_without_customers_is_an_empty_frame():
    table = client_loyalty(None, None, REFERENCE)
    assert table.empty
    assert "type" in table.columns


# --- absent inputs ------------------------------------------------------------------------------

SURVEY_METRICS = ("nps", "nps_transactional", "csi", "servqual", "comments")
CUSTOMER_METRICS = ("product_load", "churn", "clv", "activity")


@pytest.mark.parametrize("empty", [False, True])
def test_absent_inputs_give_none_not_zero(empty):
    result = (
        metrics(customers=customers_frame([]), survey=survey_frame([]), mystery=mystery_frame([]))
        if empty
        else metrics()
    )
    for key in (*SURVEY_METRICS, *CUSTOMER_METRICS, "mystery_shopping", "loyalty_types"):
        assert result[key] is None, key
    assert result["by_segment"] == {}
    assert_plain(result)


def test_customers_without_survey_give_no_survey_metrics():
    rows = [{"client_id": "a", "annual_margin": 100.0}, {"client_id": "b", "closed_on": "2024-03-01"}]
    result = metrics(customers=customers_frame(rows))
    for key in (*SURVEY_METRICS, "loyalty_types", "mystery_shopping"):
        assert result[key] is None, key
    for key in CUSTOMER_METRICS:
        assert result[key] is not None, key
    segment = result["by_segment"]["retail"]
    assert segment["nps"] is None
    assert segment["nps_transactional"] is None
    assert segment["csi"] is None
    assert segment["loyalty_types"] is None
    assert segment["churn"]["rate"] == pytest.approx(50.0)
    assert_plain(result)


def test_survey_without_customers_gives_survey_metrics_only():
    result = metrics(survey=survey_frame([nps("a", 10), csi("a", "x", 4)]))
    assert result["nps"]["score"] == 100.0
    assert result["csi"]["score"] == pytest.approx(80.0)
    for key in (*CUSTOMER_METRICS, "loyalty_types"):
        assert result[key] is None, key
    assert result["by_segment"] == {}


def test_survey_rows_of_unknown_clients_are_dropped():
    result = metrics(
        customers=customers_frame([{"client_id": "a"}]),
        survey=survey_frame([nps("a", 10), nps("stranger", 0), csi("stranger", "x", 1)]),
    )
    assert result["nps"]["n"] == 1
    assert result["nps"]["score"] == 100.0
    assert result["csi"] is None


# --- by segment ---------------------------------------------------------------------------------


def two_segments():
    customers = customers_frame(
        [
            {"client_id": "m1", "segment": "mass", "product_count": 2, "annual_margin": 100.0},
            {"client_id": "m2", "segment": "mass", "product_count": 1, "annual_margin": 300.0},
            {
                "client_id": "m3",
                "segment": "mass",
                "product_count": 3,
                "annual_margin": 500.0,
                "closed_on": "2024-06-30",
            },
            {"client_id": "p1", "segment": "premium", "product_count": 4, "annual_margin": 1000.0},
            {"client_id": "p2", "segment": "premium", "product_count": 2},
        ]
    )
    survey = survey_frame(
        [
            nps("m1", 10),
            nps("m2", 6),
            nps("p1", 9),
            nps("p2", 9),
            csi("m1", "a", 4),
            csi("p1", "a", 5),
            csi("p2", "a", 2),
        ]
    )
    return metrics(customers=customers, survey=survey, mystery=None, discount_rate=0.10)


def test_by_segment_on_two_segments():
    result = two_segments()
    mass, premium = result["by_segment"]["mass"], result["by_segment"]["premium"]
    assert list(result["by_segment"]) == ["mass", "premium"]

    assert mass["nps"]["score"] == 0.0
    assert mass["nps"]["n"] == 2
    assert premium["nps"]["score"] == 100.0
    assert mass["csi"]["score"] == pytest.approx(80.0)
    assert mass["csi"]["n"] == 1
    assert premium["csi"]["score"] == pytest.approx(70.0)
    assert premium["csi"]["band"] == "insufficient"

    assert mass["product_load"] == pytest.approx(1.5)
    assert premium["product_load"] == pytest.approx(3.0)
    assert (mass["churn"]["closed"], mass["churn"]["active_at_start"]) == (1, 3)
    assert mass["churn"]["rate"] == pytest.approx(100 / 3)
    assert premium["churn"]["rate"] == 0.0
    # mass: m 200, r 2/3 → 200·(2/3) / (1.1 − 2/3); premium: m 1000, r 1 → 1000 / 0.1
    assert mass["clv"] == pytest.approx(200 * (2 / 3) / (1.1 - 2 / 3))
    assert mass["clv"] == pytest.approx(307.69, abs=0.01)
    assert premium["clv"] == pytest.approx(10000.0)

    assert mass["loyalty_types"] == {
        "loyal": 1,
        "satisfied": 0,
        "captive": 0,
        "disloyal": 0,
        "unclassified": 1,
    }
    assert premium["loyalty_types"] == {
        "loyal": 1,
        "satisfied": 0,
        "captive": 0,
        "disloyal": 1,
        "unclassified": 0,
    }
    assert_plain(result)


def test_overall_metrics_of_the_two_segment_example():
    result = two_segments()
    assert result["nps"]["score"] == 50.0
    assert result["product_load"] == {"overall": 2.25, "by_segment": {"mass": 1.5, "premium": 3.0}}
    assert result["churn"]["rate"] == pytest.approx(20.0)
    assert result["clv"]["overall"] == pytest.approx((1400 / 3) * 0.8 / 0.3)
    assert result["clv"]["by_segment"]["premium"] == pytest.approx(10000.0)
    assert result["loyalty_types"] == {
        "loyal": 2,
        "satisfied": 0,
        "captive": 0,
        "disloyal": 1,
        "unclassified": 1,
    }
    assert result["activity"] == {"active": 0, "passive": 0, "at_risk": 4, "churned": 1}


# --- properties ---------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(ratings=st.lists(st.integers(0, 10), min_size=1, max_size=200))
def test_nps_property_range_and_shares(ratings):
    result = nps_summary(pd.Series(ratings, dtype="float64"))
    assert -100.0 <= result["score"] <= 100.0
    assert result["promoters"] + result["passives"] + result["detractors"] == pytest.approx(100.0)
    low, high = result["ci95"]
    assert -100.0 <= low <= result["score"] <= high <= 100.0


@settings(max_examples=60, deadline=None)
@given(
    answers=st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from(["a", "b", "c"]), st.integers(1, 5)),
        min_size=1,
        max_size=60,
    )
)
def test_csi_property_range(answers):
    result = csi_summary(survey_frame(csi(f"c{client}", item, value) for client, item, value in answers))
    assert 20.0 - 1e-9 <= result["score"] <= 100.0 + 1e-9
    assert result["band"] == csi_band(result["score"])


@settings(max_examples=60, deadline=None)
@given(
    clients=st.lists(
        st.tuples(st.integers(-800, 800), st.one_of(st.none(), st.integers(0, 900))),
        min_size=1,
        max_size=40,
    )
)
def test_churn_property_range(clients):
    base = pd.Timestamp(START)
    rows = [
        {
            "client_id": f"c{i}",
            "opened_on": (base + pd.Timedelta(days=opened)).date().isoformat(),
            "closed_on": None
            if lifetime is None
            else (base + pd.Timedelta(days=opened + lifetime)).date().isoformat(),
        }
        for i, (opened, lifetime) in enumerate(clients)
    ]
    churn = metrics(customers=customers_frame(rows))["churn"]
    if churn is not None:
        assert 0.0 <= churn["rate"] <= 100.0
        assert 0 <= churn["closed"] <= churn["active_at_start"]


@settings(max_examples=60, deadline=None)
@given(
    clients=st.lists(
        st.tuples(
            st.integers(-800, 800),
            st.one_of(st.none(), st.integers(0, 900)),
            st.one_of(st.none(), st.integers(-800, 400)),
        ),
        min_size=1,
        max_size=40,
    ),
    days=st.integers(1, 900),
)
def test_behavioural_churn_property_union_and_range(clients, days):
    base = pd.Timestamp(START)

    def day(offset):
        return None if offset is None else (base + pd.Timedelta(days=offset)).date().isoformat()

    rows = [
        {
            "client_id": f"c{i}",
            "opened_on": day(opened),
            "closed_on": None if lifetime is None else day(opened + lifetime),
            "last_activity_on": day(seen),
        }
        for i, (opened, lifetime, seen) in enumerate(clients)
    ]
    period = {"period_start": START, "period_end": START + dt.timedelta(days=days - 1)}
    frame = customers_frame(rows)
    both = metrics(customers=frame, churn_basis="both", **period)["churn"]
    closed = metrics(customers=frame, churn_basis="closed", **period)["churn"]
    if both is None:
        return
    inactive = both["inactive"] or 0
    assert both["churned"] == both["closed"] + inactive <= both["active_at_start"]
    assert closed["closed"] == both["closed"] and closed["churned"] == both["closed"]
    assert both["days"] == days
    for churn in (both, closed):
        assert 0.0 <= churn["period_rate"] <= 100.0 and 0.0 <= churn["rate"] <= 100.0 + 1e-9
        if not churn["annualised"]:
            assert churn["rate"] == churn["period_rate"]
