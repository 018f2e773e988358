"""The churn-risk model on generated clients whose churn follows a known signal
(docs/methods.md §13)."""

import datetime

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from assessment.churn_model import (
    BOOTSTRAP_SAMPLES,
    _auc_interval,
    churn_model_fit,
    churn_model_frame,
)
from assessment.loyalty import churn_at_risk


def _clients(n: int, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Clients whose churn depends on a monthly fee, their product count and the mass segment
    (and on nothing else: tenure, margin and the contract type are noise); the features, the
    labels drawn and the true probabilities."""
    rng = np.random.default_rng(seed)
    segment = rng.choice(["mass", "premium", "sme"], n, p=[0.6, 0.25, 0.15])
    products = rng.integers(1, 6, n).astype(float)
    fee = rng.normal(0, 1, n)
    probability = 1 / (1 + np.exp(-(-2.2 + 1.2 * fee - 0.35 * (products - 3) + 0.6 * (segment == "mass"))))
    features = pd.DataFrame(
        {
            "segment": segment,
            "product_count": products,
            "tenure_days": rng.exponential(900, n),
            "annual_margin": rng.lognormal(5, 1, n),
            "x_monthly_fee": fee,
            "x_contract": rng.choice(["fixed", "flexible"], n),
        },
        index=pd.Index([f"C-{i:05d}" for i in range(n)], name="client_id"),
    )
    return features, rng.random(n) < probability, probability


@pytest.fixture(scope="module")
def known_signal():
    features, churned, probability = _clients(1500)
    return features, churned, probability, churn_model_fit(features, churned)


def test_the_model_recovers_a_known_signal(known_signal):
    features, churned, probability, model = known_signal
    # No model ranks better than the true probabilities; with 1,500 clients (about 18 % churned)
    # the AUC's sampling error is about 0.015, so an honest model comes within 0.045 of it.
    best = roc_auc_score(churned, probability)
    assert model.status == "ready"
    assert model.clients == 1500
    assert model.churned == int(churned.sum())
    assert best - 0.045 <= model.auc <= best + 0.045
    assert model.auc_ci[0] < model.auc < model.auc_ci[1]
    assert model.auc_ci[1] - model.auc_ci[0] < 0.1
    assert (model.drivers[0]["feature"], model.drivers[0]["direction"]) == ("x_monthly_fee", "raises")
    assert model.drivers[0]["importance"] > 0.1
    product_count = next(driver for driver in model.drivers if driver["feature"] == "product_count")
    assert product_count["direction"] == "lowers"
    # The top decile of risk churns more than twice as often as the clients overall.
    assert model.top_decile_lift > 2
    # Calibrated: in every decile the predicted share is within 0.08 of the observed one.
    assert [row["clients"] for row in model.calibration] == [150] * 10
    assert all(abs(row["predicted"] - row["observed"]) < 0.08 for row in model.calibration)
    assert model.brier == pytest.approx(float(np.mean((model.risk.to_numpy() - churned) ** 2)))
    assert list(model.risk.index) == list(features.index)


def test_a_shuffled_label_ranks_no_better_than_chance(known_signal):
    features, churned, _probability, _model = known_signal
    shuffled = np.random.default_rng(7).permutation(churned)
    model = churn_model_fit(features, shuffled)
    assert model.auc_ci[0] < 0.5 < model.auc_ci[1]
    assert abs(model.auc - 0.5) < 0.05


def test_a_clients_risk_does_not_depend_on_its_own_label(known_signal):
    features, churned, _probability, model = known_signal
    client = 123
    flipped = churned.copy()
    flipped[client] = not flipped[client]
    again = churn_model_fit(features, flipped)
    assert again.risk.iloc[client] == model.risk.iloc[client]
    # The flip did reach the models that predict the other folds.
    assert (again.risk != model.risk).sum() > 100


def test_too_few_clients_or_churned_is_insufficient_data():
    features, churned, _probability = _clients(199)
    small = churn_model_fit(features, churned)
    assert (small.status, small.clients, small.auc, small.risk) == ("insufficient_data", 199, None, None)
    assert "at least 200 clients" in small.reason
    features, _churned, _probability = _clients(400)
    few = np.zeros(400, dtype=bool)
    few[:29] = True
    assert churn_model_fit(features, few).status == "insufficient_data"


def test_the_frame_knows_only_the_period_start():
    day = pd.Timestamp
    customers = pd.DataFrame(
        {
            "client_id": ["A", "B", "C", "D", "E"],
            "segment": ["mass", "mass", "premium", "sme", "mass"],
            "product_count": [2, 1, 4, 3, 1],
            "opened_on": [
                day("2020-01-01"),
                day("2023-06-01"),
                day("2024-12-31"),
                day("2025-02-01"),
                day("2019-05-05"),
            ],
            "closed_on": [pd.NaT, day("2025-09-30"), pd.NaT, pd.NaT, day("2024-12-31")],
            "last_activity_on": [
                day("2025-12-01"),
                day("2025-09-01"),
                day("2025-03-15"),
                day("2025-12-20"),
                pd.NaT,
            ],
            "annual_margin": [100.0, 50.0, None, 70.0, 10.0],
            "x_contract": ["fixed", "flexible", None, "fixed", "fixed"],
        }
    )
    start, end = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)
    features, churned = churn_model_frame(customers, start=start, end=end, basis=None)
    # D opened after the start and E closed before it: they were no clients at the start.
    assert list(features.index) == ["A", "B", "C"]
    assert list(features.columns) == [
        "segment",
        "product_count",
        "tenure_days",
        "annual_margin",
        "x_contract",
    ]
    assert features["tenure_days"].tolist() == [1827.0, 580.0, 1.0]
    assert features.loc["B", "x_contract"] == "flexible"
    assert pd.isna(features.loc["C", "annual_margin"])
    # Method 1: only B closed within the period.
    assert churned.tolist() == [False, True, False]
    # Method 2, closures and inactivity: C, open but silent since March, churned too.
    assert churn_model_frame(customers, start=start, end=end, basis="both")[1].tolist() == [False, True, True]
    inactive = churn_model_frame(customers, start=start, end=end, basis="inactive")[1]
    assert inactive.tolist() == [False, False, True]
    # The client's own survey answers join where it gave any; a survey without CSI adds no CSI.
    survey = pd.DataFrame(
        {
            "client_id": ["A", "A", "C"],
            "instrument": pd.Categorical(["nps", "nps", "nps"]),
            "item": pd.Categorical(["recommend"] * 3),
            "dimension": pd.Categorical([""] * 3),
            "value": [9.0, 6.0, 2.0],
        }
    )
    rated, _churned = churn_model_frame(customers, survey, start=start, end=end, basis=None)
    assert rated["survey_nps_rating"].tolist()[::2] == [7.5, 2.0]
    assert pd.isna(rated.loc["B", "survey_nps_rating"])
    assert "survey_csi" not in rated.columns


def test_at_risk_counts_active_clients_with_half_or_more_and_their_margin():
    risk = pd.Series([0.7, 0.5, 0.49, 0.9], index=["A", "B", "C", "D"])
    active = pd.Series([True, True, True, False], index=["A", "B", "C", "D"])
    margin = pd.Series([100.0, None, 30.0, 500.0], index=["A", "B", "C", "D"])
    assert churn_at_risk(risk, active=active, margin=margin) == {"clients": 2, "annual_margin": 100.0}


def test_the_bootstrap_interval_is_that_of_the_resampled_clients():
    """Each resample's AUC, computed from counts per client, is sklearn's AUC of the clients
    drawn (ties included: the scores are rounded to make many)."""
    rng = np.random.default_rng(4)
    labels = rng.random(300) < 0.3
    scores = np.round(rng.random(300) + 0.3 * labels, 1)
    low, high = _auc_interval(labels, scores, np.random.default_rng(9))
    draws = np.random.default_rng(9)
    naive = [
        roc_auc_score(labels[draw], scores[draw])
        for draw in (draws.integers(0, 300, 300) for _ in range(BOOTSTRAP_SAMPLES))
    ]
    assert [low, high] == pytest.approx(list(np.percentile(naive, [2.5, 97.5])), abs=1e-12)
