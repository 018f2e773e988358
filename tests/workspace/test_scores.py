"""The scores tab: the same numbers as GET /api/v1/assessments/{id}/scores/, for the consultant
and, once published, the client executive; small groups never shown."""

import re

import pytest

from assessment.models import Status
from assessment.selectors import assessment_scores
from assessment.services import assessment_update, interview_scores_set
from config.numbers import number_round, number_text
from surveys.models import Indicator
from surveys.services import answers_save, invitation_create_many, response_submit
from tests.factories import OVERRIDE_REASON, assessment_published
from workspace import pages as web_pages
from workspace import scores as web_scores

pytestmark = pytest.mark.django_db


def _respond(assessment, email, role, department, levels):
    [new] = invitation_create_many(
        assessment=assessment, rows=[{"email": email, "role": role, "department": department}]
    )
    answers_save(
        invitation=new.invitation,
        items=[{"indicator": code, "level": level} for code, level in levels.items()],
    )
    response_submit(invitation=new.invitation)


@pytest.fixture
def scored(audit, consultant):
    """Five frontline and five managers in Retail, two back-office people in a tiny team
    (below the anonymity threshold of 5), and one interview level."""
    for n, level in enumerate([2, 3, 3, 2, 4]):
        _respond(
            audit, f"front{n}@alpha.kz", "frontline", "Retail", {"ORG-01": level, "STF-01": 2, "PRC-01": 3}
        )
    for n, level in enumerate([4, 5, 4, 4, 5]):
        _respond(audit, f"boss{n}@alpha.kz", "manager", "Retail", {"ORG-01": level, "STF-01": 4, "PRC-01": 4})
    for n in range(2):
        _respond(audit, f"tiny{n}@alpha.kz", "back_office", "Tiny team", {"ORG-01": 1, "TEC-01": 1})
    interview_scores_set(assessment=audit, user=consultant, items=[{"indicator": "ORG-01", "level": 3}])
    return audit


def _publish(assessment):
    assessment_update(assessment=assessment, status=Status.SCORING)
    # One indicator of each area has evidence: the scores are preliminary (docs/methods.md §3.4).
    assessment_published(assessment=assessment, override_reason=OVERRIDE_REASON)


def _page(client, assessment) -> str:
    response = client.get(f"/assessments/{assessment.pk}/scores/")
    assert response.status_code == 200
    return response.content.decode()


def _api(client, assessment) -> dict:
    response = client.get(f"/api/v1/assessments/{assessment.pk}/scores/")
    assert response.status_code == 200
    return response.json()


def _overall_on_page(html: str) -> str:
    return re.search(r'<data class="score js-overall" value="([^"]+)">([^<]+)</data>', html).groups()


def _area_on_page(html: str, code: str) -> str:
    row = re.search(rf'<tr data-area="{code}">(.*?)</tr>', html, re.S).group(1)
    return re.search(r'<data class="score" value="([^"]+)">([^<]+)</data>', row).groups()


def test_consultant_sees_the_api_numbers(consultant_client, scored):
    body = _api(consultant_client, scored)
    html = _page(consultant_client, scored)
    # The page carries the unrounded score and shows it rounded once (not the API's 2 decimals
    # rounded again).
    value, text = _overall_on_page(html)
    assert number_round(float(value), 2) == body["overall"]["score"]
    assert text == number_text(float(value), digits=1)
    # Each area covers one of its indicators: the overall score is preliminary, without a level.
    assert body["overall"]["level_name"] is None and "Preliminary" in html
    organization = next(area for area in body["areas"] if area["code"] == "organization")
    value, text = _area_on_page(html, "organization")
    assert number_round(float(value), 2) == organization["score"]
    assert text == number_text(float(value), digits=1)
    # Coverage and respondents as the API counts them.
    assert f"{body['coverage']['scored']} / {body['coverage']['total']}" in html
    assert body["respondents"] == {"invited": 12, "submitted": 12}
    # Charts inline as SVG, without style attributes (strict CSP).
    assert html.count("<svg") == 2
    assert "style=" not in html


def test_heat_map_has_one_row_per_indicator(consultant_client, scored):
    html = _page(consultant_client, scored)
    total = Indicator.objects.filter(version=scored.catalog_version).count()
    assert html.count('class="heatmap__row') == total == 59
    # ORG-01: survey, interview and the total as text, coloured by level.
    row = re.search(r'<tr class="heatmap__row" data-indicator="ORG-01">(.*?)</tr>', html, re.S).group(1)
    body = _api(consultant_client, scored)
    org01 = next(item for item in body["indicators"] if item["code"] == "ORG-01")
    assert f"{org01['score']:.1f}" in row
    assert f"level--{org01['level']}" in row
    assert f"{org01['evidence']['interview']:.1f}" in row
    assert str(org01["n"]) in row


def test_groups_below_the_anonymity_threshold_are_hidden(consultant_client, executive_client, scored):
    # The two back-office people are under k = 5, and frontline and managers shown would give
    # them away by subtraction from the totals; so would management vs frontline (everyone
    # minus both sides): nothing is shown by group (assessment.anonymity).
    body = _api(consultant_client, scored)
    breakdowns = body["breakdowns"]
    assert (breakdowns["role"], breakdowns["role_hidden"]) == ([], 3)
    assert (breakdowns["department"], breakdowns["department_hidden"]) == ([], 2)
    assert [gap for gap in body["gaps"] if gap["kind"] == "management_vs_frontline"] == []
    html = _page(consultant_client, scored)
    assert "Tiny team" not in html
    assert "Back office" not in html
    assert "3 groups are hidden: they have fewer than 5 respondents" in html
    assert "Shown once management and frontline each have at least 5 submitted respondents" in html
    _publish(scored)
    executive_html = _page(executive_client, scored)
    assert "Tiny team" not in executive_html
    assert "Back office" not in executive_html
    # No respondent appears by name anywhere.
    assert "@alpha.kz" not in executive_html and "@alpha.kz" not in html


def test_groups_of_at_least_the_threshold_are_shown(consultant_client, scored):
    # Three more in the tiny team: every group has five, and all are shown, with the gaps.
    for n in range(2, 5):
        _respond(scored, f"tiny{n}@alpha.kz", "back_office", "Tiny team", {"ORG-01": 1, "TEC-01": 1})
    body = _api(consultant_client, scored)
    assert [group["group"] for group in body["breakdowns"]["role"]] == ["back_office", "frontline", "manager"]
    assert [group["group"] for group in body["breakdowns"]["department"]] == ["Retail", "Tiny team"]
    html = _page(consultant_client, scored)
    assert "Frontline" in html and "Manager" in html and "Back office" in html and "Tiny team" in html
    assert "Management vs frontline" in html and "+" in html


def test_executive_sees_the_published_scores(consultant_client, executive_client, scored):
    _publish(scored)
    body = _api(executive_client, scored)
    html = _page(executive_client, scored)
    value, _text = _overall_on_page(html)
    assert number_round(float(value), 2) == body["overall"]["score"]
    assert body["overall"]["score"] == _api(consultant_client, scored)["overall"]["score"]
    value, _text = _area_on_page(html, "staff")
    assert number_round(float(value), 2) == next(
        area["score"] for area in body["areas"] if area["code"] == "staff"
    )
    assert "frozen at publication" in html
    # Exports: the scores for everyone, the answers for consultants only.
    assert f"/assessments/{scored.pk}/export/scores.csv" in html
    assert f"/assessments/{scored.pk}/export/scores.xlsx" in html
    assert "/export/answers." not in html
    consultant_html = _page(consultant_client, scored)
    assert f"/assessments/{scored.pk}/export/answers.xlsx" in consultant_html


def test_executive_gets_404_before_publication(executive_client, scored):
    assert executive_client.get(f"/assessments/{scored.pk}/scores/").status_code == 404


def test_strangers_get_404(stranger_executive_client, stranger_consultant_client, scored):
    _publish(scored)
    for client in (stranger_executive_client, stranger_consultant_client):
        assert client.get(f"/assessments/{scored.pk}/scores/").status_code == 404


def test_without_scores_the_page_says_so(consultant_client, audit):
    html = _page(consultant_client, audit)
    assert "No scores yet" in html
    assert "<svg" not in html


def test_benchmark_note_without_enough_peers(consultant_client, scored):
    html = _page(consultant_client, scored)
    assert "fewer than 5 peers have published scores" in html


def test_low_confidence_indicators_are_flagged(consultant_client, scored):
    body = _api(consultant_client, scored)
    low = [item["code"] for item in body["indicators"] if item["confidence"] == "low"]
    assert "TEC-01" in low  # two answers only
    html = _page(consultant_client, scored)
    section = html.split('id="confidence-title"')[1].split("</section>")[0]
    assert section.count("badge--danger") == len(low)
    assert "TEC-01" in section


def test_russian_numbers_and_level_names(consultant_client, scored):
    consultant_client.cookies["django_language"] = "ru"
    body = consultant_client.get(f"/api/v1/assessments/{scored.pk}/scores/?lang=ru").json()
    html = consultant_client.get(
        f"/assessments/{scored.pk}/scores/", HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()
    value, text = _overall_on_page(html)
    assert number_round(float(value), 2) == body["overall"]["score"]
    assert text == f"{number_round(float(value), 1):.1f}".replace(".", ",")
    # The scores are preliminary (no level); the heat map's legend names the levels in Russian.
    assert body["overall"]["level_name"] is None and "Клиентоориентированная компания" in html


def test_the_page_and_its_header_share_one_computation_of_the_scores(consultant_client, scored, monkeypatch):
    calls = []

    def counted(*, assessment):
        calls.append(assessment.pk)
        return assessment_scores(assessment=assessment)

    monkeypatch.setattr(web_scores, "assessment_scores", counted)
    monkeypatch.setattr(web_pages, "assessment_scores", counted)
    html = _page(consultant_client, scored)
    assert calls == [scored.pk]
    value, _text = _overall_on_page(html)
    assert f"{float(value):.1f}" in html.split('class="assessment-head"')[1].split("</header>")[0]


def test_a_capped_level_is_explained_on_the_page(consultant_client, audit, consultant):
    # Interviews on every indicator: organization, processes and technology at 5 (100), staff at
    # 2 (25), five submitted responses. Overall 81.25 reads Customer-Centric; the weakest area,
    # staff, is Customer-Chaotic, so the overall level is capped at Customer-Aware.
    levels = {"ORG": 5, "STF": 2, "PRC": 5, "TEC": 5}
    codes = Indicator.objects.filter(version=audit.catalog_version).values_list("code", flat=True)
    items = [{"indicator": code, "level": levels[code[:3]]} for code in codes]
    interview_scores_set(assessment=audit, user=consultant, items=items)
    for n in range(5):
        _respond(audit, f"staff{n}@alpha.kz", "frontline", "Retail", {"ORG-01": 5})
    scores = assessment_scores(assessment=audit)
    assert (scores["overall"]["score"], scores["overall"]["level"]) == (81.25, 3)
    html = _page(consultant_client, audit)
    assert (
        "The overall level is capped at “Customer-Aware”; the score alone would read “Customer-Centric”:"
        in html
    )
    assert "The weakest area, Staff, is at level 2, and the overall level is at most one above" in html
