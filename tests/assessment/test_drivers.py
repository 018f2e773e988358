"""Key drivers (docs/methods.md §14): Johnson's relative weights recover a planted driver, sum
to R², equal the squared correlations when the predictors are uncorrelated, and say when there
are too few answers."""

import numpy as np
import pandas as pd
import pytest
from django.utils import timezone

from assessment.drivers import driver_frame, driver_quadrants, key_drivers, relative_weights
from assessment.models import ChurnModelRun
from assessment.selectors import roadmap_analytics_current
from config.jobs import JobStatus
from reports.services import recommendations_generate
from tests.assessment.test_customer_data import _post, customers_of, upload
from tests.factories import OrganizationFactory, consultant_of


def _survey(n: int = 600, seed: int = 2) -> pd.DataFrame:
    """Clients rating three CSI items and two SERVQUAL dimensions; their NPS rating follows the
    branch item strongly, reliability a little, and nothing else (app, empathy: noise)."""
    rng = np.random.default_rng(seed)
    ids = [f"C{i:04d}" for i in range(n)]
    branch, app, centre = (rng.integers(1, 6, n) for _item in range(3))
    reliability, empathy = (rng.integers(1, 6, n) for _dimension in range(2))
    nps = np.clip(np.rint(1.5 * branch + 0.4 * reliability - 2 + rng.normal(0, 1.2, n)), 0, 10)
    rows = [(c, "nps_relationship", "recommend", "", v) for c, v in zip(ids, nps, strict=True)]
    for item, values in (("branch", branch), ("app", app), ("centre", centre)):
        rows += [(c, "csi", item, "", v) for c, v in zip(ids, values, strict=True)]
    for dimension, values in (("reliability", reliability), ("empathy", empathy)):
        rows += [(c, "servqual_perception", "Q1", dimension, v) for c, v in zip(ids, values, strict=True)]
    frame = pd.DataFrame(rows, columns=["client_id", "instrument", "item", "dimension", "value"])
    return frame.astype(
        {"instrument": "category", "item": "category", "dimension": "category", "value": float}
    )


def test_a_planted_driver_comes_first_and_the_weights_sum_to_r2():
    result = key_drivers(_survey(), None, target="nps")
    assert (result["status"], result["target"], result["n"]) == ("ready", "nps", 600)
    names = [driver["name"] for driver in result["drivers"]]
    assert names[:2] == ["csi:branch", "servqual:reliability"]
    strongest, second = result["drivers"][:2]
    assert strongest["ci"][0] > 0.3
    assert second["ci"][0] > 0
    for noise in result["drivers"][2:]:
        assert noise["importance"] < 0.01
        assert noise["ci"][0] < 0.005
    assert sum(driver["importance"] for driver in result["drivers"]) == pytest.approx(result["r2"])
    # R² is that of least squares on the same clients.
    frame = driver_frame(_survey(), None, target="nps")
    design = np.column_stack([np.ones(len(frame)), frame.drop(columns="target").to_numpy()])
    fitted = design @ np.linalg.lstsq(design, frame["target"].to_numpy(), rcond=None)[0]
    residual = ((frame["target"] - fitted) ** 2).sum() / (
        (frame["target"] - frame["target"].mean()) ** 2
    ).sum()
    assert result["r2"] == pytest.approx(1 - residual)
    # Performance: the item's mean on its 1–5 scale as 0–100.
    branch = frame["csi:branch"].mean()
    assert strongest["performance"] == pytest.approx((branch - 1) / 4 * 100)


def test_quadrants_split_at_the_mean_importance_and_performance():
    """Means over the rated drivers: importance 0.25, performance 65; an attribute has none."""
    drivers = [
        {"importance": 0.50, "performance": 40.0},
        {"importance": 0.30, "performance": 90.0},
        {"importance": 0.15, "performance": 50.0},
        {"importance": 0.05, "performance": 80.0},
        {"importance": 0.90, "performance": None},
    ]
    assert driver_quadrants(drivers) == ["fix", "keep", "low_priority", "maybe_overdone", None]
    assert driver_quadrants([{"importance": 0.4, "performance": None}]) == [None]


def test_the_planted_driver_rated_low_is_the_one_to_fix_first():
    """The branch item drives the rating; rated low (the clients' mean below the items'), it is
    in quadrant "fix". Without resamples there are no intervals, the weights are the same."""
    survey = _survey()
    survey.loc[survey["item"] == "branch", "value"] = 1 + (survey["value"] > 4)
    result = key_drivers(survey, None, target="nps", bootstrap_samples=0)
    quadrants = {driver["name"]: driver["quadrant"] for driver in result["drivers"]}
    assert quadrants["csi:branch"] == "fix"
    assert [quadrant for name, quadrant in quadrants.items() if name != "csi:branch"].count("fix") == 0
    assert {driver["ci"] for driver in result["drivers"]} == {None}
    bootstrapped = key_drivers(survey, None, target="nps")
    assert [d["importance"] for d in bootstrapped["drivers"]] == [d["importance"] for d in result["drivers"]]


def test_uncorrelated_predictors_weigh_their_squared_correlations():
    # Two exactly uncorrelated predictors (centred, orthogonal) and a target built from both.
    a = np.array([1, -1, 1, -1, 1, -1, 1, -1], dtype=float)
    b = np.array([1, 1, -1, -1, 1, 1, -1, -1], dtype=float)
    target = 3 * a + b + np.array([0.5, -0.2, 0.1, 0.3, -0.4, 0.2, -0.1, -0.4])
    frame = pd.DataFrame({"a": a, "b": b, "target": target})
    weights, r2 = relative_weights(frame)
    expected = [np.corrcoef(a, target)[0, 1] ** 2, np.corrcoef(b, target)[0, 1] ** 2]
    assert weights == pytest.approx(expected)
    assert r2 == pytest.approx(sum(expected))


def test_csi_as_the_target_and_attributes_as_drivers():
    survey = _survey()
    clients = survey["client_id"].unique()
    rng = np.random.default_rng(5)
    customers = pd.DataFrame(
        {
            "client_id": clients,
            "x_contract": rng.choice(["salary", "standard"], len(clients)),
            "x_fee": rng.random(len(clients)),
        }
    )
    result = key_drivers(survey, customers, target="csi")
    names = {driver["name"] for driver in result["drivers"]}
    # CSI is made of the CSI items: they are not its drivers; the commonest category is the reference.
    assert not any(name.startswith("csi:") for name in names)
    assert {"servqual:reliability", "servqual:empathy", "x_fee"} <= names
    assert len([name for name in names if name.startswith("x_contract=")]) == 1
    attribute = next(driver for driver in result["drivers"] if driver["name"] == "x_fee")
    assert attribute["performance"] is None


def test_too_few_answers_are_insufficient_data():
    result = key_drivers(_survey(n=99), None, target="nps")
    assert (result["status"], result["n"], result["drivers"]) == ("insufficient_data", 99, [])
    assert result["reason"].startswith("Key drivers need at least 100 clients")
    assert key_drivers(None, None, target="nps")["n"] == 0


def test_the_api_gives_the_drivers_of_the_stored_survey(consultant_api, audit, api):
    url = f"/api/v1/assessments/{audit.pk}/drivers/"
    assert consultant_api.get(url).status_code == 404
    survey = _survey()
    customers = customers_of(survey["client_id"].unique())
    rows = survey.assign(value=survey["value"].astype(int)).to_csv(index=False)
    response = _post(
        consultant_api, audit, customers=upload("c.csv", customers), survey=upload("s.csv", rows)
    )
    assert response.status_code == 201, response.json()
    body = consultant_api.get(url, {"target": "nps"}).json()
    assert (body["status"], body["n"]) == ("ready", 600)
    expected = key_drivers(survey, None, target="nps")
    assert body["r2"] == pytest.approx(expected["r2"])
    assert [driver["name"] for driver in body["drivers"]] == [
        driver["name"] for driver in expected["drivers"]
    ]
    assert [driver["importance"] for driver in body["drivers"]] == pytest.approx(
        [driver["importance"] for driver in expected["drivers"]]
    )
    assert consultant_api.get(url, {"target": "churn"}).status_code == 400
    api.force_authenticate(consultant_of(OrganizationFactory()))
    assert api.get(url).status_code == 404


def test_the_roadmap_hears_the_drivers_to_fix_first_and_a_trustworthy_churn_model(consultant_api, audit):
    """The stored survey's branch item drives the NPS rating and is rated low: the roadmap's
    driver-analysis recommendation (ANA-02, csi:*) is proposed because of it. The churn-risk
    model's at-risk share (60 of 400 active: 15 % > 10 %) proposes RET-09, but only from a model
    whose AUC interval is above 0.5."""
    survey = _survey()
    survey.loc[survey["item"] == "branch", "value"] = 1 + (survey["value"] > 4)
    customers = customers_of(survey["client_id"].unique())
    rows = survey.assign(value=survey["value"].astype(int)).to_csv(index=False)
    response = _post(
        consultant_api, audit, customers=upload("c.csv", customers), survey=upload("s.csv", rows)
    )
    assert response.status_code == 201, response.json()
    account = {
        "status": "ready",
        "clients": 500,
        "churned": 100,
        "at_risk": {"clients": 60, "annual_margin": 0},
    }
    model = ChurnModelRun.objects.create(
        assessment=audit,
        data_updated_at=timezone.now(),
        status=JobStatus.READY,
        result={**account, "auc_ci": [0.71, 0.8]},
    )
    analytics = roadmap_analytics_current(assessment=audit)
    assert analytics["churn_model"] == {"at_risk_share": 15.0}
    fix_first = [(driver["name"], driver["target"]) for driver in analytics["fix_first"]]
    assert ("csi:branch", "nps") in fix_first
    proposed = {item.code: item.triggered_by for item in recommendations_generate(assessment=audit)}
    assert {"kind": "metric", "code": "churn_model.at_risk_share", "value": 15.0}.items() <= proposed[
        "RET-09"
    ][0].items()
    assert any(
        trigger["kind"] == "key_driver" and trigger["code"] == "csi:branch" for trigger in proposed["ANA-02"]
    )
    # A model no better than chance says nothing about risk.
    model.result = {**account, "auc_ci": [0.48, 0.56]}
    model.save()
    assert roadmap_analytics_current(assessment=audit)["churn_model"] is None
    assert "RET-09" not in {item.code for item in recommendations_generate(assessment=audit)}
