"""The assessment's translation workbook (reports.translations): the consultant's own texts out
to a translator and back, through the services of each text, all or nothing."""

import io

import openpyxl
import pytest

from assessment.models import AuditEvent, InterviewScore
from config.exceptions import ItemErrors, StateConflict
from reports.models import ExecutiveCommentary, Finding, Initiative, Quote, RecommendationItem
from reports.narrative_selectors import report_texts_missing
from reports.narrative_services import commentary_set, findings_review, quote_pick
from reports.services import recommendations_review
from reports.translations import (
    assessment_translations_completeness,
    assessment_translations_import,
    assessment_translations_workbook,
)
from tests.factories import assessment_published


@pytest.fixture
def written(audit):
    """The re-assessment with one text of each kind the consultant writes, in English (the
    commentary in Russian too; the quote's original is an English interview note)."""
    assessment, user = audit.current, audit.consultant
    findings_review(
        assessment=assessment,
        user=user,
        changes=[
            {"area": "processes", "kind": "improvement", "text": {"en": "Complaints go to three systems."}}
        ],
    )
    commentary_set(
        assessment=assessment,
        user=user,
        text={"en": "The customer comes first.", "ru": "Клиент прежде всего."},
    )
    recommendations_review(
        assessment=assessment,
        user=user,
        changes=[
            {
                "title": {"en": "One complaints desk"},
                "actions": {"en": ["Name an owner", "Route every channel to one queue"]},
                "horizon": "0-3",
                "effort": "M",
            }
        ],
    )
    note = InterviewScore.objects.filter(assessment=assessment).first()
    note.note = "Bonuses depend on sales volume only."
    note.save()
    quote = quote_pick(
        assessment=assessment,
        user=user,
        source="interview",
        source_id=note.pk,
        original_language="en",
        translations={"ru": "Премии зависят только от объёма продаж."},
    )
    return {
        "assessment": assessment,
        "user": user,
        "finding": Finding.objects.get(assessment=assessment, key=""),
        "recommendation": RecommendationItem.objects.get(assessment=assessment, code=""),
        "quote": quote,
    }


def _rows(raw: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(raw)).active.iter_rows(values_only=True))


def _filled(raw: bytes, translations: dict[str, str]) -> bytes:
    """The workbook with the translation column written for the keys given."""
    book = openpyxl.load_workbook(io.BytesIO(raw))
    for row in book.active.iter_rows(min_row=2):
        if row[0].value in translations:
            row[2].value = translations[row[0].value]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _stored(assessment) -> dict:
    return {
        "findings": list(Finding.objects.filter(assessment=assessment).values_list("text", flat=True)),
        "commentary": ExecutiveCommentary.objects.get(assessment=assessment).text,
        "recommendations": list(
            RecommendationItem.objects.filter(assessment=assessment).values_list("title", "actions")
        ),
        "quotes": list(Quote.objects.filter(assessment=assessment).values_list("translations", flat=True)),
        "audit": AuditEvent.objects.filter(assessment=assessment).count(),
    }


def test_the_workbook_holds_every_text_the_consultant_wrote(written):
    finding, item, quote = written["finding"], written["recommendation"], written["quote"]
    raw = assessment_translations_workbook(assessment=written["assessment"], source="en", target="kk")
    assert _rows(raw) == [
        ("key", "en", "kk", "status"),
        (f"finding.{finding.pk}", "Complaints go to three systems.", None, "missing"),
        ("commentary", "The customer comes first.", None, "missing"),
        (f"recommendation.{item.pk}.title", "One complaints desk", None, "missing"),
        (
            f"recommendation.{item.pk}.actions",
            "Name an owner\nRoute every channel to one queue",
            None,
            "missing",
        ),
        (f"quote.{quote.pk}", "Bonuses depend on sales volume only.", None, "missing"),
    ]
    # Into English, the quote's own language, its original is not there to change.
    keys = [
        row[0]
        for row in _rows(
            assessment_translations_workbook(assessment=written["assessment"], source="ru", target="en")
        )
    ]
    assert keys == ["key", "commentary"]


def test_reimporting_the_workbook_unchanged_changes_nothing(written):
    assessment = written["assessment"]
    before = _stored(assessment)
    for target in ("ru", "kk"):
        raw = assessment_translations_workbook(assessment=assessment, source="en", target=target)
        imported = assessment_translations_import(assessment=assessment, user=written["user"], raw=raw)
        assert (imported.source, imported.target, imported.changed) == ("en", target, 0)
    assert _stored(assessment) == before


def test_translations_are_stored_with_the_texts_and_complete_the_report(written):
    assessment, finding, item, quote = (
        written[key] for key in ("assessment", "finding", "recommendation", "quote")
    )
    assert report_texts_missing(assessment=assessment, kind="full", language="kk") != []
    raw = _filled(
        assessment_translations_workbook(assessment=assessment, source="en", target="kk"),
        {
            f"finding.{finding.pk}": "Шағымдар үш жүйеге түседі.",
            "commentary": "Клиент бәрінен маңызды.",
            f"recommendation.{item.pk}.title": "Бірыңғай шағымдар қызметі",
            f"recommendation.{item.pk}.actions": (
                "Жауапты тұлғаны тағайындау\nБарлық арналарды бір кезекке бағыттау"
            ),
            f"quote.{quote.pk}": "Сыйақы тек сату көлеміне байланысты.",
        },
    )
    imported = assessment_translations_import(assessment=assessment, user=written["user"], raw=raw)
    assert imported.changed == 5
    finding.refresh_from_db()
    item.refresh_from_db()
    quote.refresh_from_db()
    assert finding.text == {"en": "Complaints go to three systems.", "kk": "Шағымдар үш жүйеге түседі."}
    assert ExecutiveCommentary.objects.get(assessment=assessment).text["kk"] == "Клиент бәрінен маңызды."
    assert item.title["kk"] == "Бірыңғай шағымдар қызметі"
    assert item.actions["kk"] == ["Жауапты тұлғаны тағайындау", "Барлық арналарды бір кезекке бағыттау"]
    assert quote.translations == {
        "ru": "Премии зависят только от объёма продаж.",
        "kk": "Сыйақы тек сату көлеміне байланысты.",
    }
    assert report_texts_missing(assessment=assessment, kind="full", language="kk") == []
    completeness = {
        item.language: (item.percent, item.missing)
        for item in assessment_translations_completeness(assessment=assessment)
    }
    # Five texts: the commentary alone is in Russian too, and the quote's Russian translation.
    assert completeness == {"en": (100, 0), "ru": (40, 3), "kk": (100, 0), "uz": (0, 5)}
    # Each change went through its service: the audit log names them.
    actions = set(AuditEvent.objects.filter(assessment=assessment).values_list("action", flat=True))
    assert {"finding", "commentary", "recommendation", "quote"} <= actions


def test_a_broken_placeholder_is_refused_with_its_row_and_nothing_is_saved(written):
    assessment, finding = written["assessment"], written["finding"]
    findings_review(
        assessment=assessment,
        user=written["user"],
        changes=[{"id": finding.pk, "text": {"en": "Complaints reach %(count)d systems."}}],
    )
    before = _stored(assessment)
    raw = _filled(
        assessment_translations_workbook(assessment=assessment, source="en", target="kk"),
        {f"finding.{finding.pk}": "Шағымдар %(cnt)d жүйеге түседі.", "commentary": "Клиент бәрінен маңызды."},
    )
    with pytest.raises(ItemErrors) as refused:
        assessment_translations_import(assessment=assessment, user=written["user"], raw=raw)
    assert refused.value.as_detail() == {
        "rows": [
            {
                "index": 2,
                "kk": ["The placeholders differ: the source has %(count)d, the translation %(cnt)d."],
            }
        ]
    }
    assert _stored(assessment) == before


def test_a_published_assessment_keeps_what_the_client_was_shown(written):
    assessment = assessment_published(assessment=written["assessment"])
    raw = _filled(
        assessment_translations_workbook(assessment=assessment, source="en", target="uz"),
        {"commentary": "Mijoz hammadan muhim."},
    )
    before = _stored(assessment)
    with pytest.raises(StateConflict):
        assessment_translations_import(assessment=assessment, user=written["user"], raw=raw)
    assert _stored(assessment) == before


def test_the_action_plan_is_translated_after_publishing(written):
    assessment = assessment_published(assessment=written["assessment"])
    # Publishing made the roadmap the plan: the custom recommendation is an initiative in English.
    initiative = Initiative.objects.get(assessment=assessment, recommendation=written["recommendation"])
    raw = _filled(
        assessment_translations_workbook(assessment=assessment, source="en", target="uz"),
        {f"initiative.{initiative.pk}.title": "Yagona shikoyatlar xizmati"},
    )
    assert assessment_translations_import(assessment=assessment, user=written["user"], raw=raw).changed == 1
    assert Initiative.objects.get(pk=initiative.pk).title == {
        "en": "One complaints desk",
        "uz": "Yagona shikoyatlar xizmati",
    }
