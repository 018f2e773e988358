"""Nothing a client reads speaks of how the method was put together: no "seed", "the case",
source documents or their contradictions, in any language. The reports of the demo bank are
rendered in every kind and language and read back with pdftotext (the full reports with every
Kazakh letter and Uzbek's oʻ gʻ as they were written); the recommendation library,
the invitation e-mails and the executive's pages are scanned too."""

import datetime
import re
from html import unescape
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from assessment.demo import demo_seed
from reports.demo import demo_narrative_write
from reports.models import ReportKind
from reports.recommendations import recommendation_library
from reports.services import report_bytes
from tests.reports.pdf_text import pdftotext

# Internal wording, case-insensitive. Verbs such as "contradict each other" describe a
# client's channels and stay; what names the method's own sources does not.
FORBIDDEN = {
    "seed": r"\bseed",
    "the case": r"\bthe case\b",
    "case study": r"\bcase stud",
    "source document": r"\bsource documents?\b",
    "source methodology": r"\bsource methodolog",
    "contradictory": r"\bcontradict(?:ory|ions?)\b",
    "кейс": r"кейс",
    "сид-банк": r"\bсид\b|сид-банк",
    "исходный документ": r"исходн\w* (?:документ|методик|материал)",
    "первоисточник": r"первоисточник",
    "противоречие": r"противоречи[еяйю]|противоречив",
    "бастапқы құжат": r"бастапқы (?:құжат|әдістеме|материал)",
    "қайшылық": r"қайшылы[қғ]",
    "keys": r"\bkeys\b",
    "manba hujjat": r"(?:manba|dastlabki) (?:hujjat|metodika|material)",
    "ziddiyat": r"ziddiyat|qarama-qarshilik",
}


def forbidden_found(text: str) -> list[str]:
    """The forbidden entries that occur in `text`, each with the words around it."""
    found = []
    for name, pattern in FORBIDDEN.items():
        for match in re.finditer(pattern, text, flags=re.IGNORECASE):
            around = text[max(0, match.start() - 40) : match.end() + 40].replace("\n", " ")
            found.append(f"{name}: …{around}…")
    return found


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return pdftotext(path).replace("-\n", "-")  # words hyphenated at a line end joined again


def html_text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


LANGUAGES = [code for code, _name in settings.LANGUAGES]


@pytest.mark.parametrize(
    "text",
    [
        "As in the seed bank, churn fell.",
        "Как в кейсе, отток снизился.",
        "The source documents disagree.",
        "Исходная методика противоречива.",
        "THE CASE showed it.",
        "Кейсте клиенттердің кетуі азайды.",
        "Бастапқы құжаттарда қайшылық бар.",
        "Keys bankida mijozlar ketishi kamaydi.",
        "Manba hujjatlarda ziddiyat bor.",
    ],
)
def test_the_scanner_flags_internal_wording(text):
    assert forbidden_found(text)


def test_the_scanner_passes_the_firms_own_wording():
    text = (
        "In a comparable bank, churn fell 18 %. Complaints are handled case by case; channels "
        "contradict each other. В сопоставимом банке отток снизился; скрипты противоречат друг другу."
    )
    assert forbidden_found(text) == []


def test_reports_of_every_kind_and_language_speak_in_the_firms_voice(catalog_v2, tmp_path):
    # The re-assessment, collecting, with the published audit as its baseline; the audit with
    # the commentary and quotes the consultant wrote before publishing.
    reassessment = demo_seed(before_publish=demo_narrative_write)
    audit = reassessment.baseline
    assert audit.quotes.count() == 4
    rendered = [(reassessment, kind) for kind in ReportKind.values] + [
        (audit, ReportKind.FULL),
        (audit, ReportKind.EXECUTIVE),
    ]
    problems = {}
    for language in LANGUAGES:
        for assessment, kind in rendered:
            text = pdf_text(report_bytes(assessment=assessment, kind=kind, language=language), tmp_path)
            assert assessment.organization.name in text  # really read back
            if found := forbidden_found(text):
                problems[f"{assessment.pk}/{kind}/{language}"] = found
            if kind == ReportKind.FULL:
                assert_letters_kept(text, language)
    assert problems == {}


# Letters a font without them would drop or box: each must come back from the PDF as itself.
LETTERS = {"kk": "әғқңөұүі", "uz": "\u02bb"}


def assert_letters_kept(text: str, language: str) -> None:
    assert set(LETTERS.get(language, "")) <= set(text.lower()), language
    if language == "uz":
        # oʻ and gʻ with U+02BB, never an apostrophe or a quotation mark in its place.
        assert re.findall(r"\b[oOgG]['‘’`]\w", text) == []


def test_the_recommendation_library_speaks_in_the_firms_voice():
    library = recommendation_library()
    problems = []
    for language in LANGUAGES:
        texts = [step.title[language] for step in library.steps]
        for entry in library.recommendations:
            texts += [entry.title[language], entry.rationale[language], entry.impact[language]]
            texts += entry.actions[language]
        for text in texts:
            problems += forbidden_found(text)
    assert len(library.recommendations) > 10
    assert problems == []


@pytest.mark.django_db  # the e-mails read the firm's branding
@pytest.mark.parametrize(("reminder", "last_reminder"), [(False, False), (True, False), (True, True)])
def test_invitation_emails_speak_in_the_firms_voice(reminder, last_reminder):
    context = {
        "invitation": SimpleNamespace(name="Aigerim"),
        "organization": SimpleNamespace(name="Demo Bank"),
        "url": "https://cx.example.com/r/token/",
        "reminder": reminder,
        "last_reminder": last_reminder,
        "deadline": datetime.datetime(2026, 12, 20, 18, 0, tzinfo=datetime.UTC),
        "minutes": 14,
    }
    for language in LANGUAGES:
        with translation.override(language):
            for template in ("subject.txt", "body.txt", "body.html"):
                text = render_to_string(f"surveys/email/{template}", context)
                assert forbidden_found(html_text(text)) == [], (language, template)


def test_the_executives_pages_speak_in_the_firms_voice(catalog_v2, client):
    reassessment = demo_seed(before_publish=demo_narrative_write)
    baseline = reassessment.baseline  # the published audit the executive sees
    executive = reassessment.organization.memberships.get(role="executive").user
    client.force_login(executive)
    urls = [
        reverse("workspace:home"),
        reverse("workspace:assessment", args=[baseline.pk]),
        reverse("workspace:scores", args=[baseline.pk]),
        reverse("workspace:reports", args=[baseline.pk]),
    ]
    for language in LANGUAGES:
        for url in urls:
            response = client.get(url, follow=True, HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == 200, url
            assert forbidden_found(html_text(response.content.decode())) == [], (language, url)
