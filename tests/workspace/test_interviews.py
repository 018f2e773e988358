"""The interviews tab: levels and notes per indicator, saved through interview_scores_set."""

import pytest
from django.test import Client
from django.utils.html import escape

from assessment.models import InterviewScore, Status
from assessment.services import assessment_update, interview_scores_set
from surveys.models import Indicator
from tests.factories import OVERRIDE_REASON, assessment_published

pytestmark = pytest.mark.django_db


def _url(assessment) -> str:
    return f"/assessments/{assessment.pk}/interviews/"


def _post(client, assessment, area="organization", **fields):
    data = {"area": area, **{key.replace("_", "-"): value for key, value in fields.items()}}
    return client.post(_url(assessment), data)


def _saved(assessment) -> dict:
    return {
        score.indicator.code: (score.level, score.note)
        for score in InterviewScore.objects.filter(assessment=assessment).select_related("indicator")
    }


def test_page_lists_every_indicator_with_its_five_descriptors(consultant_client, audit):
    response = consultant_client.get(_url(audit))
    assert response.status_code == 200
    html = response.content.decode()
    total = Indicator.objects.filter(version=audit.catalog_version).count()
    assert total == 59
    assert html.count('data-indicator="') == total
    assert html.count('type="radio"') == total * 6  # five levels and "not assessed"
    org01 = Indicator.objects.get(version=audit.catalog_version, code="ORG-01")
    for descriptor in org01.levels["en"]:
        assert escape(descriptor) in html
    # The descriptor is the radio's label.
    assert 'for="id_ORG-01-level-3"' in html and 'id="id_ORG-01-level-3"' in html
    assert '<strong class="js-scored">0</strong> of 59 indicators scored' in html
    assert 'href="#area-organization"' in html
    assert f'data-api="/api/v1/assessments/{audit.pk}/interview-scores/"' in html


def test_page_in_russian(consultant_client, audit):
    consultant_client.cookies["django_language"] = "ru"
    html = consultant_client.get(_url(audit), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    org01 = Indicator.objects.get(version=audit.catalog_version, code="ORG-01")
    assert escape(org01.levels["ru"][2]) in html
    assert escape(org01.levels["en"][2]) not in html


def test_post_saves_levels_and_notes(consultant_client, consultant, audit):
    response = _post(
        consultant_client, audit, ORG_01_level="3", ORG_01_note="CEO interview", ORG_02_level="5"
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#area-organization")
    assert _saved(audit) == {"ORG-01": (3, "CEO interview"), "ORG-02": (5, "")}
    assert InterviewScore.objects.get(assessment=audit, indicator__code="ORG-01").updated_by == consultant
    page = consultant_client.get(_url(audit)).content.decode()
    assert "Saved 2 interview scores in Organization." in page
    assert '<strong class="js-scored">2</strong> of 59' in page
    assert "CEO interview</textarea>" in page
    assert 'id="id_ORG-01-level-3" value="3" checked' in page


def test_unchanged_form_saves_nothing_new(consultant_client, consultant, audit):
    interview_scores_set(
        assessment=audit, user=consultant, items=[{"indicator": "ORG-01", "level": 2, "note": "x"}]
    )
    before = InterviewScore.objects.get(assessment=audit).updated_at
    response = _post(consultant_client, audit, ORG_01_level="2", ORG_01_note="x")
    assert response.status_code == 302
    assert InterviewScore.objects.get(assessment=audit).updated_at == before


def test_not_assessed_clears_a_level(consultant_client, consultant, audit):
    interview_scores_set(
        assessment=audit,
        user=consultant,
        items=[
            {"indicator": "ORG-01", "level": 4, "note": ""},
            {"indicator": "STF-01", "level": 2, "note": ""},
        ],
    )
    response = _post(consultant_client, audit, ORG_01_level="", ORG_02_level="1")
    assert response.status_code == 302
    # ORG-01 cleared, ORG-02 added; STF-01 belongs to another area's form and stays.
    assert _saved(audit) == {"ORG-02": (1, ""), "STF-01": (2, "")}


def test_invalid_level_gives_a_field_error_and_saves_nothing(consultant_client, audit):
    response = _post(consultant_client, audit, ORG_01_level="7", ORG_02_level="3")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="ORG-01-level-error"' in html
    assert "Select a valid choice" in html
    assert _saved(audit) == {}


def test_note_without_level_is_an_error(consultant_client, audit):
    response = _post(consultant_client, audit, ORG_01_level="", ORG_01_note="Only a note", ORG_02_level="4")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="ORG-01-note-error"' in html
    assert "Only a note</textarea>" in html  # what was typed stays
    assert _saved(audit) == {}


def test_unknown_area_saves_nothing(consultant_client, audit):
    response = _post(consultant_client, audit, area="marketing", ORG_01_level="3")
    assert response.status_code == 302
    assert _saved(audit) == {}


def test_locked_once_published(consultant_client, consultant, audit):
    interview_scores_set(
        assessment=audit, user=consultant, items=[{"indicator": "ORG-01", "level": 3, "note": ""}]
    )
    assessment_update(assessment=audit, status=Status.SCORING)
    assessment_published(assessment=audit, override_reason=OVERRIDE_REASON)
    response = _post(consultant_client, audit, ORG_01_level="5")
    assert response.status_code == 302
    assert _saved(audit) == {"ORG-01": (3, "")}
    page = consultant_client.get(_url(audit)).content.decode()
    assert "Interview scores cannot change once the assessment is published." in page
    assert "Read only." in page
    assert 'class="interview-form__body" disabled' in page
    assert "interviews.js" not in page
    assert 'type="submit" class="button button--primary"' not in page


def test_executive_and_strangers_get_404(
    executive_client, stranger_consultant_client, stranger_executive_client, audit
):
    assessment_update(assessment=audit, status=Status.SCORING)
    # The executive may read it, not this tab.
    assessment_published(assessment=audit, override_reason=OVERRIDE_REASON)
    for client in (executive_client, stranger_consultant_client, stranger_executive_client):
        assert client.get(_url(audit)).status_code == 404
        assert _post(client, audit, ORG_01_level="3").status_code == 404
    assert _saved(audit) == {}


def test_anonymous_is_sent_to_login(audit):
    response = Client().get(_url(audit))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_post_needs_the_csrf_token(consultant, audit):
    client = Client(enforce_csrf_checks=True)
    client.force_login(consultant)
    response = client.post(_url(audit), {"area": "organization", "ORG-01-level": "3"})
    assert response.status_code == 403
    assert _saved(audit) == {}
    page = client.get(_url(audit))
    token = page.cookies["csrftoken"].value
    response = client.post(
        _url(audit), {"area": "organization", "ORG-01-level": "3", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert _saved(audit) == {"ORG-01": (3, "")}
