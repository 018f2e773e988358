"""Representative quotes: the consultant picks respondents' comments (only from groups the scores
may show: anonymity threshold and complementary suppression) and interview notes per area; no
name is ever shown; the quote is given in each language (the original counts for its own);
reports show the picked quotes that may still be shown; frozen once published."""

import pytest
from django.urls import reverse

from assessment.models import Assessment, AuditEvent
from reports.models import Quote
from reports.narrative_selectors import quote_candidates
from reports.selectors import report_context
from reports.services import report_bytes
from tests.factories import OrganizationFactory, assessment_published, consultant_of, executive_of
from tests.reports.pdf_text import pdftotext
from tests.reports.voices import COMMENTS, NAMES, NOTE, audit_with_voices


@pytest.fixture
def voices(catalog, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    organization = OrganizationFactory(name="Acme Bank")
    consultant = consultant_of(organization)
    built = audit_with_voices(organization=organization, consultant=consultant)
    built.consultant, built.executive = consultant, executive_of(organization)
    return built


@pytest.fixture
def quick_render(monkeypatch):
    """Report requests render stand-in bytes: the documents are not under test here."""
    from reports import services

    monkeypatch.setattr(services, "report_pdf", lambda *, html: b"%PDF-1.7 stand-in")


def _url(assessment, tail: str = "quotes/") -> str:
    return f"/api/v1/assessments/{assessment.pk}/{tail}"


def _pick(api, voices, answer_or_note, *, source="comment", language="en", translations=None):
    return api.post(
        _url(voices.assessment),
        {
            "source": source,
            "source_id": answer_or_note.pk,
            "original_language": language,
            "translations": translations or {},
        },
        format="json",
    )


def _no_names(text: str) -> None:
    for name in NAMES:
        assert name not in text
    for name in ("Petrov", "Smirnova", "Kuznetsov", "Volkova", "acme.example"):
        assert name not in text


def test_only_comments_from_groups_that_may_be_shown_are_listed_and_no_name(api, voices):
    api.force_authenticate(voices.consultant)
    response = api.get(_url(voices.assessment, "quote-candidates/"))
    assert response.status_code == 200
    listed = {(item["source"], item["text"]): item for item in response.json()}
    assert set(listed) == {
        ("comment", COMMENTS[("frontline", "ORG-01")][0]),
        ("comment", COMMENTS[("back_office", "PRC-01")][0]),
        ("interview", NOTE),
    }
    frontline = listed[("comment", COMMENTS[("frontline", "ORG-01")][0])]
    assert (frontline["attribution"], frontline["area"], frontline["indicator"], frontline["language"]) == (
        "Frontline",
        "organization",
        "ORG-01",
        "en",
    )
    back_office = listed[("comment", COMMENTS[("back_office", "PRC-01")][0])]
    assert (back_office["attribution"], back_office["language"]) == ("Back office", "ru")
    assert listed[("interview", NOTE)]["attribution"] == "Leadership interview"
    _no_names(response.content.decode())
    # By area, in Russian.
    russian = quote_candidates(assessment=voices.assessment, language="ru", area="processes")
    assert [(item["text"], item["attribution"]) for item in russian] == [
        (COMMENTS[("back_office", "PRC-01")][0], "Бэк-офис")
    ]


@pytest.mark.parametrize("role", ["executive", "manager"])
def test_a_comment_from_a_group_under_the_threshold_is_refused_with_400(api, voices, role):
    api.force_authenticate(voices.consultant)
    response = _pick(api, voices, voices.comments[role])
    assert response.status_code == 400
    assert "fewer than 5 respondents" in response.json()["source_id"][0]
    assert not Quote.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.QUOTE).exists()


def test_a_picked_comment_is_quoted_in_each_language_and_audited(api, voices):
    api.force_authenticate(voices.consultant)
    comment = voices.comments["back_office"]
    response = _pick(
        api,
        voices,
        comment,
        language="ru",
        translations={"en": "Customer requests get lost between departments."},
    )
    assert response.status_code == 201, response.json()
    quote = response.json()
    assert (quote["area"], quote["original_language"], quote["attribution"], quote["eligible"]) == (
        "processes",
        "ru",
        "Back office",
        True,
    )
    assert quote["texts"] == {
        "en": "Customer requests get lost between departments.",
        "ru": COMMENTS[("back_office", "PRC-01")][0],
        "kk": "",
        "uz": "",
    }
    assert quote["missing_languages"] == ["kk", "uz"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.QUOTE)
    assert event.target == f"comment:{comment.pk}" and event.after["translations"] == {
        "en": "Customer requests get lost between departments."
    }
    assert _pick(api, voices, comment, language="ru").status_code == 400  # quoted already
    # A translation into the original's own language is refused: the original is it.
    note = _pick(api, voices, voices.note, source="interview", translations={"en": "Again"})
    assert note.status_code == 400 and "translations" in note.json()
    edited = api.patch(
        _url(voices.assessment, f"quotes/{quote['id']}/"), {"translations": {"en": ""}}, format="json"
    )
    assert edited.json()["missing_languages"] == ["en", "kk", "uz"]


def test_reports_show_the_quotes_in_their_language_without_names(api, voices, tmp_path):
    api.force_authenticate(voices.consultant)
    _pick(
        api,
        voices,
        voices.comments["frontline"],
        translations={"ru": "Клиенты говорят, что приложение медленное."},
    )
    _pick(
        api,
        voices,
        voices.note,
        source="interview",
        translations={"ru": "Правление ежемесячно изучает отзывы."},
    )
    # Published: no DRAFT mark, whose letters pdftotext mixes into the text.
    voices.assessment = assessment_published(assessment=voices.assessment)
    texts = {}
    for language in ("en", "ru"):
        path = tmp_path / f"full-{language}.pdf"
        path.write_bytes(report_bytes(assessment=voices.assessment, kind="full", language=language))
        texts[language] = " ".join(pdftotext(path).split())
    assert "“Customers tell us the mobile app is too slow.” — Frontline" in texts["en"]
    assert "“The board reviews customer feedback every month.” — Leadership interview" in texts["en"]
    assert "«Клиенты говорят, что приложение медленное.» — Фронт-офис" in texts["ru"]
    assert "Customers tell us" not in texts["ru"]
    for text in texts.values():
        _no_names(text)
        assert COMMENTS[("executive", "ORG-02")][0] not in text


def test_a_quote_whose_group_falls_under_the_threshold_leaves_the_reports(api, voices):
    api.force_authenticate(voices.consultant)
    _pick(api, voices, voices.comments["frontline"], translations={"ru": "Клиенты недовольны."})
    Assessment.objects.filter(pk=voices.assessment.pk).update(anonymity_k=7)  # 6 frontline respondents
    voices.assessment.refresh_from_db()
    listed = api.get(_url(voices.assessment)).json()
    assert [(item["eligible"], item["attribution"]) for item in listed] == [(False, "")]
    # The threshold now hides every group: only the interview note may be quoted.
    candidates = api.get(_url(voices.assessment, "quote-candidates/")).json()
    assert [item["source"] for item in candidates] == ["interview"]
    assert report_context(assessment=voices.assessment, kind="full", language="en")["quotes"] == []


def _request(api, assessment, kind, language):
    return api.post(_url(assessment, "reports/"), {"kind": kind, "language": language}, format="json")


def test_a_missing_translation_refuses_the_reports_in_that_language(api, voices, quick_render):
    api.force_authenticate(voices.consultant)
    _pick(api, voices, voices.comments["frontline"])  # English only
    # Both the full report and the executive summary show the quotes.
    for kind in ("full", "executive"):
        response = _request(api, voices.assessment, kind, "ru")
        assert response.status_code == 400
        assert response.json() == {
            "language": [
                "Missing Russian text: quote “Customers tell us the mobile app is too slow.” in Organization."
            ]
        }
    assert _request(api, voices.assessment, "executive", "en").status_code == 202
    assert _request(api, voices.assessment, "full", "en").status_code == 202


def test_executives_read_the_quotes_of_a_published_assessment_without_their_source(api, voices):
    api.force_authenticate(voices.consultant)
    quote_id = _pick(
        api, voices, voices.comments["frontline"], translations={"ru": "Клиенты недовольны."}
    ).json()["id"]
    api.force_authenticate(voices.executive)
    assert api.get(_url(voices.assessment)).status_code == 404  # not published: not theirs
    assessment_published(assessment=voices.assessment)
    listed = api.get(_url(voices.assessment) + "?lang=ru").json()
    assert listed == [
        {
            "area": "organization",
            "area_name": "Организация",
            "text": "Клиенты недовольны.",
            "texts": {
                "en": COMMENTS[("frontline", "ORG-01")][0],
                "ru": "Клиенты недовольны.",
                "kk": "",
                "uz": "",
            },
            "attribution": "Фронт-офис",
        }
    ]
    assert api.get(_url(voices.assessment, "quote-candidates/")).status_code == 403
    assert _pick(api, voices, voices.comments["back_office"]).status_code == 403
    # Frozen for the consultant too.
    api.force_authenticate(voices.consultant)
    assert _pick(api, voices, voices.comments["back_office"]).status_code == 409
    assert api.delete(_url(voices.assessment, f"quotes/{quote_id}/")).status_code == 409
    assert Quote.objects.count() == 1


def test_strangers_get_404(api, voices):
    other = consultant_of(OrganizationFactory())
    api.force_authenticate(other)
    assert api.get(_url(voices.assessment)).status_code == 404
    assert _pick(api, voices, voices.comments["frontline"]).status_code == 404
    assert reverse("api:quotes", args=[voices.assessment.pk]) == _url(voices.assessment)
