"""The reports tab: request a PDF (rendered eagerly here once the request commits), list and
download it; executives of a published assessment do the same; consultants publish."""

import pytest
from django.test import Client
from django.urls import reverse

from assessment.models import Status
from config.jobs import JobStatus
from reports.models import Report
from tests.factories import assessment_published, roadmap_accepted


def _url(assessment) -> str:
    return reverse("workspace:reports", args=[assessment.pk])


@pytest.fixture
def request_report(django_capture_on_commit_callbacks):
    """POST the form and run what it enqueued once it commits, as a real request does."""

    def post(client, assessment, kind="full", language="en"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(_url(assessment), {"kind": kind, "language": language})

    return post


def _download(client, report: Report):
    response = client.get(f"/api/v1/reports/{report.pk}/download/")
    return response, b"".join(response.streaming_content) if response.status_code == 200 else b""


def test_a_requested_report_renders_and_downloads(
    consultant, consultant_client, reassessment, request_report
):
    current = reassessment.current
    response = request_report(consultant_client, current, "comparison", "ru")
    assert response.status_code == 302 and response["Location"] == _url(current)
    report = Report.objects.get()
    assert (report.kind, report.language, report.requested_by, report.status) == (
        "comparison",
        "ru",
        consultant,
        JobStatus.READY,
    )
    page = consultant_client.get(_url(current)).content.decode()
    download_url = f"/api/v1/reports/{report.pk}/download/"
    assert f'href="{download_url}"' in page and "Comparison with the baseline" in page
    assert "is requested" in page  # the flash message
    download, content = _download(consultant_client, report)
    assert download["Content-Type"] == "application/pdf" and content.startswith(b"%PDF")
    assert len(content) == report.size


def test_a_pending_report_polls_its_status(consultant_client, reassessment):
    report = Report.objects.create(assessment=reassessment.current, kind="full", language="en")
    page = consultant_client.get(_url(reassessment.current)).content.decode()
    assert f'data-status-url="/api/v1/reports/{report.pk}/"' in page
    assert '<progress max="100" value="0"' in page and 'aria-live="polite"' in page
    assert f"/api/v1/reports/{report.pk}/download/" not in page


def test_a_failed_report_shows_its_error(consultant_client, reassessment):
    Report.objects.create(
        assessment=reassessment.current,
        kind="full",
        language="en",
        status=JobStatus.FAILED,
        error="Out of ink",
    )
    page = consultant_client.get(_url(reassessment.current)).content.decode()
    assert "Out of ink" in page and "data-status-url" not in page


def test_bad_requests_show_field_errors_and_create_nothing(consultant_client, reassessment, request_report):
    response = request_report(consultant_client, reassessment.baseline, "comparison")  # no baseline
    assert response.status_code == 400 and 'id="id_kind_error"' in response.content.decode()
    response = request_report(consultant_client, reassessment.current, "full", "de")
    assert response.status_code == 400 and 'id="id_language_error"' in response.content.decode()
    assert not Report.objects.exists()
    # Without a baseline the form does not offer the comparison.
    assert 'value="comparison"' not in consultant_client.get(_url(reassessment.baseline)).content.decode()


def test_executives_request_reports_and_download_the_released_ones(
    executive, executive_client, consultant_client, reassessment, request_report
):
    current = reassessment.current
    request_report(consultant_client, current, "full")  # while still in scoring: a draft
    assert executive_client.get(_url(current)).status_code == 404
    assert request_report(executive_client, current).status_code == 404
    assert Report.objects.count() == 1
    assessment_published(assessment=current)

    page = executive_client.get(_url(current)).content.decode()
    assert "Publish to the client" not in page and "Close the assessment" not in page
    assert reverse("workspace:recommendations", args=[current.pk]) not in page
    response = request_report(executive_client, current, "executive", "ru")
    assert response.status_code == 302
    mine = Report.objects.get(requested_by=executive)
    assert (mine.kind, mine.status, mine.draft) == ("executive", JobStatus.READY, False)
    page = executive_client.get(_url(current)).content.decode()
    assert "once your consultant has reviewed it and released it to you" in page
    for report in Report.objects.all():  # the draft and the unreleased one: not the client's
        assert f"/api/v1/reports/{report.pk}/download/" not in page
        assert _download(executive_client, report)[0].status_code == 404

    release_url = reverse("workspace:report-release", args=[current.pk, mine.pk])
    assert f'action="{release_url}"' in consultant_client.get(_url(current)).content.decode()
    assert consultant_client.post(release_url).status_code == 302
    page = executive_client.get(_url(current)).content.decode()
    assert f'href="/api/v1/reports/{mine.pk}/download/"' in page
    download, content = _download(executive_client, mine)
    assert download["Content-Type"] == "application/pdf" and content.startswith(b"%PDF")
    draft = Report.objects.get(draft=True)
    assert f"/api/v1/reports/{draft.pk}/download/" not in page


def test_strangers_get_404(
    stranger_consultant_client, stranger_executive_client, reassessment, request_report
):
    baseline = reassessment.baseline  # published
    for client in (stranger_consultant_client, stranger_executive_client):
        assert client.get(_url(baseline)).status_code == 404
        assert request_report(client, baseline).status_code == 404
    assert not Report.objects.exists()


def test_the_consultant_publishes_from_the_reports_tab(consultant_client, reassessment, audit):
    current = reassessment.current
    page = consultant_client.get(_url(current)).content.decode()
    advance = reverse("workspace:assessment-advance", args=[current.pk])
    assert f'action="{advance}"' in page and '<input type="hidden" name="from" value="scoring">' in page
    assert "the roadmap will be frozen" in page
    roadmap_accepted(current)
    response = consultant_client.post(advance, {"from": "scoring", "next": _url(current)})
    assert response.status_code == 302 and response["Location"] == _url(current)
    current.refresh_from_db()
    assert current.status == Status.PUBLISHED
    page = consultant_client.get(_url(current)).content.decode()
    assert 'value="scoring"' not in page
    # While collecting, the tab explains that collection must close first.
    assert "first close the collection of answers" in consultant_client.get(_url(audit)).content.decode()


def test_report_requests_need_the_csrf_token(consultant, reassessment):
    client = Client(enforce_csrf_checks=True)
    client.force_login(consultant)
    response = client.post(_url(reassessment.current), {"kind": "full", "language": "en"})
    assert response.status_code == 403 and not Report.objects.exists()
