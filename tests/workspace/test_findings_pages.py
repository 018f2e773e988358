"""The findings tab: the consultant reviews the findings per area (edit in each language, hide,
reorder, add), writes the executive commentary and picks quotes (never from a group under the
anonymity threshold, never with a name); the Reports tab lists the texts a language lacks; all
frozen once the assessment is published; consultants only."""

import pytest
from django.test import Client
from django.urls import reverse

from reports.models import ExecutiveCommentary, Finding, Quote
from reports.narrative_selectors import findings_list
from tests.factories import assessment_published
from tests.reports.voices import COMMENTS, NAMES, NOTE, audit_with_voices


@pytest.fixture
def voices(organization, consultant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return audit_with_voices(organization=organization, consultant=consultant)


def _url(assessment) -> str:
    return reverse("workspace:findings", args=[assessment.pk])


def _page(client: Client, assessment) -> str:
    response = client.get(_url(assessment))
    assert response.status_code == 200
    return response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


def test_the_tab_lists_findings_per_area_and_what_may_be_quoted_without_names(consultant_client, voices):
    html = _page(consultant_client, voices.assessment)
    assert f'href="{_url(voices.assessment)}" aria-current="page"' in html  # the tab, current
    for area in ("Organization", "Staff", "Processes", "Technology"):
        assert f">{area}</h3>" in html
    assert "Management rates Organization higher than the front line: 100.0 vs 50.0 of 100." in html
    assert "Request and complaint handling process needs improvement: 25.0 of 100" in html
    assert COMMENTS[("frontline", "ORG-01")][0] in html and COMMENTS[("back_office", "PRC-01")][0] in html
    assert NOTE in html and "Leadership interview" in html and "— Frontline" in html
    # From groups under the threshold: never listed.
    assert COMMENTS[("executive", "ORG-02")][0] not in html
    assert COMMENTS[("manager", "ORG-03")][0] not in html
    for name in (*NAMES, "acme.example"):
        assert name not in html
    assert Finding.objects.filter(assessment=voices.assessment).count() > 0  # proposed on first look


def _finding(assessment, key: str) -> Finding:
    return Finding.objects.get(assessment=assessment, key=key)


def test_edit_hide_reorder_and_add_findings(consultant_client, voices):
    _page(consultant_client, voices.assessment)
    finding = _finding(voices.assessment, "strength:ORG-01")
    prefix = f"finding-{finding.pk}"
    shown = next(
        item
        for item in findings_list(assessment=voices.assessment, language="en")
        if item["id"] == finding.pk
    )
    response = consultant_client.post(
        _url(voices.assessment),
        {
            "action": "finding-edit",
            "item": finding.pk,
            f"{prefix}-text_en": "Strategy is owned by the board.",
            f"{prefix}-text_ru": shown["generated"]["ru"],
        },
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#finding-{finding.pk}")
    finding.refresh_from_db()
    assert finding.text == {
        "en": "Strategy is owned by the board."
    }  # the unchanged Russian stays the engine's
    html = _page(consultant_client, voices.assessment)
    assert "Strategy is owned by the board." in html and "No Russian text" in html and "Edited" in html

    consultant_client.post(_url(voices.assessment), {"action": "finding-hide", "item": finding.pk})
    finding.refresh_from_db()
    assert finding.hidden
    assert "The finding is hidden: reports leave it out." in _page(consultant_client, voices.assessment)

    second = _finding(voices.assessment, "strength:ORG-02")
    consultant_client.post(_url(voices.assessment), {"action": "finding-up", "item": second.pk})
    second.refresh_from_db()
    finding.refresh_from_db()
    assert second.position < finding.position

    refused = consultant_client.post(
        _url(voices.assessment),
        {"action": "add-finding", "area": "staff", "add-staff-kind": "strength", "add-staff-text_en": ""},
    )
    assert refused.status_code == 400
    assert 'id="id_add-staff-text_en_error"' in refused.content.decode()
    consultant_client.post(
        _url(voices.assessment),
        {
            "action": "add-finding",
            "area": "staff",
            "add-staff-kind": "improvement",
            "add-staff-text_en": "Onboarding skips the service standards.",
            "add-staff-text_ru": "При адаптации не изучают стандарты сервиса.",
        },
    )
    added = Finding.objects.get(assessment=voices.assessment, key="")
    assert (added.area, added.kind, added.text["ru"]) == (
        "staff",
        "improvement",
        "При адаптации не изучают стандарты сервиса.",
    )


def test_the_commentary_and_the_reports_tab_summary_of_missing_texts(consultant_client, voices, monkeypatch):
    from reports import services

    monkeypatch.setattr(services, "report_pdf", lambda *, html: b"%PDF-1.7 stand-in")
    response = consultant_client.post(
        _url(voices.assessment),
        {
            "action": "commentary",
            "commentary-text_en": "A good start.\n\nNow act on complaints.",
            "commentary-text_ru": "",
        },
    )
    assert response.status_code == 302
    assert ExecutiveCommentary.objects.get(assessment=voices.assessment).text == {
        "en": "A good start.\n\nNow act on complaints."
    }
    reports_url = reverse("workspace:reports", args=[voices.assessment.pk])
    tab = consultant_client.get(reports_url).content.decode()
    assert "Missing Russian text: the executive commentary." in tab
    refused = consultant_client.post(reports_url, {"kind": "executive", "language": "ru"})
    assert refused.status_code == 400
    assert "Missing Russian text: the executive commentary." in refused.content.decode()
    consultant_client.post(
        _url(voices.assessment),
        {
            "action": "commentary",
            "commentary-text_en": "A good start.",
            "commentary-text_ru": "Хорошее начало.",
        },
    )
    assert "Missing Russian text" not in consultant_client.get(reports_url).content.decode()
    assert consultant_client.post(reports_url, {"kind": "executive", "language": "ru"}).status_code == 302


def test_picking_quotes_only_from_groups_that_may_be_shown(consultant_client, voices):
    comment = voices.comments["frontline"]
    prefix = f"pick-comment-{comment.pk}"
    response = consultant_client.post(
        _url(voices.assessment),
        {
            "action": "quote-pick",
            "source": "comment",
            "item": comment.pk,
            f"{prefix}-original_language": "en",
            f"{prefix}-translation_en": "",
            f"{prefix}-translation_ru": "Клиенты говорят, что приложение медленное.",
        },
    )
    assert response.status_code == 302
    quote = Quote.objects.get(answer=comment)
    assert (quote.original, quote.translations, quote.area) == (
        COMMENTS[("frontline", "ORG-01")][0],
        {"ru": "Клиенты говорят, что приложение медленное."},
        "organization",
    )
    html = _page(consultant_client, voices.assessment)
    assert f'id="quote-{quote.pk}"' in html and "The quote is added to the report." in html

    hidden_group = voices.comments["executive"]
    prefix = f"pick-comment-{hidden_group.pk}"
    refused = consultant_client.post(
        _url(voices.assessment),
        {
            "action": "quote-pick",
            "source": "comment",
            "item": hidden_group.pk,
            f"{prefix}-original_language": "en",
        },
    )
    assert refused.status_code == 400
    assert "fewer than 5 respondents" in refused.content.decode()
    assert not Quote.objects.filter(answer=hidden_group).exists()

    consultant_client.post(_url(voices.assessment), {"action": "quote-remove", "item": quote.pk})
    assert not Quote.objects.exists()


def test_frozen_once_published(consultant_client, voices):
    _page(consultant_client, voices.assessment)
    finding = _finding(voices.assessment, "strength:ORG-01")
    assessment_published(assessment=voices.assessment)
    html = _page(consultant_client, voices.assessment)
    assert "The findings are frozen." in html
    assert 'value="finding-hide"' not in html and 'value="quote-pick"' not in html
    response = consultant_client.post(
        _url(voices.assessment), {"action": "finding-hide", "item": finding.pk}, follow=True
    )
    assert "The findings cannot change once the assessment is published." in response.content.decode()
    finding.refresh_from_db()
    assert not finding.hidden
    response = consultant_client.post(
        _url(voices.assessment), {"action": "commentary", "commentary-text_en": "Late."}, follow=True
    )
    assert (
        "The executive commentary cannot change once the assessment is published."
        in response.content.decode()
    )
    assert not ExecutiveCommentary.objects.exists()


def test_executives_and_strangers_get_404(
    executive_client, stranger_consultant_client, stranger_executive_client, voices
):
    assessment_published(assessment=voices.assessment)  # the executive may read it
    for client in (executive_client, stranger_consultant_client, stranger_executive_client):
        assert client.get(_url(voices.assessment)).status_code == 404
        assert client.post(_url(voices.assessment), {"action": "regenerate"}).status_code == 404
    page = executive_client.get(reverse("workspace:scores", args=[voices.assessment.pk])).content.decode()
    assert _url(voices.assessment) not in page  # no tab either
