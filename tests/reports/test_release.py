"""What the client receives: a report rendered before publishing is marked DRAFT on every page
and is never theirs; a consultant releases each report the executives may list and download;
renders are limited per user and assessment, and an identical report answers instead of a
new render."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessment.models import AuditEvent, Status
from assessment.services import assessment_update, interview_scores_set
from config.jobs import JobStatus
from reports import services
from reports.models import Report
from reports.selectors import PENDING_REPORT_WINDOW
from reports.services import PENDING_REPORTS_MAX, PENDING_REPORTS_RETRY_AFTER
from tests.factories import OrganizationFactory, assessment_published, consultant_of, executive_of
from tests.reports.pdf_text import pdftotext

DRAFT_WORD = {"en": "DRAFT", "ru": "ЧЕРНОВИК"}


def _publish(assessment):
    # Scores from interviews alone may be preliminary: published as they are, with a reason.
    return assessment_published(
        assessment=assessment,
        override_reason="Published as they are for the report tests.",
    )


def _download(api, report_id: int):
    response = api.get(f"/api/v1/reports/{report_id}/download/")
    return response, b"".join(response.streaming_content) if response.status_code == 200 else b""


def _release(api, report_id: int):
    return api.post(f"/api/v1/reports/{report_id}/release/")


def _page_texts(pdf: bytes, tmp_path) -> list[str]:
    """Each page's text as pdftotext reads it, without whitespace: the diagonal mark comes out
    one letter per line."""
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    return [re.sub(r"\s+", "", pdftotext(path, page=page, raw=True)) for page in range(1, pages + 1)]


@pytest.fixture
def quick_render(monkeypatch):
    """Stand-in PDF bytes where the document itself is not under test."""
    monkeypatch.setattr(services, "report_pdf", lambda *, html: b"%PDF-1.7 stand-in")


@pytest.fixture
def ready_report(api, audit, request_report, quick_render):
    """A report of the published baseline, rendered after publishing, not released yet."""
    api.force_authenticate(audit.consultant)
    response = request_report(audit.baseline, "executive", "en")
    assert response.status_code == 202
    return Report.objects.get(pk=response.json()["id"])


# --- the DRAFT mark ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_report_rendered_before_publishing_is_marked_draft_on_every_page(
    api, audit, request_report, tmp_path, language
):
    api.force_authenticate(audit.consultant)
    draft_id = request_report(audit.current, "executive", language).json()["id"]
    draft = Report.objects.get(pk=draft_id)
    assert draft.draft is True
    assert draft.file_name == f"acme-bank-cx-report-executive-{language}-2026-09-30-DRAFT.pdf"
    download, content = _download(api, draft_id)
    assert "-DRAFT.pdf" in download["Content-Disposition"]
    pages = _page_texts(content, tmp_path)
    assert len(pages) >= 2
    for number, text in enumerate(pages, 1):
        assert DRAFT_WORD[language] in text, f"page {number} has no mark"

    _publish(audit.current)
    final_id = request_report(audit.current, "executive", language).json()["id"]
    assert final_id != draft_id
    final = Report.objects.get(pk=final_id)
    assert final.draft is False
    assert final.file_name == f"acme-bank-cx-report-executive-{language}-2026-09-30.pdf"
    pages = _page_texts(_download(api, final_id)[1], tmp_path)
    assert pages and not any(DRAFT_WORD[language] in text for text in pages)
    # The consultant still has the draft; it stays one.
    assert Report.objects.get(pk=draft_id).draft is True


def test_draft_ness_is_decided_when_the_report_renders(api, audit, django_capture_on_commit_callbacks):
    """Requested in scoring, rendered after publishing: the report shows the published state."""
    api.force_authenticate(audit.consultant)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post(
            f"/api/v1/assessments/{audit.current.pk}/reports/", {"kind": "executive", "language": "en"}
        )
    assert Report.objects.get(pk=response.json()["id"]).draft is True
    _publish(audit.current)
    for callback in callbacks:
        callback()
    report = Report.objects.get(pk=response.json()["id"])
    assert (report.status, report.draft) == (JobStatus.READY, False)
    assert not report.file_name.endswith("-DRAFT.pdf")


# --- release ----------------------------------------------------------------------------------


def test_the_consultant_releases_a_report_and_it_is_audited(api, audit, ready_report):
    api.force_authenticate(audit.consultant)
    response = _release(api, ready_report.pk)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["released_by"] == audit.consultant.username and body["released_at"] and body["draft"] is False
    ready_report.refresh_from_db()
    assert ready_report.released_by == audit.consultant
    assert timezone.now() - ready_report.released_at < datetime.timedelta(minutes=1)
    event = AuditEvent.objects.get(action=AuditEvent.Action.REPORT_RELEASE)
    assert (event.assessment, event.actor, event.target) == (
        audit.baseline,
        audit.consultant,
        f"executive/en/{ready_report.pk}",
    )
    assert event.after == {"file_name": ready_report.file_name, "sha256": ready_report.sha256}

    again = _release(api, ready_report.pk)  # nothing changes, nothing more is logged
    assert again.status_code == 200 and again.json()["released_at"] == body["released_at"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REPORT_RELEASE).count() == 1
    listed = api.get(f"/api/v1/assessments/{audit.baseline.pk}/reports/").json()
    assert [(row["id"], row["released_by"], row["draft"]) for row in listed] == [
        (ready_report.pk, audit.consultant.username, False)
    ]


def test_release_refuses_a_report_not_ready_a_draft_or_of_an_unpublished_assessment(
    api, audit, request_report, quick_render
):
    api.force_authenticate(audit.consultant)
    queued = Report.objects.create(assessment=audit.baseline, kind="full", language="en", draft=False)
    response = _release(api, queued.pk)
    assert response.status_code == 409 and response.json()["code"] == "report_not_ready"

    draft_id = request_report(audit.current, "full", "en").json()["id"]  # in scoring
    response = _release(api, draft_id)
    assert response.status_code == 409 and response.json()["code"] == "assessment_not_published"
    _publish(audit.current)
    response = _release(api, draft_id)  # published since, but rendered as a draft
    assert response.status_code == 409 and response.json()["code"] == "report_draft"
    assert "Generate it again" in response.json()["detail"]

    unpublished = Report.objects.create(
        assessment=audit.baseline, kind="full", language="ru", status=JobStatus.READY, draft=False
    )
    assessment_update(assessment=audit.baseline, status=Status.CLOSED)
    assert _release(api, unpublished.pk).status_code == 200  # closed is still the client's

    assert not Report.objects.filter(released_at__isnull=False).exclude(pk=unpublished.pk).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REPORT_RELEASE).count() == 1


def test_only_the_assessments_consultants_release(api, audit, ready_report):
    other = OrganizationFactory()
    api.force_authenticate(consultant_of(other))
    assert _release(api, ready_report.pk).status_code == 404
    api.force_authenticate(executive_of(other))
    assert _release(api, ready_report.pk).status_code == 404
    api.force_authenticate(audit.executive)
    assert _release(api, ready_report.pk).status_code == 404  # not released: not theirs to see
    api.force_authenticate(audit.consultant)
    assert _release(api, ready_report.pk).status_code == 200
    api.force_authenticate(audit.executive)
    assert _release(api, ready_report.pk).status_code == 403  # they see it, but may not release
    api.force_authenticate(None)
    assert _release(api, ready_report.pk).status_code == 401
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REPORT_RELEASE).count() == 1


# --- what executives see ----------------------------------------------------------------------


def test_executives_see_only_released_reports_rendered_after_publishing(
    api, audit, request_report, quick_render, client
):
    api.force_authenticate(audit.consultant)
    draft_id = request_report(audit.current, "full", "en").json()["id"]
    _publish(audit.current)
    unreleased_id = request_report(audit.current, "full", "en").json()["id"]
    released_id = request_report(audit.current, "executive", "ru").json()["id"]
    assert len({draft_id, unreleased_id, released_id}) == 3
    assert _release(api, released_id).status_code == 200
    # Even forced into the database, a draft's release does not reach the client.
    forced = Report.objects.create(
        assessment=audit.current,
        kind="comparison",
        language="en",
        status=JobStatus.READY,
        draft=True,
        released_at=timezone.now(),
    )

    api.force_authenticate(audit.executive)
    listed = api.get(f"/api/v1/assessments/{audit.current.pk}/reports/").json()
    assert [row["id"] for row in listed] == [released_id]
    assert listed[0]["released_by"] == audit.consultant.username and listed[0]["draft"] is False
    for hidden in (draft_id, unreleased_id, forced.pk):
        assert api.get(f"/api/v1/reports/{hidden}/").status_code == 404
        assert _download(api, hidden)[0].status_code == 404
    assert api.get(f"/api/v1/reports/{released_id}/").json()["released_at"]
    assert _download(api, released_id)[1] == b"%PDF-1.7 stand-in"

    client.force_login(audit.executive)
    page = client.get(reverse("workspace:reports", args=[audit.current.pk])).content.decode()
    assert f'href="/api/v1/reports/{released_id}/download/"' in page
    for hidden in (draft_id, unreleased_id, forced.pk):
        assert f"/api/v1/reports/{hidden}/" not in page
        assert client.get(f"/api/v1/reports/{hidden}/download/").status_code == 404
    assert "Release to client" not in page

    api.force_authenticate(audit.consultant)  # the consultant sees them all
    listed = api.get(f"/api/v1/assessments/{audit.current.pk}/reports/").json()
    assert {row["id"] for row in listed} == {draft_id, unreleased_id, released_id, forced.pk}


def test_an_executive_requests_a_report_the_consultant_then_releases(
    api, audit, request_report, quick_render, client
):
    _publish(audit.current)
    api.force_authenticate(audit.executive)
    response = request_report(audit.current, "full", "ru")
    assert response.status_code == 202
    report_id = response.json()["id"]
    assert response.json()["released_at"] is None
    report = Report.objects.get(pk=report_id)
    assert (report.requested_by, report.status, report.draft) == (audit.executive, JobStatus.READY, False)
    assert api.get(f"/api/v1/assessments/{audit.current.pk}/reports/").json() == []
    assert _download(api, report_id)[0].status_code == 404

    client.force_login(audit.consultant)
    tab = reverse("workspace:reports", args=[audit.current.pk])
    page = client.get(tab).content.decode()
    release_url = reverse("workspace:report-release", args=[audit.current.pk, report_id])
    assert f'<form method="post" action="{release_url}" data-role="release-form">' in page
    response = client.post(release_url)
    assert response.status_code == 302 and response["Location"] == f"{tab}#report-{report_id}"
    page = client.get(tab).content.decode()
    assert "is released to the client" in page and f'action="{release_url}"' not in page

    api.force_authenticate(audit.executive)
    assert [row["id"] for row in api.get(f"/api/v1/assessments/{audit.current.pk}/reports/").json()] == [
        report_id
    ]
    assert _download(api, report_id)[0].status_code == 200


def test_the_reports_tab_offers_release_only_for_releasable_reports(
    api, audit, request_report, quick_render, client
):
    api.force_authenticate(audit.consultant)
    draft_id = request_report(audit.current, "full", "en").json()["id"]
    client.force_login(audit.consultant)
    tab = reverse("workspace:reports", args=[audit.current.pk])
    page = client.get(tab).content.decode()
    assert "Release to client" not in page and "Not for the client" in page
    # Posted anyway: refused with the reason, nothing released.
    release_url = reverse("workspace:report-release", args=[audit.current.pk, draft_id])
    page = client.post(release_url, follow=True).content.decode()
    assert "Publish the assessment before releasing its reports." in page
    assert Report.objects.get(pk=draft_id).released_at is None
    client.force_login(audit.executive)
    _publish(audit.current)
    assert client.post(release_url).status_code == 404

    # One still rendering after publishing: its button waits hidden until the script sees it ready.
    pending = Report.objects.create(assessment=audit.current, kind="executive", language="en", draft=False)
    client.force_login(audit.consultant)
    page = client.get(tab).content.decode()
    pending_url = reverse("workspace:report-release", args=[audit.current.pk, pending.pk])
    assert f'action="{pending_url}" data-role="release-form" hidden>' in page
    assert "Release to client" in page and 'data-role="release-waiting"' in page


# --- render limits and reuse ------------------------------------------------------------------


def test_an_identical_request_answers_with_the_existing_report(api, audit, request_report, quick_render):
    api.force_authenticate(audit.consultant)
    first = request_report(audit.current, "full", "en")
    assert first.status_code == 202
    again = request_report(audit.current, "full", "en")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert again.json()["status"] == "ready"
    api.force_authenticate(audit.executive)  # anyone's identical request: not while in scoring
    assert request_report(audit.current, "full", "en").status_code == 404
    api.force_authenticate(audit.consultant)
    assert Report.objects.count() == 1
    # Another language or kind is another report.
    assert request_report(audit.current, "full", "ru").json()["id"] != first.json()["id"]
    assert Report.objects.count() == 2

    # A change to what the report shows: rendered again.
    interview_scores_set(
        assessment=audit.current,
        user=audit.consultant,
        items=[{"indicator": "ORG-01", "level": 5, "note": "changed"}],
    )
    changed = request_report(audit.current, "full", "en")
    assert changed.status_code == 202 and changed.json()["id"] != first.json()["id"]
    # Publishing changes the draft-ness: rendered again, and then reused.
    _publish(audit.current)
    published = request_report(audit.current, "full", "en")
    assert published.status_code == 202
    assert Report.objects.get(pk=published.json()["id"]).draft is False
    assert request_report(audit.current, "full", "en").json()["id"] == published.json()["id"]
    # The release is no change: still the same report.
    assert _release(api, published.json()["id"]).status_code == 200
    assert request_report(audit.current, "full", "en").json()["id"] == published.json()["id"]
    assert Report.objects.count() == 4


def test_a_failed_or_yesterdays_report_is_not_reused(api, audit, request_report, quick_render):
    api.force_authenticate(audit.consultant)
    failed = Report.objects.create(
        assessment=audit.current, kind="full", language="en", status=JobStatus.FAILED, error="x"
    )
    yesterday = request_report(audit.current, "executive", "en").json()["id"]
    Report.objects.filter(pk=yesterday).update(created_at=timezone.now() - datetime.timedelta(days=1))
    assert request_report(audit.current, "full", "en").json()["id"] != failed.pk
    assert request_report(audit.current, "executive", "en").json()["id"] != yesterday


def test_renders_under_way_are_limited_per_user_and_assessment(api, audit, request_report):
    api.force_authenticate(audit.consultant)
    services.recommendations_ensure(assessment=audit.current)  # as the first request does
    combinations = [("full", "en"), ("full", "ru"), ("executive", "en")]
    assert len(combinations) == PENDING_REPORTS_MAX
    pending = [
        Report.objects.create(
            assessment=audit.current,
            kind=kind,
            language=language,
            requested_by=audit.consultant,
            status=status,
        )
        for (kind, language), status in zip(
            combinations, [JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.QUEUED], strict=True
        )
    ]
    response = request_report(audit.current, "executive", "ru")
    assert response.status_code == 429
    assert response["Retry-After"] == str(PENDING_REPORTS_RETRY_AFTER)
    assert response.json()["code"] == "reports_pending"
    assert f"already have {PENDING_REPORTS_MAX} reports" in response.json()["detail"]
    assert Report.objects.count() == PENDING_REPORTS_MAX
    # The same request as one under way answers with it (no limit: nothing new renders).
    again = request_report(audit.current, "full", "ru")
    assert again.status_code == 202 and again.json()["id"] == pending[1].pk
    # The limit is per user and per assessment.
    other = consultant_of(audit.organization)
    api.force_authenticate(other)
    assert request_report(audit.current, "executive", "ru").status_code == 202
    api.force_authenticate(audit.consultant)
    assert request_report(audit.baseline, "executive", "ru").status_code == 202
    # A report pending longer than the window (lost by its queue) no longer counts.
    Report.objects.filter(pk=pending[0].pk).update(
        created_at=timezone.now() - PENDING_REPORT_WINDOW - datetime.timedelta(minutes=1)
    )
    assert request_report(audit.current, "comparison", "en").status_code == 202


def test_the_reports_tab_says_when_too_many_are_rendering(audit, client, django_capture_on_commit_callbacks):
    for kind, language in [("full", "en"), ("full", "ru"), ("executive", "en")]:
        Report.objects.create(
            assessment=audit.current, kind=kind, language=language, requested_by=audit.consultant
        )
    client.force_login(audit.consultant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("workspace:reports", args=[audit.current.pk]), {"kind": "executive", "language": "ru"}
        )
    assert response.status_code == 429
    assert "being rendered" in response.content.decode()
    assert Report.objects.count() == 3
