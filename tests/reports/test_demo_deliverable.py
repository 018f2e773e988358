"""The demo shows the deliverable as a client receives it: the published audit has reviewed
findings, an executive commentary and quotes in English and Russian, and reports released to
the client's executive, who lists and downloads them."""

import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from assessment.models import AuditEvent, Status
from reports.demo import DEMO_COMMENTARY, DEMO_QUOTES, DEMO_RELEASED_REPORTS
from reports.models import ExecutiveCommentary, Finding, Quote, RecommendationItem, Report
from tests.reports.pdf_text import pdftotext


@pytest.fixture
def demo(catalog_v2, settings, tmp_path, capsys):
    settings.DEBUG = True  # the demo is for development servers
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: nothing rendered or picked twice
    return capsys.readouterr().out


def test_the_published_audit_is_delivered_as_the_client_receives_it(demo, api, tmp_path):
    commentary = ExecutiveCommentary.objects.get()
    audit = commentary.assessment
    assert audit.status == Status.PUBLISHED and audit.baseline_id is None
    assert commentary.text == DEMO_COMMENTARY
    # Findings and roadmap were reviewed (stored) before publishing froze them.
    assert Finding.objects.filter(assessment=audit, hidden=False).count() >= 8
    assert RecommendationItem.objects.filter(assessment=audit).count() >= 10
    quotes = list(Quote.objects.filter(assessment=audit).order_by("position"))
    assert [(quote.source, quote.original_language) for quote in quotes] == [
        (source, language) for source, _indicator, language, _translations in DEMO_QUOTES
    ]
    for quote in quotes:  # the original plus translations: the quote reads in every language
        assert {quote.original_language, *quote.translations} == {"en", "ru", "kk", "uz"}
    assert AuditEvent.objects.filter(assessment=audit, action=AuditEvent.Action.QUOTE).count() == 4

    # The executive lists and downloads the released reports.
    assert "its reports released to the client executive: 4" in demo
    api.force_authenticate(get_user_model().objects.get(username="executive"))
    listed = api.get(f"/api/v1/assessments/{audit.pk}/reports/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert sorted((row["kind"], row["language"]) for row in rows) == sorted(
        (kind.value, language) for kind, language in DEMO_RELEASED_REPORTS
    )
    assert all(row["draft"] is False and row["released_at"] for row in rows)
    assert Report.objects.count() == 4  # the second run rendered nothing

    texts = {}
    for row in rows:
        response = api.get(row["download_url"])
        assert response.status_code == 200
        pdf = b"".join(response.streaming_content)
        assert hashlib.sha256(pdf).hexdigest() == Report.objects.get(pk=row["id"]).sha256
        path = tmp_path / f"{row['kind']}-{row['language']}.pdf"
        path.write_bytes(pdf)
        texts[(row["kind"], row["language"])] = " ".join(pdftotext(path).split())
    # The commentary and the quotes, in each report's language, are in what the client reads.
    assert "Together they are the shortest path" in texts[("full", "en")]
    assert "кратчайший путь" in texts[("full", "ru")]
    assert "Complaints are logged in three different systems." in texts[("full", "en")]
    assert "Жалобы регистрируются в трёх разных системах." in texts[("full", "ru")]
    assert "There is no regular churn monitoring" in texts[("full", "en")]
    # The executive summary carries the commentary and the first quotes too.
    assert "Together they are the shortest path" in texts[("executive", "en")]
    assert "Complaints are logged in three different systems." in texts[("executive", "en")]
    assert "Премии зависят только от объёма продаж." in texts[("executive", "ru")]
    for text in texts.values():
        assert "DRAFT" not in text and "ЧЕРНОВИК" not in text
