"""Thin evidence as the PDF reports show it (docs/methods.md §3.4): preliminary scores carry a
banner and no level, an area short of coverage reads "insufficient evidence" with its coverage
instead of a level, a customer metric on a small sample is flagged, and the methodology says why
and prints the reason given for publishing. A report on sufficient evidence shows none of it.

The audits are real (database, scoring, selectors); the texts are read from the HTML and, for
one report of each kind of audit, from the PDF through poppler's pdftotext."""

import datetime
import re

import pytest
from django.utils import translation

from assessment.models import CustomerDataset, ScoreSnapshot, Status
from assessment.selectors import assessment_scores
from assessment.services import assessment_update, interview_scores_set
from reports import charts
from reports.comparison import comparison_compute
from reports.rendering import report_html, report_pdf
from reports.selectors import report_context
from surveys.models import Indicator
from surveys.services import answers_save, invitation_create_many, response_submit
from tests.factories import AssessmentFactory, OrganizationFactory, assessment_published, consultant_of
from tests.reports.pdf_text import pdftotext
from tests.reports.sample_context import sample_context
from tests.reports.test_charts import fills, marks, parse
from tests.reports.test_context import SCORES
from tests.reports.test_context import _build as context_build

pytestmark = pytest.mark.django_db

# Of Technology's 15 indicators only these three have an interview: 3 / 15 = 20 % < 70 %, so
# Technology claims no level.
TECHNOLOGY_COVERED = ("TEC-01", "TEC-02", "TEC-03")
# Interview levels: Technology at level 4 would be Customer-Centric (75) had it enough evidence.
LEVELS = {"ORG": 3, "STF": 3, "PRC": 3, "TEC": 4}
REASON = "Interim readout the board asked for <b>before</b> the survey closes & more"
# 40 NPS ratings: below the 100 a rating sample needs to be evidence.
NPS = {"score": 35.0, "promoters": 50.0, "passives": 35.0, "detractors": 15.0, "n": 40, "ci95": [12.0, 58.0]}


def _interviews(assessment, consultant, codes) -> None:
    interview_scores_set(
        assessment=assessment,
        user=consultant,
        items=[{"indicator": code, "level": LEVELS[code[:3]], "note": ""} for code in codes],
    )


def _codes(assessment) -> list[str]:
    return list(
        Indicator.objects.filter(version=assessment.catalog_version)
        .order_by("position")
        .values_list("code", flat=True)
    )


@pytest.fixture
def preliminary(catalog, settings, tmp_path):
    """Interviews on every indicator of Organization, Staff and Processes and on three of
    Technology's, no submitted questionnaire, 40 NPS ratings; published with a reason."""
    settings.MEDIA_ROOT = tmp_path
    organization = OrganizationFactory(name="Thin Bank")
    consultant = consultant_of(organization)
    assessment = AssessmentFactory(
        organization=organization,
        title="Interim audit",
        status=Status.SCORING,
        reference_date=datetime.date(2026, 9, 30),
    )
    codes = [code for code in _codes(assessment) if not code.startswith("TEC") or code in TECHNOLOGY_COVERED]
    _interviews(assessment, consultant, codes)
    CustomerDataset.objects.create(
        assessment=assessment,
        period_start=datetime.date(2025, 10, 1),
        period_end=datetime.date(2026, 9, 30),
        metrics={"nps": NPS},
    )
    assessment = assessment_published(assessment=assessment, override_reason=REASON)
    return assessment


@pytest.fixture
def sufficient(catalog, settings, tmp_path):
    """Interviews on every indicator and five submitted questionnaires; published."""
    settings.MEDIA_ROOT = tmp_path
    organization = OrganizationFactory(name="Solid Bank")
    consultant = consultant_of(organization)
    assessment = AssessmentFactory(
        organization=organization,
        title="Full audit",
        status=Status.COLLECTING,
        reference_date=datetime.date(2026, 9, 30),
    )
    for new in invitation_create_many(
        assessment=assessment,
        rows=[{"email": f"r{n}@solid.kz", "role": "manager", "department": "Retail"} for n in range(5)],
    ):
        answers_save(invitation=new.invitation, items=[{"indicator": "ORG-01", "level": 3}])
        response_submit(invitation=new.invitation)
    assessment = assessment_update(assessment=assessment, status=Status.SCORING)
    _interviews(assessment, consultant, _codes(assessment))
    return assessment_published(assessment=assessment)


def _html(assessment, kind: str, language: str = "en") -> str:
    return report_html(context=report_context(assessment=assessment, kind=kind, language=language))


def _text(html: str) -> str:
    """The HTML's visible text, whitespace squeezed (SVG charts draw their text as paths)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)))


def _area_rows(html: str, name: str) -> list[str]:
    """The text of every area-table row of the area `name`."""
    return [
        _text(row) for row in re.findall(rf'<tr>\s*<th scope="row">{name}</th>(.*?)</tr>', html, flags=re.S)
    ]


def _pdf_text(html: str, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(report_pdf(html=html))
    return re.sub(r"\s+", " ", pdftotext(path))


@pytest.mark.parametrize("kind", ["full", "executive"])
def test_a_preliminary_report_says_so_and_claims_no_level_for_the_thin_area(preliminary, kind):
    html = _html(preliminary, kind)
    text = _text(html)
    assert "Preliminary" in text
    assert "The evidence collected so far is not sufficient to assign a maturity level" in text
    # The overall score (50.0 from Organization, Staff and Processes at 50 and Technology at 75:
    # 56.25) is shown without a level.
    assert "56.3" in text
    assert "is at level" not in text
    rows = _area_rows(html, "Technology")
    assert rows, "the area table lists Technology"
    for row in rows:
        assert "75.0" in row and "insufficient evidence" in row and "coverage 20 %" in row
        assert "Customer-Centric" not in row
    # The areas with every indicator covered keep their level.
    assert all("Customer-Aware" in row for row in _area_rows(html, "Organization"))


def test_the_full_report_lists_the_reasons_and_the_override_in_its_methodology(preliminary):
    html = _html(preliminary, "full")
    methodology = _text(html.split('id="methodology"', 1)[1])
    assert "Evidence sufficiency" in methodology
    assert "The scores in this report are preliminary, for these reasons:" in methodology
    assert "0 responses are submitted; the overall maturity level needs at least 5." in methodology
    assert "Technology: 3 of 15 indicators have enough evidence (20 %)" in methodology
    assert "rests on a sample of 40, fewer than the 100 needed" in methodology
    # The reason is the consultant's own text: printed, escaped, after the translated lead-in.
    assert "Published with limited evidence: Interim readout the board asked for" in methodology
    assert "&lt;b&gt;before&lt;/b&gt; the survey closes &amp; more" in html
    assert "<b>before</b>" not in html
    # Nothing claims a level the scores do not have.
    assert "The next level" not in _text(html)
    assert "The path to the next level is set once the evidence is sufficient" in _text(html)


def test_a_small_customer_sample_is_flagged_in_the_loyalty_section(preliminary):
    customers = _text(_html(preliminary, "full").split('id="customers"', 1)[1].split('id="roadmap"', 1)[0])
    assert "small sample (n = 40)" in customers
    assert "too small a sample to count as evidence" in customers


def test_the_executive_report_lists_the_reasons_beside_the_score(preliminary):
    text = _text(_html(preliminary, "executive"))
    assert "Technology: 3 of 15 indicators have enough evidence" in text
    assert "Published with limited evidence: Interim readout" in text


def test_the_pdf_of_a_preliminary_report(preliminary, tmp_path):
    text = _pdf_text(_html(preliminary, "full"), tmp_path)
    assert "Preliminary" in text
    assert "insufficient evidence" in text
    assert "coverage 20 %" in text
    assert "Published with limited evidence: Interim readout the board asked for <b>before</b>" in text
    assert "small sample (n = 40)" in text


def test_a_russian_preliminary_report(preliminary, tmp_path):
    html = _html(preliminary, "full", language="ru")
    with translation.override("ru"):
        preliminary_text = translation.gettext("Preliminary")
        insufficient = translation.gettext("insufficient evidence")
    text = _pdf_text(html, tmp_path)
    assert preliminary_text in text and insufficient in text
    # The area and its reason in Russian, from the catalog; no Russian level for Technology.
    rows = _area_rows(html, "Технологии")
    assert rows and all("Клиентоцентричная компания" not in row for row in rows)
    assert "Технологии: достаточно данных по 3 из " in _text(html)


@pytest.mark.parametrize("kind", ["full", "executive"])
def test_a_report_on_sufficient_evidence_shows_none_of_it(sufficient, kind):
    html = _html(sufficient, kind)
    text = _text(html)
    assert "Customer-Aware" in text  # 3 of 4 areas at 50, Technology at 75: 56.25, level 3
    for absent in (
        "Preliminary",
        "preliminary",
        "insufficient evidence",
        "limited evidence",
        "small sample",
        "Published with limited evidence",
    ):
        if kind == "full" and absent == "preliminary":
            continue  # the methodology states the rule, which names preliminary scores
        assert absent not in text, absent
    assert 'class="preliminary' not in html


def test_the_pdf_of_a_sufficient_report(sufficient, tmp_path):
    text = _pdf_text(_html(sufficient, "full"), tmp_path)
    assert "Customer-Aware" in text
    assert "Preliminary" not in text and "insufficient evidence" not in text


def test_the_comparison_claims_no_level_for_preliminary_scores(preliminary, sufficient):
    result = comparison_compute(
        current=assessment_scores(assessment=preliminary),
        baseline=assessment_scores(assessment=sufficient),
        current_metrics=None,
        baseline_metrics=None,
        current_kpis={},
        baseline_kpis={},
        names={},
    )
    overall = result["overall"]
    assert overall["before"] == overall["after"] == pytest.approx(56.25)
    assert (overall["level_before"], overall["level_after"]) == (3, None)
    assert (overall["level_name_before"], overall["level_name_after"]) == ("Customer-Aware", None)


def test_the_comparison_report_marks_the_preliminary_side():
    context = sample_context(kind="comparison")
    context["comparison"]["overall"].update(level_after=None, level_name_after=None)
    context["overall"].update(level=None, level_name=None, level_description=None, preliminary=True)
    context["sufficiency"] = {
        "preliminary": True,
        "reasons": ["4 responses are submitted; the overall maturity level needs at least 5."],
        "submitted_responses": 4,
        "min_responses": 5,
    }
    cover, body = _text(report_html(context=context)).split("Overall change", 1)
    assert "Customer-Aware" in cover and "Customer-Centric" not in cover and "Preliminary" in cover
    assert "Preliminary" in body and "4 responses are submitted" in body
    assert "Customer-Centric" not in body.split("Maturity by area")[0]


def test_charts_draw_thin_evidence():
    context = sample_context()
    areas = [
        {
            **area,
            "sufficient": area["code"] != "technology",
            "coverage": 0.2 if area["code"] == "technology" else 1,
        }
        for area in context["areas"]
    ]
    labels = {
        "current": "Now",
        "baseline": "Baseline",
        "insufficient": "Thin",
        "coverage": "coverage %(percent)s %%",
    }
    radar = parse(charts.radar_chart(areas=areas, labels=labels, baseline=None))
    assert [mark.get("id").rsplit("-", 1)[1] for mark in marks(radar, "thin-area")] == ["3"]
    assert (
        marks(parse(charts.radar_chart(areas=context["areas"], labels=labels, baseline=None)), "thin-area")
        == []
    )

    indicators = [
        {**row, "covered": row["code"] not in ("STF-02", "STF-05")}
        for row in context["indicators"]
        if row["area"] == "staff"
    ]
    bars = parse(charts.indicator_bars(indicators=indicators, edges=context["level_edges"]))
    hatched = marks(bars, "uncovered-bar")
    assert [mark.get("id").rsplit("-", 1)[1] for mark in hatched] == ["1", "4"]
    # Hatched: filled with a pattern, not with the level's colour.
    assert all(fill.startswith("url(#") for mark in hatched for fill in fills(mark))

    scale = parse(
        charts.level_scale(
            score=56.25, levels=context["levels"], labels={"preliminary": "p"}, preliminary=True
        )
    )
    [hollow] = marks(scale, "marker")
    assert "#ffffff" in fills(hollow)
    [solid] = marks(parse(charts.level_scale(score=56.25, levels=context["levels"])), "marker")
    assert "#ffffff" not in fills(solid)


def test_scores_published_before_the_rules_read_as_sufficient(sufficient):
    """A snapshot stored before sufficiency was judged has none of its fields: its levels stand."""
    snapshot = ScoreSnapshot.objects.get(assessment=sufficient)
    result = {key: value for key, value in snapshot.result.items() if key != "sufficiency"}
    result["areas"] = [
        {key: value for key, value in area.items() if key not in ("sufficient", "coverage")}
        for area in result["areas"]
    ]
    result["indicators"] = [
        {key: value for key, value in item.items() if key != "covered"} for item in result["indicators"]
    ]
    ScoreSnapshot.objects.filter(pk=snapshot.pk).update(result=result)
    text = _text(_html(sufficient, "full"))
    assert "Customer-Aware" in text and "Preliminary" not in text and "insufficient evidence" not in text


def test_a_preliminary_context_claims_nothing_the_evidence_does_not_carry():
    scores = {
        **SCORES,
        "overall": {"score": 57.5, "level": None},
        "areas": [
            {**SCORES["areas"][0], "level": None, "sufficient": False, "coverage": 0.4},
            {**SCORES["areas"][1], "sufficient": True, "coverage": 0.75},
        ],
        # ORG-01 scores highest, on too few answers.
        "indicators": [{**item, "covered": item["code"] != "ORG-01"} for item in SCORES["indicators"]],
        "sufficiency": {
            "status": "preliminary",
            "reasons": [{"code": "area_coverage", "message": "Organization: 2 of 5 covered."}],
            "submitted_responses": 3,
            "min_responses": 5,
        },
    }
    context = context_build(
        scores=scores,
        metrics={"nps": {"score": 18.0, "sample": 40, "sufficient": False}, "churn": {"rate": 12.0}},
    )
    # No level, no strongest area among one with a level, no NPS on 40 ratings, no next level.
    assert context["verdict"] == (
        "On the evidence collected so far Acme Bank scores 57.5 points out of 100; the score is "
        "preliminary and claims no maturity level yet. "
        "Since the baseline the score has moved from 43.8 to 57.5 (+13.8 points)."
    )
    assert context["overall"]["preliminary"] is True and context["overall"]["level_name"] is None
    assert context["sufficiency"] == {
        "preliminary": True,
        "reasons": ["Organization: 2 of 5 covered."],
        "submitted_responses": 3,
        "min_responses": 5,
    }
    assert context["next_level"] is None
    assert [(area["sufficient"], area["coverage"], area["level_name"]) for area in context["areas"]] == [
        (False, 0.4, None),
        (True, 0.75, "Customer-Aware"),
    ]
    assert "ORG-01" not in [item["code"] for item in context["strengths"] + context["improvement_zones"]]
    assert [item["code"] for item in context["strengths"]][:2] == ["ORG-02", "TEC-03"]
