"""/metrics: for the monitoring system only; requests by view, jobs from their rows, autosaves."""

import re

import pytest
from django.test import Client

from assessment.models import Status
from config.jobs import JobStatus
from reports.models import Report, ReportKind
from tests.factories import AssessmentFactory, OrganizationFactory
from tests.surveys.conftest import invite


def _value(text: str, sample: str) -> float:
    """The value of one sample line, e.g. 'cx_jobs{kind="reports.report",status="failed"}'."""
    match = re.search(rf"^{re.escape(sample)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def _scrape(**headers) -> str:
    response = Client().get("/metrics", **headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_only_the_monitoring_system_may_read_it(settings):
    assert Client().get("/metrics").status_code == 200  # from this machine, no token set
    assert Client().get("/metrics", REMOTE_ADDR="10.0.0.9").status_code == 404
    assert Client().get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 404
    settings.BEHIND_PROXY = True
    assert Client().get("/metrics").status_code == 404  # the proxy's address says nothing

    settings.METRICS_TOKEN = "s3cret-scrape-token"
    assert Client().get("/metrics", REMOTE_ADDR="10.0.0.9").status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    authorized = Client().get(
        "/metrics", REMOTE_ADDR="10.0.0.9", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token"
    )
    assert authorized.status_code == 200
    assert authorized["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_requests_are_counted_by_view_and_status_never_by_path():
    before = _scrape()
    token = "Qz" * 21 + "q"
    Client().get(f"/r/{token}/")
    after = _scrape()
    counter = "django_http_responses_total_by_status_view_method_total"
    sample = f'{counter}{{method="GET",status="404",view="surveys:welcome"}}'
    assert _value(after, sample) == _value(before, sample) + 1
    assert token not in after
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in after


@pytest.mark.django_db
def test_jobs_are_read_from_their_rows(catalog):
    assessment = AssessmentFactory(organization=OrganizationFactory(), status=Status.PUBLISHED)
    common = {"assessment": assessment, "kind": ReportKind.FULL, "language": "en"}
    Report.objects.create(**common, status=JobStatus.READY, seconds=4.0)
    Report.objects.create(**common, status=JobStatus.READY, seconds=6.5)
    Report.objects.create(**common, status=JobStatus.FAILED, seconds=1.0)
    Report.objects.create(**common, status=JobStatus.QUEUED)
    text = _scrape()
    assert _value(text, 'cx_jobs{kind="reports.report",status="ready"}') == 2
    assert _value(text, 'cx_jobs{kind="reports.report",status="failed"}') == 1
    assert _value(text, 'cx_jobs{kind="reports.report",status="queued"}') == 1
    assert _value(text, 'cx_job_duration_seconds_count{kind="reports.report",status="ready"}') == 2
    assert _value(text, 'cx_job_duration_seconds_sum{kind="reports.report",status="ready"}') == 10.5
    assert _value(text, "cx_queue_length") == 0  # eager: nothing waits


@pytest.mark.django_db
def test_autosaves_and_their_answers_are_counted(api, catalog):
    assessment = AssessmentFactory(organization=OrganizationFactory(), status=Status.COLLECTING)
    new = invite(assessment)
    before = _scrape()
    answers = [{"indicator": "ORG-01", "level": 3}, {"indicator": "ORG-02", "level": 4}]
    assert (
        api.patch(f"/api/v1/respond/{new.token}/answers/", {"answers": answers}, format="json").status_code
        == 200
    )
    assert (
        api.patch(
            f"/api/v1/respond/{new.token}/answers/", {"answers": [{"indicator": "NOPE"}]}, format="json"
        ).status_code
        == 400
    )
    after = _scrape()
    assert _value(after, "cx_autosaves_total") == _value(before, "cx_autosaves_total") + 1
    assert _value(after, "cx_autosaved_answers_total") == _value(before, "cx_autosaved_answers_total") + 2
