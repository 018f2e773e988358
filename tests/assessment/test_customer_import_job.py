"""Customer-data imports in the background: staged files, a job to poll, the same import."""

import pytest
from celery.exceptions import Retry
from django.core.files.storage import default_storage
from django.db import OperationalError
from django.utils import translation

from assessment import customer_data
from assessment.models import CustomerDataImport, CustomerDataset, Status
from assessment.tasks import customer_data_import_run
from config.celery import app as celery_app
from config.jobs import JobStatus, job_run
from tests.assessment.test_customer_data import CUSTOMERS, MYSTERY, SURVEY, upload
from tests.factories import OrganizationFactory, consultant_of, executive_of
from tests.stored_files import stored_names


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Tests run inside a transaction: run what is enqueued after commit (eager Celery)."""

    def post(api, audit, query="", **files):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post(
                f"/api/v1/assessments/{audit.pk}/customer-data/{query}", files, format="multipart"
            )

    return post


def _staged(audit) -> list[str]:
    return stored_names(f"customer-imports/{audit.pk}")


def _good_files():
    return {
        "customers": upload("customers.csv", CUSTOMERS),
        "survey": upload("survey.csv", SURVEY),
        "mystery_shopping": upload("mystery.csv", MYSTERY),
    }


def test_background_on_request_imports_and_reports_ready(consultant_api, audit, run_on_commit):
    response = run_on_commit(consultant_api, audit, "?background=1", **_good_files())
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body == {
        "id": body["id"],
        "status": "queued",
        "progress": 0,
        "url": f"/api/v1/customer-data-imports/{body['id']}/",
    }
    job = consultant_api.get(body["url"]).json()
    assert job["status"] == "ready"
    assert job["progress"] == 100
    assert (job["assessment"], job["error"], job["problems"]) == (audit.pk, "", None)
    assert job["finished_at"] is not None
    assert job["dataset"]["files"] == {
        "customers": {"name": "customers.csv", "rows": 4},
        "survey": {"name": "survey.csv", "rows": 12},
        "mystery_shopping": {"name": "mystery.csv", "rows": 4},
    }
    assert (job["dataset"]["period_start"], job["dataset"]["period_end"]) == ("2025-07-01", "2026-06-30")
    dataset = CustomerDataset.objects.get(assessment=audit)
    assert dataset.metrics["nps"]["score"] == pytest.approx(10)
    assert dataset.metrics["churn"]["closed"] == 1
    assert all(default_storage.exists(info["path"]) for info in dataset.files.values())
    stored = CustomerDataImport.objects.get()
    assert stored.uploads["customers"]["name"] == "customers.csv"
    assert stored.uploads["customers"]["size"] == len(CUSTOMERS.encode())
    assert stored.seconds is not None
    assert _staged(audit) == []  # the staged uploads are gone once it finished


def test_a_background_import_applies_its_churn_basis(consultant_api, audit, run_on_commit):
    response = run_on_commit(
        consultant_api,
        audit,
        "?background=1",
        customers=upload("customers.csv", CUSTOMERS),
        churn_basis="inactive",
    )
    assert response.status_code == 202, response.json()
    assert CustomerDataImport.objects.get().churn_basis == "inactive"
    job = consultant_api.get(response.json()["url"]).json()
    assert job["status"] == "ready" and job["dataset"]["churn_basis"] == "inactive"
    churn = CustomerDataset.objects.get(assessment=audit).metrics["churn"]
    # C4, never active, of the four; C3's closure does not count on this basis.
    assert (churn["basis"], churn["closed"], churn["inactive"], churn["churned"]) == ("inactive", 1, 1, 1)
    assert churn["rate"] == pytest.approx(25.0)


def test_uploads_at_or_over_the_inline_limit_go_to_the_background(
    consultant_api, audit, run_on_commit, settings
):
    settings.CUSTOMER_DATA_INLINE_MAX_BYTES = len(CUSTOMERS.encode())
    response = run_on_commit(consultant_api, audit, customers=upload("customers.csv", CUSTOMERS))
    assert response.status_code == 202
    assert consultant_api.get(response.json()["url"]).json()["status"] == "ready"
    assert CustomerDataset.objects.get().files["customers"]["rows"] == 4
    settings.CUSTOMER_DATA_INLINE_MAX_BYTES = len(CUSTOMERS.encode()) + 1
    inline = run_on_commit(consultant_api, audit, customers=upload("c2.csv", CUSTOMERS))
    assert inline.status_code == 201
    assert inline.json()["files"]["customers"]["name"] == "c2.csv"
    assert CustomerDataImport.objects.count() == 1


def test_staged_uploads_have_unguessable_names_outside_the_static_roots(consultant_api, audit, api):
    # Without running the job: the staged file is there until the import finishes.
    response = _post_only(consultant_api, audit, customers=upload("customers.csv", CUSTOMERS))
    assert response.status_code == 202
    job = CustomerDataImport.objects.get()
    path = job.uploads["customers"]["path"]
    assert path.startswith(f"customer-imports/{audit.pk}/")
    assert len(path.rsplit("/", 1)[1].split("-")[0]) == 32
    assert default_storage.open(path).read() == CUSTOMERS.encode()
    assert (job.status, job.progress) == (JobStatus.QUEUED, 0)


def _post_only(api, audit, **files):
    return api.post(f"/api/v1/assessments/{audit.pk}/customer-data/?background=1", files, format="multipart")


def test_refused_files_fail_the_import_with_every_problem_and_keep_the_data(
    consultant_api, audit, run_on_commit
):
    assert run_on_commit(consultant_api, audit, **_good_files()).status_code == 201
    before = CustomerDataset.objects.get()
    bad = CUSTOMERS.replace("C4,premium,3", "C4,premium,-3").replace(
        "C2,mass,4,2021-03-01", "C2,mass,4,2021-13-01"
    )
    response = run_on_commit(consultant_api, audit, "?background=1", customers=upload("new.csv", bad))
    assert response.status_code == 202
    job = consultant_api.get(response.json()["url"]).json()
    assert job["status"] == "failed"
    assert job["dataset"] is None
    assert job["error"] == "2 problems in the customer files; nothing was stored."
    assert job["problems"]["error_count"] == 2
    assert [(e["file"], e["row"], e["column"], e["message"]) for e in job["problems"]["errors"]] == [
        ("customers", 3, "opened_on", "Not a date (use YYYY-MM-DD or DD.MM.YYYY)."),
        ("customers", 5, "product_count", "A whole number of 0 or more is required."),
    ]
    after = CustomerDataset.objects.get()
    assert (after.files, after.metrics, after.updated_at) == (before.files, before.metrics, before.updated_at)
    assert all(default_storage.exists(info["path"]) for info in after.files.values())
    assert _staged(audit) == []


def test_messages_follow_the_uploaders_language(consultant_api, audit, run_on_commit):
    bad = CUSTOMERS.replace("C4,premium,3", "C4,premium,-3")
    consultant_api.credentials(HTTP_ACCEPT_LANGUAGE="ru")
    response = run_on_commit(consultant_api, audit, "?background=1", customers=upload("new.csv", bad))
    job = CustomerDataImport.objects.get(pk=response.json()["id"])
    assert job.language == "ru"
    with translation.override("ru"):
        expected = translation.gettext("A whole number of 0 or more is required.")
    assert expected != "A whole number of 0 or more is required."
    assert job.problems["errors"][0]["message"] == expected


def test_a_period_out_of_order_fails_the_import_with_its_message(consultant_api, audit, run_on_commit):
    response = run_on_commit(
        consultant_api,
        audit,
        "?background=1",
        customers=upload("c.csv", CUSTOMERS),
        period_start="2026-06-30",
        period_end="2026-01-01",
    )
    job = consultant_api.get(response.json()["url"]).json()
    assert (job["status"], job["error"], job["problems"]) == (
        "failed",
        "The period must end on or after its start.",
        None,
    )
    assert not CustomerDataset.objects.exists()


def test_progress_is_reported_at_each_stage(consultant_api, audit, run_on_commit, monkeypatch):
    reported = []
    original = customer_data.job_progress

    def spy(job, percent):
        reported.append(percent)
        original(job, percent)

    monkeypatch.setattr(customer_data, "job_progress", spy)
    run_on_commit(consultant_api, audit, "?background=1", **_good_files())
    assert reported == [40, 80, 100]


def test_running_a_finished_import_again_changes_nothing(consultant_api, audit, run_on_commit):
    response = run_on_commit(consultant_api, audit, "?background=1", **_good_files())
    job = CustomerDataImport.objects.get(pk=response.json()["id"])
    dataset = CustomerDataset.objects.get()
    assert job_run(CustomerDataImport, job_id=job.pk, work=customer_data.customer_data_import_work) is False
    assert customer_data_import_run.delay(job.pk).get() is False
    again = CustomerDataImport.objects.get(pk=job.pk)
    assert (again.status, again.finished_at, again.seconds) == (job.status, job.finished_at, job.seconds)
    now = CustomerDataset.objects.get()
    assert (now.files, now.updated_at) == (dataset.files, dataset.updated_at)


def test_nothing_is_staged_for_a_published_assessment_or_an_oversized_file(
    consultant_api, audit, run_on_commit, settings
):
    settings.CUSTOMER_DATA_MAX_BYTES = 100
    response = run_on_commit(consultant_api, audit, "?background=1", customers=upload("c.csv", CUSTOMERS))
    assert response.status_code == 413
    settings.CUSTOMER_DATA_MAX_BYTES = 10_000
    audit.status = Status.PUBLISHED
    audit.save()
    response = run_on_commit(consultant_api, audit, "?background=1", customers=upload("c.csv", CUSTOMERS))
    assert response.status_code == 409
    assert not CustomerDataImport.objects.exists()
    assert _staged(audit) == []


def test_only_the_assessments_consultants_see_an_import(consultant_api, audit, run_on_commit, api):
    response = run_on_commit(consultant_api, audit, "?background=1", customers=upload("c.csv", CUSTOMERS))
    url = response.json()["url"]
    assert consultant_api.get(url).status_code == 200
    audit.status = Status.PUBLISHED  # visible to the client's executives, still not their import
    audit.save()
    api.force_authenticate(executive_of(audit.organization))
    assert api.get(url).status_code == 404
    api.force_authenticate(consultant_of(OrganizationFactory()))
    assert api.get(url).status_code == 404
    api.force_authenticate(None)
    assert api.get(url).status_code in (401, 403)


@pytest.fixture
def flaky_work(monkeypatch):
    """The import's work, failing with a lost connection the first time."""
    real_work = customer_data.customer_data_import_work
    attempts = []

    def flaky(job):
        attempts.append(CustomerDataImport.objects.get(pk=job.pk).status)
        if len(attempts) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        real_work(job)

    monkeypatch.setattr(customer_data, "customer_data_import_work", flaky)
    return attempts


@pytest.fixture
def eager_retries(monkeypatch):
    """Eager Celery runs a retry at once, but only when it does not propagate errors (with
    task_eager_propagates the Retry itself surfaces)."""
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)


def test_a_transient_error_propagates_and_leaves_the_import_queued(consultant_api, audit, flaky_work):
    job_id = _post_only(consultant_api, audit, customers=upload("customers.csv", CUSTOMERS)).json()["id"]
    with pytest.raises(Retry) as retry:
        customer_data_import_run.delay(job_id)
    assert isinstance(retry.value.exc, OperationalError)
    job = CustomerDataImport.objects.get(pk=job_id)
    assert (job.status, job.finished_at, job.error) == (JobStatus.QUEUED, None, "")
    assert len(_staged(audit)) == 1  # kept for the retry
    assert not CustomerDataset.objects.exists()
    assert customer_data_import_run.delay(job_id).get() is True  # the retry imports
    assert flaky_work == [JobStatus.RUNNING, JobStatus.RUNNING]
    assert CustomerDataImport.objects.get(pk=job_id).status == JobStatus.READY
    assert CustomerDataset.objects.get().files["customers"]["rows"] == 4
    assert _staged(audit) == []


def test_the_task_retries_a_transient_error(consultant_api, audit, flaky_work, eager_retries):
    job_id = _post_only(consultant_api, audit, customers=upload("customers.csv", CUSTOMERS)).json()["id"]
    assert customer_data_import_run.delay(job_id).get() is True
    assert flaky_work == [JobStatus.RUNNING, JobStatus.RUNNING]
    assert CustomerDataImport.objects.get(pk=job_id).status == JobStatus.READY


def test_an_import_that_keeps_failing_transiently_is_given_up(
    consultant_api, audit, monkeypatch, eager_retries
):
    attempts = []

    def down(job):
        attempts.append(job.pk)
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(customer_data, "customer_data_import_work", down)
    job_id = _post_only(consultant_api, audit, customers=upload("c.csv", CUSTOMERS)).json()["id"]
    with pytest.raises(OperationalError):
        customer_data_import_run.delay(job_id).get()
    assert len(attempts) == 1 + customer_data_import_run.max_retries
    job = CustomerDataImport.objects.get(pk=job_id)
    assert job.status == JobStatus.FAILED
    assert job.error == "The import could not finish. Please upload the files again."
    assert job.finished_at is not None
    assert _staged(audit) == []
    assert not CustomerDataset.objects.exists()
