"""The consultant reads the invitation and the reminder, in each language, before they go out."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _url(audit, kind, language, html=False):
    return reverse(
        "workspace:email-preview-html" if html else "workspace:email-preview", args=[audit.pk, kind, language]
    )


def test_the_invitation_in_russian_as_a_respondent_gets_it(consultant_client, audit, settings):
    settings.SITE_URL = "https://cx.example.com"
    tab = consultant_client.get(reverse("workspace:respondents", args=[audit.pk])).content.decode()
    assert (
        f'href="{_url(audit, "invitation", "en")}"' in tab
        and f'href="{_url(audit, "reminder", "en")}"' in tab
    )

    page = consultant_client.get(_url(audit, "invitation", "ru"))
    assert page.status_code == 200
    assert page.context["message"].subject == "Alpha Bank: ваше мнение о том, как мы обслуживаем клиентов"
    body = page.context["message"].body
    assert "Ваша персональная ссылка:" in body and "https://cx.example.com/r/your-personal-link/" in body
    assert f'src="{_url(audit, "invitation", "ru", html=True)}"' in page.content.decode()

    html = consultant_client.get(_url(audit, "invitation", "ru", html=True))
    assert html["Content-Security-Policy"].startswith("default-src 'none'; style-src 'unsafe-inline'")
    assert html["X-Frame-Options"] == "SAMEORIGIN"
    assert "Начать опрос" in html.content.decode()


def test_the_reminder_in_english(consultant_client, audit):
    message = consultant_client.get(_url(audit, "reminder", "en")).context["message"]
    assert message.subject == "Reminder: Alpha Bank customer-experience survey"
    assert message.body.startswith("Hello,\n\nA few days ago we invited you")


def test_only_the_assessments_consultants_preview_and_only_what_exists(
    consultant_client, executive_client, stranger_consultant_client, audit
):
    for client in (executive_client, stranger_consultant_client):
        assert client.get(_url(audit, "invitation", "en")).status_code == 404
        assert client.get(_url(audit, "invitation", "en", html=True)).status_code == 404
    assert consultant_client.get(_url(audit, "welcome", "en")).status_code == 404
    assert consultant_client.get(_url(audit, "invitation", "de")).status_code == 404
