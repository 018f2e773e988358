"""The comparison tab shows what ComparisonApi returns: the overall score before → after with
levels, the areas, the largest changes; only for assessments with a baseline."""

import re

from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import assessment_published


def _url(assessment) -> str:
    return reverse("workspace:comparison", args=[assessment.pk])


def _api(user, assessment) -> dict:
    api = APIClient()
    api.force_authenticate(user)
    return api.get(f"/api/v1/assessments/{assessment.pk}/comparison/").json()


def _shown(html: str, name: str) -> str:
    return re.search(rf'data-value="{name}">([^<]+)<', html).group(1)


def test_the_page_shows_the_apis_numbers(consultant, consultant_client, reassessment):
    current = reassessment.current
    response = consultant_client.get(_url(current))
    assert response.status_code == 200
    html = response.content.decode()
    overall = _api(consultant, current)["overall"]
    assert (overall["before"], overall["after"]) == (43.75, 68.75)
    assert (_shown(html, "before"), _shown(html, "after")) == ("43.8", "68.8")
    assert "Customer-Aware" in html and "Customer-Centric" in html
    assert "+25.0 points" in html
    # Every area rose one level (25 points); the radar draws both.
    assert html.count(">+25.0</td>") >= 4
    assert re.search(r'id="c[0-9a-f]+-radar-baseline"', html) and '<figure class="chart"' in html
    assert "Alpha audit 2025" in html and "No indicator declined." in html


def test_the_tab_exists_only_with_a_baseline(consultant_client, reassessment):
    baseline = reassessment.baseline
    assert consultant_client.get(_url(baseline)).status_code == 404
    page = consultant_client.get(reverse("workspace:reports", args=[baseline.pk])).content.decode()
    assert _url(baseline) not in page
    page = consultant_client.get(
        reverse("workspace:reports", args=[reassessment.current.pk])
    ).content.decode()
    assert _url(reassessment.current) in page


def test_executives_see_it_once_published_strangers_never(
    executive_client, stranger_consultant_client, stranger_executive_client, reassessment
):
    current = reassessment.current
    assert executive_client.get(_url(current)).status_code == 404  # not published yet
    assessment_published(assessment=current)
    response = executive_client.get(_url(current))
    assert response.status_code == 200 and _shown(response.content.decode(), "after") == "68.8"
    for client in (stranger_consultant_client, stranger_executive_client):
        assert client.get(_url(current)).status_code == 404
