"""The settings tab beyond evidence sufficiency: the assessment's title, date and baseline, the
evidence weights with their effect previewed before saving, the anonymity threshold; validated,
audited and frozen once published as through the API."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from assessment.models import AuditEvent, Status
from assessment.services import assessment_update, interview_scores_set
from tests.assessment.test_scores_api import respond
from tests.factories import OVERRIDE_REASON, AssessmentFactory

pytestmark = pytest.mark.django_db


def _url(assessment) -> str:
    return reverse("workspace:settings", args=[assessment.pk])


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def evidenced(audit, consultant):
    """ORG-01 only: a respondent says level 5 (score 100), the interview level 1 (score 0)."""
    respond(audit, "one@alpha.example", "frontline", {"ORG-01": 5})
    interview_scores_set(assessment=audit, user=consultant, items=[{"indicator": "ORG-01", "level": 1}])
    return audit


def test_the_effect_of_weights_is_previewed_then_saved(consultant_client, evidenced):
    weights = {"section": "weights", "weight_survey": "1", "weight_interview": "0", "weight_data": "0.2"}
    preview = consultant_client.post(_url(evidenced), {**weights, "preview": "1"})
    assert preview.status_code == 200
    # Now (0.5 · 100 + 0.3 · 0) / 0.8 = 62.5; with the survey alone, 100 (no level: one response
    # is preliminary evidence). Nothing saved.
    assert "Overall score: 62.5 → with these weights 100.0 . Not saved yet." in _text(preview)
    evidenced.refresh_from_db()
    assert (evidenced.weight_survey, evidenced.weight_interview) == (Decimal("0.5"), Decimal("0.3"))
    assert not AuditEvent.objects.filter(assessment=evidenced, action="weights").exists()

    saved = consultant_client.post(_url(evidenced), weights)
    assert saved["Location"] == _url(evidenced) + "#weights"
    evidenced.refresh_from_db()
    assert (evidenced.weight_survey, evidenced.weight_interview, evidenced.weight_data) == (
        1,
        0,
        Decimal("0.2"),
    )
    event = AuditEvent.objects.get(assessment=evidenced, action="weights")
    assert event.after == {"survey": 1.0, "interview": 0.0, "data": 0.2}


def test_weights_that_count_nothing_are_refused(consultant_client, api, consultant, evidenced):
    zero = {"section": "weights", "weight_survey": "0", "weight_interview": "0", "weight_data": "0"}
    for extra in ({"preview": "1"}, {}):
        response = consultant_client.post(_url(evidenced), {**zero, **extra})
        assert response.status_code == 400
        assert "At least one source of evidence needs a weight above zero." in _text(response)
    evidenced.refresh_from_db()
    assert evidenced.weight_survey == 0.5
    # The API refuses them the same way.
    api.force_authenticate(consultant)
    answer = api.patch(
        f"/api/v1/assessments/{evidenced.pk}/",
        {"weight_survey": 0, "weight_interview": 0, "weight_data": 0},
        format="json",
    )
    assert answer.status_code == 400 and list(answer.json()) == ["weights"]


def test_title_date_and_baseline_are_saved_and_audited(consultant_client, audit, organization):
    earlier = AssessmentFactory(organization=organization, title="Alpha 2025", status=Status.PUBLISHED)
    response = consultant_client.post(
        _url(audit),
        {
            "section": "general",
            "title": "Alpha audit 2026",
            "reference_date": "2026-09-30",
            "baseline": earlier.pk,
        },
    )
    assert response.status_code == 302
    audit.refresh_from_db()
    assert (audit.title, audit.reference_date, audit.baseline) == (
        "Alpha audit 2026",
        datetime.date(2026, 9, 30),
        earlier,
    )
    targets = set(
        AuditEvent.objects.filter(assessment=audit, action="settings").values_list("target", flat=True)
    )
    assert targets == {"title", "reference_date", "baseline"}
    page = consultant_client.get(_url(audit)).content.decode()
    assert f'<option value="{audit.pk}"' not in page  # not its own baseline

    bad = consultant_client.post(_url(audit), {"section": "general", "title": "", "reference_date": "soon"})
    assert bad.status_code == 400
    assert set(bad.context["general_form"].errors) == {"title", "reference_date"}


def test_the_anonymity_threshold_may_only_rise_once_published(consultant_client, api, consultant, audit):
    assert (
        consultant_client.post(_url(audit), {"section": "anonymity", "anonymity_k": "1"}).status_code == 400
    )
    assert (
        consultant_client.post(_url(audit), {"section": "anonymity", "anonymity_k": "3"}).status_code == 302
    )
    audit.refresh_from_db()
    assert audit.anonymity_k == 3
    assert AuditEvent.objects.get(assessment=audit, action="anonymity").after == 3

    assessment_update(assessment=audit, status=Status.SCORING)
    assessment_update(assessment=audit, status=Status.PUBLISHED, override_reason=OVERRIDE_REASON)
    lower = consultant_client.post(_url(audit), {"section": "anonymity", "anonymity_k": "2"})
    assert lower.status_code == 400
    assert "its anonymity threshold can rise but not fall below 3." in _text(lower)
    api.force_authenticate(consultant)
    answer = api.patch(f"/api/v1/assessments/{audit.pk}/", {"anonymity_k": 2}, format="json")
    assert (answer.status_code, answer.json()["code"]) == (409, "assessment_published")
    assert (
        consultant_client.post(_url(audit), {"section": "anonymity", "anonymity_k": "6"}).status_code == 302
    )
    audit.refresh_from_db()
    assert audit.anonymity_k == 6
    # The title is frozen with the published scores.
    frozen = consultant_client.post(
        _url(audit), {"section": "general", "title": "Renamed", "reference_date": "2026-06-30"}
    )
    assert frozen.status_code == 400
    assert "these cannot change any more: title" in _text(frozen)


def test_dates_reach_the_date_picker_in_every_language(consultant_client, audit, organization):
    """A date field shows its value in ISO form, which the browser's picker reads, not as the
    language writes dates (30.06.2026 would leave the Russian picker empty)."""
    for language in ("en", "ru"):
        consultant_client.cookies["django_language"] = language
        settings_page = consultant_client.get(_url(audit)).content.decode()
        assert 'type="date" name="reference_date" value="2026-06-30"' in settings_page, language
        new_assessment = reverse("workspace:assessment-new", args=[organization.pk])
        new = consultant_client.get(new_assessment).content.decode()
        assert re.search(r'type="date" name="reference_date" value="\d{4}-\d{2}-\d{2}"', new), language
