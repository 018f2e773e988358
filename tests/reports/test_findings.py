"""Findings per area: proposed from the scores by a pure function (reports.findings), reviewed
by the consultant (edit in each language, reorder, hide, add), kept through regeneration, frozen
once published; the executive commentary; a report in a language a consultant's text lacks is
refused naming each such text; findings and commentary appear in the PDFs."""

import pandas as pd
import pytest
from django.core.exceptions import ImproperlyConfigured

from assessment.models import AuditEvent
from reports.findings import finding_text, findings_propose, templates_load
from reports.models import Finding, RecommendationItem
from reports.narrative_selectors import report_texts_missing
from reports.narrative_services import commentary_set, findings_generate, findings_review
from reports.services import recommendations_ensure, report_bytes
from tests.factories import assessment_published
from tests.reports.pdf_text import pdftotext

NAMES = {
    "en": {
        "organization": "Organization",
        "processes": "Processes",
        "ORG-01": "CX in business strategy",
        "ORG-02": "Leadership engagement in CX",
        "ORG-03": "CX governance and ownership",
        "ORG-04": "Cross-functional collaboration on CX",
        "ORG-05": "CX targets and KPI system",
        "PRC-01": "Customer feedback is collected in every channel",
        "PRC-02": "Complaint handling",
        "PRC-03": "Journey mapping",
    },
    "ru": {
        "organization": "Организация",
        "processes": "Процессы",
        "ORG-01": "CX в бизнес-стратегии",
        "ORG-05": "Система CX-целей и KPI",
        "PRC-01": "Сбор обратной связи во всех каналах",
        "PRC-02": "Работа с жалобами",
    },
}


def _indicator(code, score, *, mean=None, n=0, interview=None, data=None, covered=True):
    """An indicator as the scores give it; evidence levels 1–5 as 0–100 scores."""
    return {
        "code": code,
        "area": "organization" if code.startswith("ORG") else "processes",
        "score": score,
        "n": n,
        "mean_level": mean,
        "covered": covered,
        "evidence": {
            "survey": None if mean is None else (mean - 1) * 25,
            "interview": None if interview is None else (interview - 1) * 25,
            "data": None if data is None else (data - 1) * 25,
        },
    }


def _catalog():
    codes = ["ORG-01", "ORG-02", "ORG-03", "ORG-04", "ORG-05", "PRC-01", "PRC-02", "PRC-03"]
    indicators = pd.DataFrame(
        {"area": ["organization"] * 5 + ["processes"] * 3, "weight": 1.0, "metric": None}, index=codes
    )
    areas = pd.DataFrame({"weight": [1.0, 1.0]}, index=["organization", "processes"])
    return indicators, areas


SCORES = {
    "indicators": [
        _indicator("ORG-01", 80.0, mean=4.3, n=12, interview=4),
        _indicator("ORG-02", 62.5, mean=3.5, n=8),
        _indicator("ORG-03", 55.0, mean=3.2, n=2, covered=False),  # too little evidence: no finding
        _indicator("ORG-04", 30.0, mean=2.2, n=10, interview=2),
        _indicator("ORG-05", 45.0, mean=3.8, n=9, interview=1),
        _indicator("PRC-01", 90.0, mean=4.6, n=20, data=5),
        _indicator("PRC-02", 40.0, mean=2.6, n=6),
        _indicator("PRC-03", None, covered=False),
    ],
    "gaps": [
        {"kind": "management_vs_frontline", "scope": "area", "code": "processes", "management": 60.0,
         "frontline": 40.0, "gap": 20.0},
        {"kind": "management_vs_frontline", "scope": "area", "code": "organization", "management": 55.0,
         "frontline": 50.0, "gap": 5.0},
        {"kind": "management_vs_frontline", "scope": "indicator", "code": "PRC-02", "management": 30.0,
         "frontline": 48.0, "gap": -18.0},
        {"kind": "management_vs_frontline", "scope": "indicator", "code": "ORG-02", "management": 66.0,
         "frontline": 54.0, "gap": 12.0},
        {"kind": "employees_vs_customers", "scope": "indicator", "code": "PRC-01", "metric": "csi",
         "employees": 90.0, "customers": 50.0, "gap": 40.0},
    ],
}  # fmt: skip


def _proposal():
    indicators, areas = _catalog()
    return findings_propose(scores=SCORES, indicators=indicators, areas=areas)


def test_the_proposal_picks_the_highest_and_lowest_covered_indicators_gaps_and_disagreements():
    proposal = _proposal()
    assert [(entry["area"], entry["kind"], entry["key"]) for entry in proposal] == [
        ("organization", "strength", "strength:ORG-01"),
        ("organization", "strength", "strength:ORG-02"),
        ("organization", "improvement", "improvement:ORG-04"),
        ("organization", "improvement", "improvement:ORG-05"),
        ("organization", "improvement", "sources:ORG-05"),
        ("processes", "strength", "strength:PRC-01"),
        ("processes", "improvement", "improvement:PRC-02"),
        ("processes", "improvement", "management_gap:processes"),
        ("processes", "improvement", "management_gap:PRC-02"),
        ("processes", "improvement", "customers:PRC-01"),
    ]


def test_each_finding_says_its_numbers_and_evidence_in_each_language():
    texts = {
        entry["key"]: {
            language: finding_text(facts=entry["facts"], language=language, names=NAMES[language])
            for language in ("en", "ru")
        }
        for entry in _proposal()
    }
    assert texts["strength:ORG-01"] == {
        "en": "CX in business strategy is a strength: 80.0 of 100 — 4.3 of 5 in the survey (n = 12), "
        "confirmed in interviews.",
        "ru": "«CX в бизнес-стратегии» — сильная сторона: 80,0 из 100; 4,3 из 5 по опросу (n = 12), "
        "подтверждено на интервью.",
    }
    assert texts["improvement:ORG-05"]["en"] == (
        "CX targets and KPI system needs improvement: 45.0 of 100 — 3.8 of 5 in the survey (n = 9), "
        "1 of 5 in interviews."
    )
    assert texts["sources:ORG-05"] == {
        "en": "The evidence on CX targets and KPI system disagrees: survey 3.8 of 5, interviews 1 of 5.",
        "ru": (
            "Данные по показателю «Система CX-целей и KPI» расходятся: опрос — 3,8 из 5, интервью — 1 из 5."
        ),
    }
    assert texts["strength:PRC-01"]["en"] == (
        "Customer feedback is collected in every channel is a strength: 90.0 of 100 — 4.6 of 5 in the "
        "survey (n = 20), confirmed by customer data."
    )
    assert texts["management_gap:processes"]["en"] == (
        "Management rates Processes higher than the front line: 60.0 vs 40.0 of 100."
    )
    assert texts["management_gap:PRC-02"]["ru"] == (
        "Фронт-линия оценивает «Работа с жалобами» выше, чем руководство: 48,0 против 30,0 из 100."
    )
    assert texts["customers:PRC-01"]["en"] == (
        "Employees rate Customer feedback is collected in every channel at 90.0 of 100; customer data put "
        "it at 50.0."
    )


def test_a_template_file_missing_a_language_or_a_placeholder_is_refused(tmp_path):
    from reports.findings import TEMPLATES_PATH

    text = TEMPLATES_PATH.read_text(encoding="utf-8")
    broken = tmp_path / "findings.yaml"
    broken.write_text(text.replace('ru: "{mean} из 5 по опросу (n = {n})"', 'ru: "{mean} из 5 по опросу"'))
    with pytest.raises(ImproperlyConfigured, match="different placeholders"):
        templates_load(path=broken)
    broken.write_text(text.replace('    ru: "подтверждено на интервью"\n', ""))
    with pytest.raises(ImproperlyConfigured, match="interview_confirms needs a text in each of en, ru"):
        templates_load(path=broken)


# --- reviewed by the consultant -------------------------------------------------------------------


def _url(assessment, tail: str = "findings/") -> str:
    return f"/api/v1/assessments/{assessment.pk}/{tail}"


def _by_key(items: list[dict]) -> dict[str, dict]:
    return {item["key"] or f"#{item['id']}": item for item in items}


@pytest.fixture
def quick_render(monkeypatch):
    """Report requests render stand-in bytes: the documents are not under test here."""
    from reports import services

    monkeypatch.setattr(services, "report_pdf", lambda *, html: b"%PDF-1.7 stand-in")


def test_first_look_proposes_findings_for_every_area(api, audit):
    api.force_authenticate(audit.consultant)
    response = api.get(_url(audit.current))
    assert response.status_code == 200
    items = response.json()
    # Every indicator of an area scores alike (ORG, STF, PRC 75, TEC 50): the first two of each
    # area are its strengths, the next two its improvement zones; no management in the sample.
    assert [item["key"] for item in items if item["area"] == "organization"] == [
        "strength:ORG-01",
        "strength:ORG-02",
        "improvement:ORG-03",
        "improvement:ORG-04",
    ]
    assert len(items) == 16 and [item["position"] for item in items] == list(range(1, 17))
    first = items[0]
    assert first["text"] == (
        "CX in business strategy is a strength: 75.0 of 100 — 4.0 of 5 in the survey (n = 5), confirmed in "
        "interviews."
    )
    assert first["generated"]["ru"].startswith("«CX в бизнес-стратегии» — сильная сторона: 75,0 из 100")
    assert (first["edited"], first["hidden"], first["missing_languages"]) == (False, False, [])
    assert AuditEvent.objects.filter(action=AuditEvent.Action.FINDING, target="generate").count() == 1
    assert api.get(_url(audit.current)).json() == items  # asking again proposes nothing new


def test_review_edits_hides_adds_and_reorders_and_regeneration_keeps_it(api, audit):
    from assessment.services import interview_scores_set

    api.force_authenticate(audit.consultant)
    items = _by_key(api.get(_url(audit.current)).json())
    response = api.patch(
        _url(audit.current),
        {
            "items": [
                {
                    "id": items["strength:ORG-01"]["id"],
                    "text": {"en": "Strategy is owned.", "ru": "Стратегия есть."},
                },
                {"id": items["improvement:ORG-03"]["id"], "hidden": True},
                {"area": "processes", "kind": "strength", "text": {"en": "Complaints close fast."}},
            ],
            "order": [items["strength:ORG-02"]["id"]],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    after = _by_key(response.json())
    assert after["strength:ORG-01"]["text"] == "Strategy is owned." and after["strength:ORG-01"]["edited"]
    assert after["improvement:ORG-03"]["hidden"]
    custom = next(item for item in after.values() if item["custom"])
    assert (custom["area"], custom["kind"], custom["text"], custom["missing_languages"]) == (
        "processes",
        "strength",
        "Complaints close fast.",
        ["ru", "kk", "uz"],
    )
    assert custom["position"] == 17 and after["strength:ORG-02"]["position"] == 1
    events = AuditEvent.objects.filter(action=AuditEvent.Action.FINDING)
    assert set(events.values_list("target", flat=True)) == {
        "generate",
        "strength:ORG-01",
        "improvement:ORG-03",
        f"#{custom['id']}",
        "order",
    }
    assert events.get(target="improvement:ORG-03").after == {"text": {}, "hidden": True}

    # ORG-04 rises to 84.4: now the first strength; ORG-02 becomes an improvement zone.
    interview_scores_set(
        assessment=audit.current,
        user=audit.consultant,
        items=[{"indicator": "ORG-04", "level": 5, "note": ""}],
    )
    regenerated = api.patch(_url(audit.current), {"regenerate": True}, format="json").json()
    keys = [item["key"] or "custom" for item in regenerated if item["area"] in ("organization", "processes")]
    assert keys == [
        "strength:ORG-01",  # edited: kept, in its place
        "improvement:ORG-03",  # hidden: kept hidden
        "strength:PRC-01",
        "strength:PRC-02",
        "improvement:PRC-03",
        "improvement:PRC-04",
        "custom",
        "strength:ORG-04",  # new proposals last
        "improvement:ORG-02",
    ]
    kept = _by_key(regenerated)
    assert kept["strength:ORG-01"]["text"] == "Strategy is owned." and kept["improvement:ORG-03"]["hidden"]
    assert "84.4 of 100" in kept["strength:ORG-04"]["text"]
    # Reverting the edit reads the engine's text again.
    reverted = api.patch(
        _url(audit.current),
        {"items": [{"id": kept["strength:ORG-01"]["id"], "text": {"en": "", "ru": ""}}]},
        format="json",
    ).json()
    assert _by_key(reverted)["strength:ORG-01"]["text"].startswith("CX in business strategy is a strength")


def test_a_bad_review_saves_nothing(api, audit):
    api.force_authenticate(audit.consultant)
    items = api.get(_url(audit.current)).json()
    response = api.patch(
        _url(audit.current),
        {
            "items": [
                {"id": items[0]["id"], "hidden": True},
                {"id": 999999, "hidden": True},
                {"area": "nowhere", "kind": "strength", "text": {"en": ""}},
                {"id": items[1]["id"], "text": {"en": "x" * 1001}},
                {"area": "staff", "kind": "strength", "text": {"de": "Gut."}},
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["items"]
    assert errors["3"]["text"]["en"] == ["Ensure this field has no more than 1000 characters."]
    assert errors["4"]["text"] == ["Unknown language(s): de. Give texts in en, ru, kk, uz."]
    response = api.patch(
        _url(audit.current),
        {
            "items": [
                {"id": items[0]["id"], "hidden": True},
                {"id": 999999},
                {"area": "nowhere", "kind": "strength"},
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    assert [(error["index"], sorted(set(error) - {"index"})) for error in response.json()["items"]] == [
        (1, ["id"]),
        (2, ["area", "text"]),
    ]
    assert not Finding.objects.filter(hidden=True).exists()
    assert api.patch(_url(audit.current), {"order": [999999]}, format="json").status_code == 400


def _request(api, assessment, kind, language):
    return api.post(_url(assessment, "reports/"), {"kind": kind, "language": language}, format="json")


def test_a_report_in_a_language_a_consultants_text_lacks_is_refused_naming_each(api, audit, quick_render):
    from reports.services import recommendations_review

    api.force_authenticate(audit.consultant)
    recommendations_ensure(assessment=audit.current)
    item = audit.current.recommendations.first()
    recommendations_review(
        assessment=audit.current,
        user=audit.consultant,
        changes=[{"id": item.pk, "title": {"en": "Our own words"}, "actions": {"en": ["Do it"]}}],
    )
    findings_generate(assessment=audit.current)
    findings_review(
        assessment=audit.current,
        user=audit.consultant,
        changes=[
            {
                "area": "processes",
                "kind": "improvement",
                "text": {"en": "Map every complaint to its root cause."},
            }
        ],
    )
    commentary_set(assessment=audit.current, user=audit.consultant, text={"ru": "Главное — клиент."})

    russian = _request(api, audit.current, "full", "ru")
    assert russian.status_code == 400
    assert russian.json() == {
        "language": [
            "Missing Russian text: recommendation “Our own words” (title, actions).",
            "Missing Russian text: finding “Map every complaint to its root cause.” in Processes.",
        ]
    }
    english = _request(api, audit.current, "executive", "en")
    assert english.json() == {"language": ["Missing English text: the executive commentary."]}
    # The comparison report shows none of these texts.
    assert _request(api, audit.current, "comparison", "ru").status_code == 202
    assert report_texts_missing(assessment=audit.current, kind="comparison", language="ru") == []

    recommendations_review(
        assessment=audit.current,
        user=audit.consultant,
        changes=[{"id": item.pk, "title": {"ru": "Наши слова"}, "actions": {"ru": ["Сделать"]}}],
    )
    custom = audit.current.findings.get(key="")
    findings_review(
        assessment=audit.current,
        user=audit.consultant,
        changes=[{"id": custom.pk, "text": {"ru": "Найти причину каждой жалобы."}}],
    )
    commentary_set(assessment=audit.current, user=audit.consultant, text={"en": "The customer comes first."})
    for language in ("en", "ru"):
        assert _request(api, audit.current, "full", language).status_code == 202
    # A hidden finding is not shown, so it needs no translation.
    findings_review(
        assessment=audit.current,
        user=audit.consultant,
        changes=[{"id": custom.pk, "text": {"ru": ""}}, {"id": custom.pk, "hidden": True}],
    )
    assert report_texts_missing(assessment=audit.current, kind="full", language="ru") == []


def test_the_commentary_is_plain_paragraphs_per_language(api, audit):
    api.force_authenticate(audit.consultant)
    response = api.put(
        _url(audit.current, "commentary/"),
        {"text": {"en": "First  paragraph\nstill first.\n\n\nSecond.", "ru": "Первый.\n\nВторой."}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["text"] == {
        "en": "First  paragraph\nstill first.\n\n\nSecond.",
        "ru": "Первый.\n\nВторой.",
        "kk": "",
        "uz": "",
    }
    from reports.narrative_selectors import commentary_paragraphs

    assert commentary_paragraphs(assessment=audit.current, language="en") == [
        "First paragraph still first.",
        "Second.",
    ]
    cleared = api.put(_url(audit.current, "commentary/"), {"text": {"ru": ""}}, format="json").json()
    assert cleared["text"] == {
        "en": "First  paragraph\nstill first.\n\n\nSecond.",
        "ru": "",
        "kk": "",
        "uz": "",
    }
    assert cleared["missing_languages"] == ["ru", "kk", "uz"]
    event = AuditEvent.objects.filter(action=AuditEvent.Action.COMMENTARY).first()
    assert event.before["ru"] == "Первый.\n\nВторой." and "ru" not in event.after


def test_frozen_once_published_and_executives_read_the_visible_findings(api, audit):
    api.force_authenticate(audit.consultant)
    items = _by_key(api.get(_url(audit.current)).json())
    api.patch(
        _url(audit.current),
        {"items": [{"id": items["strength:ORG-01"]["id"], "hidden": True}]},
        format="json",
    )
    api.put(
        _url(audit.current, "commentary/"), {"text": {"en": "Well done.", "ru": "Молодцы."}}, format="json"
    )
    api.force_authenticate(audit.executive)
    assert api.get(_url(audit.current)).status_code == 404  # not published yet
    assessment_published(assessment=audit.current)
    shown = api.get(_url(audit.current) + "?lang=ru").json()
    assert "strength:ORG-01" not in _by_key(shown) and len(shown) == 15
    assert all(not item["hidden"] for item in shown)
    assert api.get(_url(audit.current, "commentary/")).json()["text"] == {
        "en": "Well done.",
        "ru": "Молодцы.",
        "kk": "",
        "uz": "",
    }
    assert api.patch(_url(audit.current), {"regenerate": True}, format="json").status_code == 403
    api.force_authenticate(audit.consultant)
    frozen = api.patch(
        _url(audit.current),
        {"items": [{"id": items["strength:ORG-02"]["id"], "hidden": True}]},
        format="json",
    )
    assert frozen.status_code == 409 and frozen.json()["code"] == "assessment_published"
    assert (
        api.put(_url(audit.current, "commentary/"), {"text": {"en": "Late."}}, format="json").status_code
        == 409
    )
    assert api.patch(_url(audit.current), {"regenerate": True}, format="json").status_code == 409
    assert not Finding.objects.get(pk=items["strength:ORG-02"]["id"]).hidden


# --- in the PDFs ------------------------------------------------------------------------------------


def _pdf_text(pdf: bytes, tmp_path, name: str) -> tuple[str, int]:
    import io

    from pypdf import PdfReader

    path = tmp_path / name
    path.write_bytes(pdf)
    return " ".join(pdftotext(path).split()), len(PdfReader(io.BytesIO(pdf)).pages)


def test_findings_and_commentary_appear_in_the_full_and_executive_reports(audit, tmp_path):
    findings_generate(assessment=audit.current)
    by_key = {finding.key: finding for finding in audit.current.findings.all()}
    findings_review(
        assessment=audit.current,
        user=audit.consultant,
        changes=[
            {
                "id": by_key["strength:ORG-01"].pk,
                "text": {
                    "en": "The board owns the CX strategy.",
                    "ru": "Правление отвечает за CX-стратегию.",
                },
            },
            {"id": by_key["improvement:ORG-03"].pk, "hidden": True},
        ],
    )
    commentary_set(
        assessment=audit.current,
        user=audit.consultant,
        text={"en": "A solid year.\n\nNow the processes.", "ru": "Хороший год.\n\nТеперь процессы."},
    )
    # Published: the reports carry no DRAFT mark, whose letters pdftotext mixes into the text.
    audit.current = assessment_published(assessment=audit.current)
    full, _pages = _pdf_text(
        report_bytes(assessment=audit.current, kind="full", language="en"), tmp_path, "full.pdf"
    )
    assert "Executive commentary A solid year. Now the processes." in full
    assert "The board owns the CX strategy." in full
    assert "Leadership engagement in CX is a strength: 75.0 of 100" in full
    assert "CX governance and ownership needs improvement" not in full  # hidden
    assert "Cross-functional collaboration on CX needs improvement: 75.0 of 100" in full
    executive, pages = _pdf_text(
        report_bytes(assessment=audit.current, kind="executive", language="ru"), tmp_path, "executive.pdf"
    )
    assert pages <= 4
    assert "Комментарий" in executive or "Executive commentary" in executive
    assert "Хороший год. Теперь процессы." in executive
    assert "Правление отвечает за CX-стратегию." in executive  # the first strength of its area
    assert "The board owns" not in executive


def test_a_custom_finding_or_recommendation_without_a_text_is_refused_by_the_database(audit):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Finding.objects.create(assessment=audit.current, area="staff", kind="strength", position=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        RecommendationItem.objects.create(
            assessment=audit.current, code="", position=1, horizon="0-3", effort="S"
        )
    Finding.objects.create(
        assessment=audit.current, area="staff", kind="strength", position=1, text={"en": "Fine."}
    )
