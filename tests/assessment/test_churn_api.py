"""The churn-risk model as the consultant meets it: fitted after every upload of the customer
data, read through GET /api/v1/assessments/{id}/churn-model/, and each client's risk in the
customers list and its export (docs/methods.md §13)."""

import numpy as np
import pytest
from django.core.files.storage import default_storage

from assessment.churn import churn_model_current
from assessment.customer_data import churn_model_queue
from assessment.models import ChurnModelRun, CustomerDataset
from config.jobs import JobStatus
from tests.assessment.test_customer_data import CUSTOMERS, _post, upload
from tests.factories import OrganizationFactory, consultant_of

HEADER = "client_id,segment,product_count,opened_on,closed_on,last_activity_on,annual_margin,x_monthly_fee\n"


def _customers(n: int = 400, seed: int = 3) -> tuple[str, np.ndarray]:
    """Clients all open before the period (2025-07-01 – 2026-06-30); those churning close in
    January, more often the higher their monthly fee. The file and who churned."""
    rng = np.random.default_rng(seed)
    fee = rng.normal(0, 1, n)
    churned = rng.random(n) < 1 / (1 + np.exp(-(-1.5 + 2.0 * fee)))
    closed = np.where(churned, "2026-01-15", "")
    active = np.where(churned, "2026-01-10", "2026-06-20")
    rows = "".join(
        f"C{i:04d},{'mass' if i % 3 else 'premium'},{1 + i % 4},2018-03-01,{closed[i]},{active[i]},"
        f"{100 + i % 50},{fee[i]:.3f}\n"
        for i in range(n)
    )
    return HEADER + rows, churned


@pytest.fixture
def modelled(consultant_api, audit, django_capture_on_commit_callbacks):
    text, churned = _customers()
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(consultant_api, audit, customers=upload("customers.csv", text))
    assert response.status_code == 201, response.json()
    return churned


def test_the_model_is_fitted_after_the_upload_and_read_through_the_api(consultant_api, audit, modelled):
    body = consultant_api.get(f"/api/v1/assessments/{audit.pk}/churn-model/").json()
    assert body["status"] == "ready"
    assert body["reason"] is None
    assert (body["clients"], body["churned"]) == (400, int(modelled.sum()))
    assert body["model"] in {"gradient_boosting", "logistic_regression"}
    assert body["auc"] > 0.75
    assert body["auc_ci"][0] < body["auc"] < body["auc_ci"][1]
    assert body["drivers"][0]["feature"] == "x_monthly_fee"
    assert body["drivers"][0]["direction"] == "raises"
    assert [row["decile"] for row in body["calibration"]] == list(range(1, 11))
    # At risk: clients still active with a risk of one half or more, and their margin.
    run = ChurnModelRun.objects.get()
    assert (run.status, run.progress) == (JobStatus.READY, 100)
    risk = consultant_api.get(
        f"/api/v1/assessments/{audit.pk}/customers/", {"page_size": 500, "order": "-churn_risk"}
    ).json()["results"]
    assert len(risk) == 400 - int(modelled.sum())  # the list shows the active clients
    values = [row["churn_risk"] for row in risk]
    assert values == sorted(values, reverse=True)
    at_risk = [row for row in risk if row["churn_risk"] >= 0.5]
    assert body["at_risk"]["clients"] == len(at_risk)
    margins = {f"C{i:04d}": 100 + i % 50 for i in range(400)}
    assert body["at_risk"]["annual_margin"] == pytest.approx(
        sum(margins[row["client_id"]] for row in at_risk)
    )


def test_the_export_carries_each_clients_risk(consultant_api, audit, modelled):
    export = consultant_api.get(
        f"/api/v1/assessments/{audit.pk}/customers/", {"export": "csv", "order": "churn_risk"}
    )
    lines = export.content.decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    assert header[-1] == "churn_risk"
    risks = [float(line.split(",")[-1]) for line in lines[1:]]
    assert risks == sorted(risks)
    assert all(0 <= value <= 1 for value in risks)


def test_a_new_upload_supersedes_the_model_and_removes_the_old_risks(
    consultant_api, audit, modelled, django_capture_on_commit_callbacks
):
    first = ChurnModelRun.objects.get()
    old_file = first.risk_path
    assert default_storage.exists(old_file)
    with django_capture_on_commit_callbacks(execute=True):
        _post(consultant_api, audit, customers=upload("c.csv", CUSTOMERS))
    body = consultant_api.get(f"/api/v1/assessments/{audit.pk}/churn-model/").json()
    assert body["status"] == "insufficient_data"
    assert body["reason"] == (
        "The model needs at least 200 clients active at the period's start and 30 of them churned; "
        "there are 4 and 2."
    )
    assert not default_storage.exists(old_file)
    rows = consultant_api.get(f"/api/v1/assessments/{audit.pk}/customers/").json()["results"]
    assert {row["churn_risk"] for row in rows} == {None}


def test_a_run_for_replaced_data_refuses_and_the_newest_run_speaks(audit, consultant_api):
    assert consultant_api.get(f"/api/v1/assessments/{audit.pk}/churn-model/").status_code == 404
    _post(consultant_api, audit, customers=upload("c.csv", CUSTOMERS))  # its task waits for a commit
    dataset = CustomerDataset.objects.get()
    assert churn_model_current(assessment=audit) == {"status": "running", "reason": None, "progress": 0}
    stale = ChurnModelRun.objects.get()
    ChurnModelRun.objects.filter(pk=stale.pk).update(data_updated_at=dataset.updated_at.replace(year=2020))
    from assessment.tasks import churn_model_run

    churn_model_run.apply(args=[stale.pk])
    assert churn_model_current(assessment=audit) == {
        "status": "failed",
        "reason": "The customer data changed since this model was asked for; a newer one follows.",
    }
    churn_model_queue(dataset=dataset)
    assert churn_model_current(assessment=audit)["status"] == "running"


def test_another_organizations_consultant_gets_404(api, audit, modelled):
    api.force_authenticate(consultant_of(OrganizationFactory()))
    assert api.get(f"/api/v1/assessments/{audit.pk}/churn-model/").status_code == 404
