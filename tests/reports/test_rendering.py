"""PDF reports from a hand-built context: every kind in both languages, read back as text.

Russian is asserted only for texts that come from the context (level names, verdict,
organization): template labels depend on translations other people maintain.
"""

import datetime
import io
import re
from functools import cache

import pytest
from django.utils import translation
from pypdf import PdfReader

from assessment.presenters import scores_named
from config.numbers import number_text
from reports.rendering import (
    STATIC_SCHEME,
    StaticFileFetcher,
    report_filename,
    report_html,
    report_pdf,
    static_file,
)
from tests.reports.sample_context import _nps, sample_context

KINDS = ("full", "executive", "comparison")
LANGUAGES = ("en", "ru")
XSS = "<script>alert(1)</script> & Co"
SCORE = {"en": "72.4", "ru": "72,4"}
LEVEL = {"en": "Customer-Centric", "ru": "Клиентоцентричная компания"}
BASELINE_LEVEL = {"en": "Customer-Aware", "ru": "Клиентоориентированная компания"}


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def report_document(*, context: dict) -> bytes:
    """The PDF of a report context, as report_bytes renders it (without its progress steps)."""
    return report_pdf(html=report_html(context=context))


@cache
def rendered(kind: str, language: str) -> tuple[str, list[str]]:
    """HTML and page texts of the sample report (rendered once per test session)."""
    html = report_html(context=sample_context(kind=kind, language=language))
    return html, pages_text(report_pdf(html=html))


def squeeze(text: str) -> str:
    """Whitespace as single spaces; a hyphenated word broken at a line end joined again."""
    return re.sub(r"\s+", " ", text.replace("-\n", "-"))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_report_shows_score_level_and_organization_on_every_page(kind, language):
    context = sample_context(kind=kind, language=language)
    _html, pages = rendered(kind, language)
    text = squeeze("\n".join(pages))
    assert SCORE[language] in text
    assert LEVEL[language] in text
    # The running header repeats the organization and the assessment date on every page.
    for page in pages:
        assert context["organization"]["name"] in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_full_report_sections_and_table_of_contents(language):
    context = sample_context(kind="full", language=language)
    _html, pages = rendered("full", language)
    text = squeeze("\n".join(pages))
    assert squeeze(context["verdict"]) in text
    for area in context["areas"]:
        # Listed in the contents with the page it starts on.
        assert re.search(rf"{re.escape(area['name'])} \.+ ?\d+", squeeze(pages[1])), area["name"]
    for indicator in context["indicators"]:
        assert indicator["name"] in text, indicator["code"]
    for item in context["roadmap"]:
        assert item["title"] in text
    assert BASELINE_LEVEL[language] in text
    if language == "en":
        assert "Contents" in pages[1]
        for title in (
            "Executive summary",
            "Maturity level",
            "Maturity by area",
            "Strengths and improvement zones",
            "Reaching the next level",
            "Perception gaps",
            "Customer loyalty and retention",
            "Roadmap",
            "Comparison with the baseline",
            "Methodology",
        ):
            assert title in text, title
        assert "Customer-Champion" in text  # the next level
        assert re.search(r"Page 3 of \d+", pages[2])


def test_full_report_page_numbers_in_the_contents_match_the_pages():
    _html, pages = rendered("full", "en")
    contents = squeeze(pages[1])
    for title in ("Perception gaps", "Methodology"):
        page = int(re.search(rf"{title} \.+ ?(\d+)", contents).group(1))
        # Sections follow one another on a page; the heading is a line of the page listed.
        assert title in pages[page - 1].splitlines()
        assert title not in pages[page - 2].splitlines()


@pytest.mark.parametrize("language", LANGUAGES)
def test_executive_report_fits_four_pages(language):
    context = sample_context(kind="executive", language=language)
    _html, pages = rendered("executive", language)
    assert len(pages) <= 4
    text = squeeze("\n".join(pages))
    for indicator in context["strengths"][:3] + context["improvement_zones"][:3]:
        assert indicator["code"] in text
    for item in context["roadmap"][:5]:
        assert squeeze(item["title"]) in text
    assert context["roadmap"][5]["title"] not in text


def test_comparison_report_shows_before_and_after():
    _html, pages = rendered("comparison", "en")
    text = squeeze("\n".join(pages))
    assert "57.3" in text and "72.4" in text and "+15.1" in text
    assert "Customer-Aware" in text and "Customer-Centric" in text
    assert re.search(r"Churn rate, % 12\.0 % 9\.8 % −2\.2 pp −18 %", text)
    assert re.search(r"NPS 18 30 \+12 points \+67 %", text)
    assert "Largest improvements" in text and "Regressions" in text
    assert "PRC-16, TEC-15" in text  # not comparable


def test_comparison_report_in_russian_uses_decimal_commas():
    _html, pages = rendered("comparison", "ru")
    text = squeeze("\n".join(pages))
    assert "57,3" in text and "+15,1" in text
    assert re.search(r"12,0 % 9,8 % −2,2 \S+ −18 %", text)


def test_markup_in_user_text_is_escaped_and_printed_literally():
    context = sample_context(kind="executive")
    context["organization"] = {"name": XSS, "industry": "<b>Banking</b>"}
    context["verdict"] = "<img src=x onerror=alert(1)> verdict"
    html = report_html(context=context)
    assert "<script>" not in html and "<img src=x" not in html and "<b>Banking" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    text = squeeze("\n".join(pages_text(report_pdf(html=html))))
    assert XSS in text
    assert "<img src=x onerror=alert(1)> verdict" in text


def test_missing_metrics_read_no_data_not_zero():
    context = sample_context(kind="full", with_baseline=False, with_customer=False)
    context["kpis"] = [{**kpi, "value": None} for kpi in context["kpis"]]
    html = report_html(context=context)
    text = squeeze("\n".join(pages_text(report_pdf(html=html))))
    roadmap = text.index("Roadmap Each bar spans")
    customers = text[text.index("Customer loyalty and retention NPS (relationship)") : roadmap]
    # NPS of the relationship and of single interactions, CSI, mystery shopping, SERVQUAL,
    # loyalty types, churn, CLV, product load, activity.
    assert customers.count("no data") == 10
    assert not re.search(r"\b0(\.0)? %", customers)
    assert "Comparison with the baseline" not in text
    summary = text[text.index("Key indicators") : text.index("Indicators scored 58")]
    assert summary.count("no data") == len(context["kpis"])
    assert "TEC-15 AI assistance for employees no data" in text


@pytest.mark.parametrize("kind", ["full", "executive"])
def test_the_transactional_nps_is_shown_apart_from_the_relationship_nps(kind):
    context = sample_context(kind=kind)
    # 120 promoters, 30 passives, 50 detractors of 200 → 35; se = 100·√((0.6 + 0.25 − 0.35²) / 200).
    transactional = _nps(promoters=120, passives=30, detractors=50)
    context["customer"] = {**context["customer"], "nps_transactional": transactional}
    pdf = report_document(context=context)
    pages = pages_text(pdf)
    text = squeeze("\n".join(pages))
    relationship = number_text(context["customer"]["nps"]["score"], digits=0)
    low, high = (number_text(end, digits=0) for end in transactional["ci95"])
    assert f"NPS (relationship) {relationship}" in text
    # Its card (after a note on what it measures, in the full report): the value and interval.
    card = text[text.index("NPS (transactional)") :][:400]
    assert f"35 95 % interval {low} to {high}; 200 ratings" in card
    if kind == "executive":
        assert len(pages) <= 4


def test_one_missing_metric_leaves_the_others():
    context = sample_context(kind="full")
    context["customer"] = {**context["customer"], "nps": None, "churn": None}
    html = report_html(context=context)
    assert "-marker-score" not in html  # no NPS chart without an NPS
    assert "-quadrant-loyal" in html  # the loyalty matrix is still drawn


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            (
                "348 of 2,000 clients churned between July 4, 2025 and Dec. 31, 2025; closed: 230; "
                "no activity for more than 90 days: 118; counted: closed or inactive, each client once; "
                "annualised from 181 days (17.4 % over the period)",
                "Amounts of money are in KZT; a client's margin is its annual net margin",
                "annualised",
            ),
        ),
        (
            "ru",
            (
                "в пересчёте на год из 181 дн. (17,4 % за период)",
                "Денежные суммы указаны в KZT; маржа клиента — его годовая чистая маржа",
                "в пересчёте на год",
            ),
        ),
    ],
)
def test_churn_shows_closed_and_inactive_apart_and_an_annualised_rate_says_so(language, expected):
    """Method 2's churn of a half year: 348 of 2,000 over 181 days, 17.4 %, is 32.0 % a year."""
    context = sample_context(kind="full", language=language)
    context["assessment"] = {**context["assessment"], "currency": "KZT"}
    annual = 100 * (1 - (1 - 0.174) ** (365.25 / 181))
    context["kpis"] = [
        {**kpi, "value": annual} if kpi["code"] == "churn_rate" else kpi for kpi in context["kpis"]
    ]
    context["customer"] = {
        **context["customer"],
        "churn": {
            "rate": annual,
            "closed": 230,
            "active_at_start": 2000,
            "period": ["2025-07-04", "2025-12-31"],
            "inactive": 118,
            "churned": 348,
            "basis": "both",
            "period_rate": 17.4,
            "days": 181,
            "annualised": True,
        },
    }
    html = squeeze(re.sub(r"<[^>]+>", " ", report_html(context=context)))
    for text in expected:
        assert text in html, text
    with translation.override(language):
        assert squeeze(f"{number_text(32.0, digits=1)} %") in html
        assert squeeze(f"{number_text(1268.4, digits=0)} KZT") in html  # CLV with its currency
        # The key indicators' tile of the churn taken from the metrics says it is annualised too.
        tile = re.search(r"Churn rate, %|Отток, %", html).end()
        assert squeeze(f"{number_text(32.0, digits=1)} {expected[2]}") in html[tile : tile + 40]


def test_document_is_a_pdf():
    pdf = report_document(context=sample_context(kind="executive", language="ru"))
    assert pdf.startswith(b"%PDF")
    assert "Демо Банк" in pages_text(pdf)[0]


# --- URL fetcher ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/x.css",
        "https://example.com/x.css",
        "data:text/css,body{}",
        "/static/reports/report.css",
        f"{STATIC_SCHEME}:../../config/settings.py",
        f"{STATIC_SCHEME}:reports/../../../etc/passwd",
        f"{STATIC_SCHEME}:/etc/passwd",
        f"{STATIC_SCHEME}:reports/missing.css",
        f"{STATIC_SCHEME}:",
    ],
)
def test_fetcher_refuses_anything_but_own_static_files(url):
    with pytest.raises(ValueError, match="Refused"):
        StaticFileFetcher().fetch(url)


def test_fetcher_serves_a_static_file():
    response = StaticFileFetcher().fetch(f"{STATIC_SCHEME}:reports/report.css")
    assert response.content_type == "text/css"
    assert b"@page" in response.read()
    assert static_file(url=f"{STATIC_SCHEME}:css/app.css").name == "app.css"


def test_html_loads_nothing_but_its_stylesheet():
    html, _pages = rendered("full", "en")
    urls = re.findall(r'(?:href|src)="([^"#][^"]*)"', html)
    assert urls == [f"{STATIC_SCHEME}:reports/report.css"]


# --- file name --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("organization", "kind", "language", "expected"),
    [
        ("Demo Bank", "full", "en", "demo-bank-cx-report-full-en-2026-09-30.pdf"),
        ("АО «Демо Банк»", "executive", "ru", "ao-demo-bank-cx-report-executive-ru-2026-09-30.pdf"),
        ("Қазақ Банкі", "comparison", "ru", "qazaq-banki-cx-report-comparison-ru-2026-09-30.pdf"),
        ("Crédit Agricole", "full", "en", "credit-agricole-cx-report-full-en-2026-09-30.pdf"),
        (XSS, "full", "en", "scriptalert1script-co-cx-report-full-en-2026-09-30.pdf"),
        ("银行", "full", "en", "organization-cx-report-full-en-2026-09-30.pdf"),
    ],
)
def test_report_filename_is_an_ascii_slug(organization, kind, language, expected):
    name = report_filename(
        organization=organization, kind=kind, language=language, reference_date=datetime.date(2026, 9, 30)
    )
    assert name == expected
    assert name.isascii()


def test_a_broken_page_number_translation_falls_back_to_english(monkeypatch):
    monkeypatch.setattr("reports.rendering._", lambda text: "Раздел %(step)s из %(steps)s")
    context = sample_context(kind="executive", language="ru")
    assert "Page 1 of 3" in pages_text(report_document(context=context))[0]


@pytest.mark.parametrize("kind", KINDS)
def test_an_assessment_with_nothing_scored_still_renders(kind):
    context = sample_context(kind=kind, with_customer=False)
    context["overall"] = {
        "score": None,
        "level": None,
        "level_name": None,
        "level_description": None,
        "preliminary": True,
    }
    context["areas"] = [
        {**area, "score": None, "level": None, "level_name": None} for area in context["areas"]
    ]
    context["indicators"] = [
        {**row, "score": None, "level": None, "mean_level": None, "confidence": None}
        for row in context["indicators"]
    ]
    context.update(strengths=[], improvement_zones=[], gaps=[], roadmap=[], next_level=None, kpis=[])
    text = squeeze("\n".join(pages_text(report_document(context=context))))
    assert "no data" in text
    assert " 0.0 " not in text


def test_comparison_kpis_taken_from_the_customer_data_are_not_repeated():
    """NPS, CSI and churn are KPIs too: taken from the customer data in both assessments they
    are the customer-metric rows already; a value the consultant entered differs and is kept."""
    context = sample_context(kind="comparison", language="en")
    comparison = context["comparison"]
    metrics = {row["code"]: row for row in comparison["metrics"]}
    entered_nps = {**metrics["nps"], "after": 35.0}
    comparison["kpis"] = [metrics["churn_rate"], entered_nps, *comparison["kpis"]]
    html = report_html(context=context)
    kpi_table = html[html.index("Business KPIs") :]
    kpi_rows = re.findall(r'<th scope="row">([^<]+)</th>', kpi_table)
    assert kpi_rows == [
        "NPS",
        "Average deposit",
        "Repeat-purchase conversion, %",
        "Complaints per 1,000 clients",
    ]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            "The overall level is capped at “Customer-Aware”; the score alone would read “Customer-Centric”: "
            "The maturity score exceeds the customer outcomes index by 47.4 points, more than 20",
        ),
        ("ru", "Общий уровень ограничен уровнем «Клиентоориентированная компания»"),
    ],
)
def test_a_capped_level_says_why_on_the_level_page(language, expected):
    context = sample_context(kind="executive", language=language)
    context["outcomes"] = {**context["outcomes"], "index": 25.0, "level": 2}
    context["reality_gap"] = context["overall"]["score"] - 25.0
    reason = {
        "code": "reality_gap",
        "gap": context["reality_gap"],
        "limit": 20.0,
        "outcomes_level": 2,
        "cap": 3,
    }
    with translation.override(language):
        named = scores_named(
            result={
                "overall": {
                    "score": 72.4,
                    "level": 3,
                    "gated": {"uncapped_level": 4, "level": 3, "reasons": [reason]},
                },
                "areas": [],
                "indicators": [],
                "breakdowns": {"role": [], "department": []},
            },
            language=language,
        )
    context["overall"] = {**context["overall"], "level": 3, "gated": named["overall"]["gated"]}
    text = squeeze(" ".join(pages_text(report_document(context=context))))
    assert expected in text


def test_a_russian_report_names_each_level_in_english_too():
    _html, pages = rendered("full", "ru")
    text = squeeze(" ".join(pages))
    assert "Клиентоориентированная компания (Customer-Aware)" in text
    assert "Клиентоцентричная компания (Customer-Centric)" in text
    english = squeeze(" ".join(rendered("full", "en")[1]))
    assert "(Customer-Aware)" not in english
