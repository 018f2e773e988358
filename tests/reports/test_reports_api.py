"""Reports end to end: request (202), render in the background (eager here), status, download,
permissions, failures; the PDF's text is checked, not just its bytes."""

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from config.jobs import JobStatus
from reports import services
from reports.models import Report
from reports.tasks import report_render
from tests.factories import OrganizationFactory, assessment_published, consultant_of, executive_of


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _download(api, report_id):
    response = api.get(f"/api/v1/reports/{report_id}/download/")
    return response, b"".join(response.streaming_content) if response.status_code == 200 else b""


@pytest.mark.parametrize(
    ("kind", "language", "expected"),
    [
        ("full", "en", ["68.8", "Customer-Centric", "Acme Bank"]),
        ("executive", "ru", ["68,8", "Клиентоцентричная компания", "Acme Bank"]),
        ("comparison", "en", ["43.8", "68.8", "Customer-Aware", "Customer-Centric"]),
    ],
)
def test_a_requested_report_renders_and_downloads(api, audit, request_report, kind, language, expected):
    api.force_authenticate(audit.consultant)
    response = request_report(audit.current, kind, language)
    assert response.status_code == 202, response.json()
    queued = response.json()
    assert queued["status"] == JobStatus.QUEUED and queued["download_url"] is None
    status = api.get(f"/api/v1/reports/{queued['id']}/").json()
    assert status["status"] == "ready" and status["progress"] == 100 and status["error"] == ""
    assert status["download_url"] == f"/api/v1/reports/{queued['id']}/download/"
    download, content = _download(api, queued["id"])
    assert download["Content-Type"] == "application/pdf"
    # Still in scoring: a draft.
    assert f"acme-bank-cx-report-{kind}-{language}-2026-09-30-DRAFT.pdf" in download["Content-Disposition"]
    assert hashlib.sha256(content).hexdigest() == status["sha256"] and len(content) == status["size"]
    text = _pdf_text(content)
    for fragment in expected:
        assert fragment in text


def test_a_comparison_report_needs_a_baseline(api, audit, request_report):
    api.force_authenticate(audit.consultant)
    response = request_report(audit.baseline, "comparison")
    assert response.status_code == 400 and "kind" in response.json()
    assert not Report.objects.exists()
    assert request_report(audit.current, "poster").status_code == 400
    assert request_report(audit.current, "full", "de").status_code == 400


def test_a_render_error_ends_failed_with_its_message(api, audit, request_report, monkeypatch):
    def broken(*, html):
        raise ValueError("the renderer ran out of ink")

    monkeypatch.setattr(services, "report_pdf", broken)
    api.force_authenticate(audit.consultant)
    report_id = request_report(audit.current).json()["id"]
    status = api.get(f"/api/v1/reports/{report_id}/").json()
    assert status["status"] == "failed" and status["error"] == "the renderer ran out of ink"
    assert status["download_url"] is None
    assert _download(api, report_id)[0].status_code == 404


def test_a_report_being_rendered_reads_rendering(api, audit, request_report, monkeypatch):
    seen = []

    def watch(*, html):
        seen.append(api.get(f"/api/v1/reports/{Report.objects.get().pk}/").json()["status"])
        return b"%PDF-1.7"

    monkeypatch.setattr(services, "report_pdf", watch)
    api.force_authenticate(audit.consultant)
    request_report(audit.current)
    assert seen == ["rendering"]


def test_running_a_finished_report_again_does_nothing(api, audit, request_report):
    api.force_authenticate(audit.consultant)
    report = Report.objects.get(pk=request_report(audit.current).json()["id"])
    assert report_render(report.pk) is False
    again = Report.objects.get(pk=report.pk)
    assert (again.file_path, again.sha256, again.finished_at) == (
        report.file_path,
        report.sha256,
        report.finished_at,
    )


def test_executives_download_only_released_reports_of_published_assessments(api, audit, request_report):
    api.force_authenticate(audit.consultant)
    baseline_report = request_report(audit.baseline, "executive").json()["id"]
    current_report = request_report(audit.current, "executive").json()["id"]  # a draft

    api.force_authenticate(audit.executive)
    assert _download(api, baseline_report)[0].status_code == 404  # not released yet
    assert _download(api, current_report)[0].status_code == 404  # not published yet
    assert api.get(f"/api/v1/reports/{current_report}/").status_code == 404
    assert request_report(audit.current).status_code == 404  # not published yet
    executive_report = request_report(audit.baseline, "full", "ru")  # clients may render what they read
    assert executive_report.status_code == 202
    assert _download(api, executive_report.json()["id"])[0].status_code == 404  # until released
    assert Report.objects.get(pk=executive_report.json()["id"]).requested_by == audit.executive

    api.force_authenticate(audit.consultant)
    for report_id in (baseline_report, executive_report.json()["id"]):
        assert api.post(f"/api/v1/reports/{report_id}/release/").status_code == 200
    api.force_authenticate(audit.executive)
    assert _download(api, baseline_report)[0].status_code == 200
    assert _download(api, executive_report.json()["id"])[0].status_code == 200
    assessment_published(assessment=audit.current)
    assert _download(api, current_report)[0].status_code == 404  # rendered as a draft: never the client's
    assert api.get(f"/api/v1/assessments/{audit.current.pk}/reports/").json() == []

    other = OrganizationFactory()
    for outsider in (executive_of(other), consultant_of(other)):
        api.force_authenticate(outsider)
        assert _download(api, baseline_report)[0].status_code == 404
        assert api.get(f"/api/v1/reports/{baseline_report}/").status_code == 404
        assert request_report(audit.baseline).status_code == 404
    api.force_authenticate(None)
    assert _download(api, baseline_report)[0].status_code == 401


def test_comparison_api(api, audit):
    api.force_authenticate(audit.consultant)
    comparison = api.get(f"/api/v1/assessments/{audit.current.pk}/comparison/").json()
    assert comparison["baseline"]["id"] == audit.baseline.pk
    overall = comparison["overall"]
    assert (overall["before"], overall["after"], overall["delta"]) == (43.75, 68.75, 25.0)
    assert (overall["level_name_before"], overall["level_name_after"]) == (
        "Customer-Aware",
        "Customer-Centric",
    )
    assert {area["code"]: area["delta"] for area in comparison["areas"]} == {
        "organization": 25.0,
        "staff": 25.0,
        "processes": 25.0,
        "technology": 25.0,
    }
    assert len(comparison["improvements"]) == 5 and comparison["regressions"] == []
    assert comparison["not_comparable"] == []
    assert api.get(f"/api/v1/assessments/{audit.baseline.pk}/comparison/").status_code == 404


def test_render_report_command_writes_the_pdf(audit, tmp_path):
    output = tmp_path / "report.pdf"
    call_command(
        "render_report", audit.current.pk, "--kind", "comparison", "--language", "ru", "--output", output
    )
    text = _pdf_text(output.read_bytes())
    assert "Клиентоцентричная компания" in text and "Acme Bank" in text
    with pytest.raises(CommandError, match="needs a baseline"):
        call_command("render_report", audit.baseline.pk, "--kind", "comparison", "--output", output)
    with pytest.raises(CommandError, match="No assessment #999999"):
        call_command("render_report", 999999, "--output", output)
