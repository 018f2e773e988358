"""Thin evidence on the workspace pages (docs/methods.md §3.4): preliminary scores carry a banner
with their reasons and a badge instead of a level (scores tab, every tab's header, the home
list), an area short of coverage reads "insufficient evidence" with its coverage, indicators
scored on too few answers are greyed in the heat map, and a customer metric on a small sample is
flagged. An assessment on sufficient evidence shows none of it."""

import datetime
import re

import pytest

from assessment.models import CustomerDataset, Status
from assessment.services import assessment_update, interview_scores_set
from surveys.models import Indicator
from surveys.services import answers_save, invitation_create_many, response_submit
from tests.factories import assessment_published

pytestmark = pytest.mark.django_db

# 40 NPS ratings: below the 100 a rating sample needs to be evidence.
NPS = {"score": 35.0, "promoters": 50.0, "passives": 35.0, "detractors": 15.0, "n": 40, "ci95": [12.0, 58.0]}


def _respond(assessment, count: int, levels: dict[str, int]) -> None:
    for new in invitation_create_many(
        assessment=assessment,
        rows=[{"email": f"r{n}@alpha.kz", "role": "manager", "department": "Retail"} for n in range(count)],
    ):
        answers_save(
            invitation=new.invitation,
            items=[{"indicator": code, "level": level} for code, level in levels.items()],
        )
        response_submit(invitation=new.invitation)


def _interviews(assessment, consultant, codes) -> None:
    interview_scores_set(
        assessment=assessment,
        user=consultant,
        items=[{"indicator": code, "level": 4, "note": ""} for code in codes],
    )


def _codes(assessment, prefix: str = "") -> list[str]:
    return list(
        Indicator.objects.filter(version=assessment.catalog_version, code__startswith=prefix)
        .order_by("position")
        .values_list("code", flat=True)
    )


@pytest.fixture
def preliminary(audit, consultant):
    """Two respondents answered every Organization indicator (two answers each: scored, not
    covered); interviews on every Staff and Processes indicator and on 3 of Technology's 15."""
    _respond(audit, 2, dict.fromkeys(_codes(audit, "ORG"), 3))
    _interviews(
        audit, consultant, _codes(audit, "STF") + _codes(audit, "PRC") + ["TEC-01", "TEC-02", "TEC-03"]
    )
    return audit


@pytest.fixture
def sufficient(audit, consultant):
    """Five respondents and an interview level on every indicator."""
    _respond(audit, 5, {"ORG-01": 3})
    _interviews(audit, consultant, _codes(audit))
    return audit


def _page(client, assessment, tab: str = "scores") -> str:
    response = client.get(f"/assessments/{assessment.pk}/{tab}/")
    assert response.status_code == 200
    return response.content.decode()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)))


def _area_row(html: str, code: str) -> str:
    return _text(re.search(rf'<tr data-area="{code}">(.*?)</tr>', html, re.S).group(1))


def test_preliminary_scores_show_a_banner_with_the_api_reasons(consultant_client, preliminary):
    body = consultant_client.get(f"/api/v1/assessments/{preliminary.pk}/scores/").json()
    assert body["sufficiency"]["status"] == "preliminary"
    html = _page(consultant_client, preliminary)
    banner = _text(
        re.search(r'<section class="alert alert--warning sufficiency-banner".*?</section>', html, re.S).group(
            0
        )
    )
    assert "Preliminary The scores are preliminary" in banner
    assert [reason["message"] for reason in body["sufficiency"]["reasons"]] == [
        "2 responses are submitted; the overall maturity level needs at least 5.",
        "Organization: 0 of 14 indicators have enough evidence (0 %); a maturity level needs at least 70 %.",
        "Technology: 3 of 15 indicators have enough evidence (20 %); a maturity level needs at least 70 %.",
    ]
    for reason in body["sufficiency"]["reasons"]:
        assert reason["message"] in banner
    # The overall score without a level, in the tab and in the header every tab shares.
    overall = _text(re.search(r'<div class="kpi kpi--overall">(.*?)</div>', html, re.S).group(1))
    assert "Preliminary" in overall and "level 3 of 5" not in overall
    header = _text(re.search(r'<dl class="assessment-head__facts">(.*?)</dl>', html, re.S).group(1))
    assert "Preliminary" in header and "Customer-" not in header


def test_thin_areas_read_insufficient_evidence_with_their_coverage(consultant_client, preliminary):
    html = _page(consultant_client, preliminary)
    organization, technology, staff = (
        _area_row(html, code) for code in ("organization", "technology", "staff")
    )
    assert "50.0 insufficient evidence coverage 0 %" in organization
    assert "75.0 insufficient evidence coverage 20 %" in technology
    assert "Customer-Centric" not in technology
    assert "75.0 Customer-Centric" in staff
    # The heat map names the thin areas the same way and greys the indicators scored on two answers.
    assert html.count('class="heatmap__row heatmap__row--uncovered"') == 14
    assert re.search(r'data-indicator="ORG-01">\s*<th scope="row">.*?limited evidence', html, re.S)
    assert 'heatmap__row--uncovered" data-indicator="STF-01"' not in html
    heading = _text(re.search(r'<tr class="heatmap__area">(.*?)</tr>', html, re.S).group(1)).strip()
    assert heading == "Organization · 50.0 · insufficient evidence coverage 0 %"


def test_the_home_list_and_the_executive_see_preliminary_scores(
    consultant_client, executive_client, preliminary
):
    home = _text(consultant_client.get("/").content.decode())
    assert re.search(r"Alpha audit .*? \d\d?\.\d Preliminary", home)
    assessment_update(assessment=preliminary, status=Status.SCORING)
    assessment_published(
        assessment=preliminary,
        override_reason="The board wants the interim picture before the survey closes.",
    )
    html = _page(executive_client, preliminary)
    assert "The scores are preliminary" in html
    assert "Technology: 3 of 15 indicators have enough evidence" in html


def test_sufficient_scores_show_none_of_it(consultant_client, sufficient):
    body = consultant_client.get(f"/api/v1/assessments/{sufficient.pk}/scores/").json()
    assert body["sufficiency"] == {
        "status": "sufficient",
        "reasons": [],
        "submitted_responses": 5,
        "min_responses": 5,
    }
    html = _page(consultant_client, sufficient)
    text = _text(html)
    assert "Customer-Centric" in _area_row(html, "technology")
    for absent in (
        "Preliminary",
        "preliminary",
        "insufficient evidence",
        "limited evidence",
        "Notes on the evidence",
    ):
        assert absent not in text, absent
    assert "heatmap__row--uncovered" not in html
    assert "Preliminary" not in _text(_page(consultant_client, sufficient, "respondents"))


def test_a_small_customer_sample_is_flagged_and_noted(consultant_client, sufficient):
    CustomerDataset.objects.create(
        assessment=sufficient,
        period_start=datetime.date(2025, 7, 1),
        period_end=datetime.date(2026, 6, 30),
        metrics={"nps": NPS},
    )
    html = _page(consultant_client, sufficient, "customer-data")
    tile = _text(
        re.search(r'<div class="kpi" data-key="nps" data-metric="nps">(.*?)</div>', html, re.S).group(1)
    )
    assert "35" in tile and "small sample (n = 40)" in tile
    assert _text(html).count("small sample (n = 40)") == 2  # the tile and the chart's heading
    # The scores stay sufficient; their page notes why the NPS is not evidence.
    scores = _text(_page(consultant_client, sufficient))
    assert "Preliminary" not in scores
    assert (
        "Notes on the evidence “NPS (relationship)” rests on a sample of 40, fewer than the 100 needed: it "
        "is shown, but not used as evidence." in scores
    )


def test_a_sufficient_customer_sample_is_not_flagged(consultant_client, audit):
    CustomerDataset.objects.create(
        assessment=audit,
        period_start=datetime.date(2025, 7, 1),
        period_end=datetime.date(2026, 6, 30),
        metrics={"nps": {**NPS, "n": 100}},
    )
    assert "small sample" not in _page(consultant_client, audit, "customer-data")


def test_group_scores_claim_no_level_the_assessment_does_not(consultant_client, audit):
    """Five managers and five frontline employees answer every Organization indicator and
    TEC-01: Organization is covered, Technology (1 of 15) is not, the scores are preliminary."""
    for role in ("manager", "frontline"):
        for new in invitation_create_many(
            assessment=audit,
            rows=[{"email": f"{role}{n}@alpha.kz", "role": role, "department": "Retail"} for n in range(5)],
        ):
            answers_save(
                invitation=new.invitation,
                items=[{"indicator": code, "level": 4} for code in [*_codes(audit, "ORG"), "TEC-01"]],
            )
            response_submit(invitation=new.invitation)
    html = _page(consultant_client, audit)
    groups = r'<table class="table table--stack table--compact groups">.*?</table>'
    table = re.search(groups, html, re.S).group(0)
    row = re.search(r'<th scope="row">Manager</th>(.*?)</tr>', table, re.S).group(1)
    cells = re.findall(r'<td class="num heat ([^"]*)">([^<]*)', row)
    # Total, then Organization, Staff, Processes, Technology.
    assert cells == [
        ("heat--unclaimed", "75.0"),
        ("level--4", "75.0 "),
        ("heat--none", "—"),
        ("heat--none", "—"),
        ("heat--unclaimed", "75.0"),
    ]
