"""Business KPIs are finite numbers within each KPI's bounds (assessment.metrics, assessment.kpis),
refused field by field otherwise; and the comparison never computes an infinite or meaningless
relative change (reports.comparison): 1e308 against 1e-300 used to be a 500."""

import json
import math

import pytest
from django.test import Client

from assessment.kpis import kpi_values_problems, kpis_compute
from assessment.models import Assessment
from reports.comparison import change_fields

pytestmark = pytest.mark.django_db


def _put(api, assessment, payload):
    return api.put(
        f"/api/v1/assessments/{assessment.pk}/kpis/", json.dumps(payload), content_type="application/json"
    )


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("average_deposit", 1e308, "Enter a number from 0 to 1,000,000,000,000."),
        ("average_deposit", -1, "Enter a number from 0 to 1,000,000,000,000."),
        ("churn_rate", 100.5, "Enter a number from 0 to 100."),
        ("nps", -101, "Enter a number from −100 to 100."),
        ("complaints_per_1000", 2e6, "Enter a number from 0 to 1,000,000."),
    ],
)
def test_a_kpi_out_of_bounds_is_refused_by_field(api, audit, code, value, message):
    api.force_authenticate(audit.consultant)
    response = _put(api, audit.current, {"kpis": {code: value, "repeat_purchase_conversion": 12.5}})
    assert response.status_code == 400
    assert response.json() == {"kpis": {code: [message]}}
    audit.current.refresh_from_db()
    assert audit.current.kpis == {}  # nothing of the request is stored


def test_infinity_and_nan_are_no_numbers(api, audit):
    api.force_authenticate(audit.consultant)
    url = f"/api/v1/assessments/{audit.current.pk}/kpis/"
    for body in ('{"kpis": {"nps": 1e400}}', '{"kpis": {"nps": NaN}}', '{"kpis": {"nps": "Infinity"}}'):
        assert api.put(url, body, content_type="application/json").status_code == 400, body


def test_the_edges_are_accepted(api, audit):
    api.force_authenticate(audit.consultant)
    values = {"nps": -100, "churn_rate": 100, "average_deposit": 1e12, "complaints_per_1000": 0}
    response = _put(api, audit.current, {"kpis": values})
    assert response.status_code == 200
    assert {code: response.json()["kpis"][code]["value"] for code in values} == values


def test_bounds_apply_to_every_kpi():
    assert kpi_values_problems({"nps": 100.0, "csi": 0.0, "churn_rate": None}) == {}
    assert set(kpi_values_problems({"csi": -0.1, "repeat_purchase_conversion": math.inf})) == {
        "csi",
        "repeat_purchase_conversion",
    }


def test_a_stored_value_out_of_bounds_counts_as_none():
    # Entered before the bounds were checked: the metric's value applies instead.
    kpis = kpis_compute(entered={"nps": 1e308, "average_deposit": 1e308}, metrics={"nps": {"score": 12.0}})
    assert (kpis["nps"]["value"], kpis["nps"]["source"]) == (12.0, "metrics")
    assert (kpis["average_deposit"]["value"], kpis["average_deposit"]["source"]) == (None, None)


def test_relative_change_from_nothing_is_not_given():
    assert change_fields(1e-300, 1e12, smallest=0.5) == {
        "before": 1e-300,
        "after": 1e12,
        "change": 1e12,
        "relative": None,
    }
    assert change_fields(0.4, 10.0, smallest=0.5)["relative"] is None  # shows as 0
    assert change_fields(0.5, 1.0, smallest=0.5)["relative"] == 100.0
    # Nothing infinite or NaN comes out, whatever goes in.
    assert change_fields(-1e308, 1e308) == {
        "before": -1e308,
        "after": 1e308,
        "change": None,
        "relative": None,
    }
    assert change_fields(math.nan, 1.0)["before"] is None
    assert change_fields(1.0, math.inf) == {"before": 1.0, "after": None, "change": None, "relative": None}


def test_the_comparison_of_a_huge_kpi_against_a_tiny_one(api, audit):
    # The baseline's and the re-assessment's deposits as they could be stored before the bounds.
    Assessment.objects.filter(pk=audit.baseline.pk).update(kpis={"average_deposit": 1e-300})
    Assessment.objects.filter(pk=audit.current.pk).update(kpis={"average_deposit": 1e12})
    api.force_authenticate(audit.consultant)
    response = api.get(f"/api/v1/assessments/{audit.current.pk}/comparison/")
    assert response.status_code == 200
    deposit = next(row for row in response.json()["kpis"] if row["code"] == "average_deposit")
    assert (deposit["before"], deposit["after"], deposit["change"], deposit["relative"]) == (
        1e-300,
        1e12,
        1e12,
        None,
    )
    client = Client()
    client.force_login(audit.consultant)
    page = client.get(f"/assessments/{audit.current.pk}/comparison/")
    assert page.status_code == 200
    assert "not meaningful" in page.content.decode()
    # And 1e308 stored against 1e-300: the stored value is out of bounds, so no KPI value.
    Assessment.objects.filter(pk=audit.current.pk).update(kpis={"average_deposit": 1e308})
    response = api.get(f"/api/v1/assessments/{audit.current.pk}/comparison/")
    assert response.status_code == 200
    deposit = next(row for row in response.json()["kpis"] if row["code"] == "average_deposit")
    assert (deposit["after"], deposit["relative"]) == (None, None)
    assert client.get(f"/assessments/{audit.current.pk}/comparison/").status_code == 200
