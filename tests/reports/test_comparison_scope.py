"""A re-assessment shows nothing of a baseline its reader could not open directly: for a client
executive, a baseline not published answers as if there were none (API 404, no Comparison tab
or page, no baseline named in the header, no comparison report, no comparison in other reports).

The state is one the platform no longer lets arise (a re-assessment is published only after its
baseline) but that data published before that rule can be in."""

import pytest
from django.test import Client

from assessment.models import Assessment, Status
from reports.models import Report
from reports.selectors import report_baseline, report_context
from tests.factories import assessment_published

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft_baseline(audit):
    """The re-assessment published, its baseline back to a draft the executive cannot open."""
    assessment_published(assessment=audit.current)
    Assessment.objects.filter(pk=audit.baseline.pk).update(status=Status.DRAFT)
    audit.baseline.refresh_from_db()
    audit.current.refresh_from_db()
    return audit


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_executive_gets_no_comparison_through_the_api(api, draft_baseline):
    audit = draft_baseline
    api.force_authenticate(audit.consultant)
    assert api.get(f"/api/v1/assessments/{audit.current.pk}/comparison/").json()["baseline"]["title"] == (
        "Audit 2025"
    )
    api.force_authenticate(audit.executive)
    assert api.get(f"/api/v1/assessments/{audit.baseline.pk}/scores/").status_code == 404
    response = api.get(f"/api/v1/assessments/{audit.current.pk}/comparison/")
    assert response.status_code == 404
    assert response.json() == {"detail": "This assessment has no baseline you can compare with."}
    assert "Audit 2025" not in response.content.decode()
    # Published again, the baseline is the executive's to compare with.
    Assessment.objects.filter(pk=audit.baseline.pk).update(status=Status.PUBLISHED)
    body = api.get(f"/api/v1/assessments/{audit.current.pk}/comparison/").json()
    assert (body["baseline"]["title"], body["overall"]["before"], body["overall"]["after"]) == (
        "Audit 2025",
        43.75,
        68.75,
    )


def test_the_executive_gets_no_comparison_in_the_workspace(draft_baseline):
    audit = draft_baseline
    executive, consultant = _client(audit.executive), _client(audit.consultant)
    comparison = f"/assessments/{audit.current.pk}/comparison/"
    assert executive.get(comparison).status_code == 404
    scores = executive.get(f"/assessments/{audit.current.pk}/scores/").content.decode()
    assert "Audit 2025" not in scores
    assert comparison not in scores
    # The consultant still compares, and sees the baseline named.
    assert consultant.get(comparison).status_code == 200
    page = consultant.get(f"/assessments/{audit.current.pk}/scores/").content.decode()
    assert "Audit 2025" in page and comparison in page


def test_the_executive_cannot_request_a_comparison_report(api, draft_baseline):
    audit = draft_baseline
    api.force_authenticate(audit.executive)
    response = api.post(
        f"/api/v1/assessments/{audit.current.pk}/reports/",
        {"kind": "comparison", "language": "en"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["kind"] == [
        "The baseline is not available: a report of a published assessment compares only with a published "
        "baseline."
    ]
    assert not Report.objects.exists()
    # The workspace's form does not offer it, and refuses it.
    executive = _client(audit.executive)
    page = executive.get(f"/assessments/{audit.current.pk}/reports/").content.decode()
    assert 'value="comparison"' not in page and 'value="full"' in page
    refused = executive.post(
        f"/assessments/{audit.current.pk}/reports/", {"kind": "comparison", "language": "en"}
    )
    assert refused.status_code == 400
    assert not Report.objects.exists()


def test_no_report_that_may_reach_the_client_compares_with_an_unpublished_baseline(api, draft_baseline):
    audit = draft_baseline
    # Not a comparison report, not even the consultant's: a published assessment's reports may
    # be released to the client.
    api.force_authenticate(audit.consultant)
    response = api.post(
        f"/api/v1/assessments/{audit.current.pk}/reports/",
        {"kind": "comparison", "language": "en"},
        format="json",
    )
    assert response.status_code == 400
    assert report_baseline(assessment=audit.current) is None
    # Nor the comparison section of a full report.
    assert report_context(assessment=audit.current, kind="full", language="en")["comparison"] is None


def test_a_draft_report_for_the_consultants_compares_with_a_draft_baseline(draft_baseline):
    audit = draft_baseline
    Assessment.objects.filter(pk=audit.current.pk).update(status=Status.SCORING)
    audit.current.refresh_from_db()
    assert report_baseline(assessment=audit.current, user=audit.consultant) == audit.baseline
    context = report_context(assessment=audit.current, kind="comparison", language="en")
    assert context["comparison"]["baseline"]["title"] == "Audit 2025"


def test_the_assessment_api_names_no_baseline_the_executive_cannot_open(api, draft_baseline):
    audit = draft_baseline
    api.force_authenticate(audit.consultant)
    assert api.get(f"/api/v1/assessments/{audit.current.pk}/").json()["baseline"] == audit.baseline.pk
    api.force_authenticate(audit.executive)
    assert api.get(f"/api/v1/assessments/{audit.current.pk}/").json()["baseline"] is None
    listed = {row["id"]: row["baseline"] for row in api.get("/api/v1/assessments/").json()}
    assert listed == {audit.current.pk: None}
