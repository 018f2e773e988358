"""Publishing from the workspace (docs/methods.md §3.4): the Reports tab explains why scores are
preliminary and asks for a reason to publish them; the Settings tab sets the evidence needed and
refuses changes once the assessment is published."""

import pytest
from django.urls import reverse

from assessment.models import AuditEvent, Status
from assessment.services import assessment_update, interview_scores_set
from reports.selectors import roadmap_awaiting_review
from tests.factories import assessment_published, roadmap_accepted

pytestmark = pytest.mark.django_db

REASON = "The board meets on Monday; more answers follow."


def _reports(assessment) -> str:
    return reverse("workspace:reports", args=[assessment.pk])


def _settings(assessment) -> str:
    return reverse("workspace:settings", args=[assessment.pk])


@pytest.fixture
def thin(audit, consultant):
    """In scoring on one interview level and no response: preliminary."""
    interview_scores_set(assessment=audit, user=consultant, items=[{"indicator": "TEC-01", "level": 5}])
    assessment_update(assessment=audit, status=Status.SCORING)
    return audit


def _publish(client, assessment, **fields):
    return client.post(
        reverse("workspace:assessment-advance", args=[assessment.pk]),
        {"from": "scoring", "next": _reports(assessment), **fields},
        follow=True,
    )


def test_the_reports_tab_explains_preliminary_scores_and_asks_for_a_reason(consultant_client, thin):
    page = consultant_client.get(_reports(thin)).content.decode()
    assert "the scores are preliminary:" in page
    assert "<li>0 responses are submitted; the overall maturity level needs at least 5.</li>" in page
    assert (
        "<li>Technology: 1 of 15 indicators have enough evidence (6.7 %); "
        "a maturity level needs at least 70 %.</li>" in page
    )
    assert 'name="override_reason" rows="3" required minlength="20"' in page
    # The header's button leads to that form instead of publishing at once.
    assert f'href="{_reports(thin)}#publish-title">Publish to the client</a>' in page


def test_publishing_without_a_reason_shows_the_reasons_and_changes_nothing(consultant_client, thin):
    page = _publish(consultant_client, thin).content.decode()
    assert "The scores are preliminary, so a reason is needed to publish them:" in page
    assert "0 responses are submitted" in page
    short = _publish(consultant_client, thin, override_reason="Too short.").content.decode()
    assert "Say in at least 20 characters why the scores are published now." in short
    thin.refresh_from_db()
    assert thin.status == Status.SCORING and thin.publish_override_reason == ""


def test_publishing_with_a_reason(consultant_client, thin):
    page = _publish(consultant_client, thin, override_reason=REASON).content.decode()
    assert "The assessment is now “Published”." in page
    thin.refresh_from_db()
    assert (thin.status, thin.publish_override_reason) == (Status.PUBLISHED, REASON)
    assert thin.published_at is not None


def test_sufficient_scores_publish_without_a_reason_once_the_roadmap_is_reviewed(
    consultant_client, reassessment
):
    current = reassessment.current
    page = consultant_client.get(_reports(current)).content.decode()
    assert "override_reason" not in page and "the scores are preliminary:" not in page
    # The tab proposed the roadmap; publishing waits until no proposal awaits review.
    pending = roadmap_awaiting_review(assessment=current)
    assert pending
    assert f"{len(pending)} proposed recommendations await your review ({', '.join(pending)})" in page
    assert reverse("workspace:recommendations", args=[current.pk]) in page
    page = _publish(consultant_client, current).content.decode()
    assert "accept or reject each on the roadmap first" in page
    current.refresh_from_db()
    assert current.status == Status.SCORING
    roadmap_accepted(current)
    assert "await your review" not in consultant_client.get(_reports(current)).content.decode()
    _publish(consultant_client, current)
    current.refresh_from_db()
    assert current.status == Status.PUBLISHED and current.publish_override_reason == ""


# --- Settings -----------------------------------------------------------------------------------------


# The defaults of the other metrics' samples: SERVQUAL's gap and the operational data (§7.10).
OTHER_SAMPLES = {
    "min_sample_servqual_gap": "50",
    "min_sample_complaints_per_1000": "1000",
    "min_sample_complaint_resolution_days": "30",
    "min_sample_complaints_regulator_share": "30",
    "min_sample_service_level": "1000",
    "min_sample_abandonment": "1000",
    "min_sample_fcr": "1000",
}


def test_the_settings_tab_shows_the_rules_in_force_and_saves_what_differs(consultant_client, audit):
    page = consultant_client.get(_settings(audit)).content.decode()
    assert 'name="min_answers" value="3"' in page
    assert 'name="min_area_coverage" value="70.0"' in page
    assert 'name="min_sample_nps" value="100"' in page
    form = {
        "min_answers": "3",
        "min_area_coverage": "60",
        "min_responses": "8",
        "min_sample_nps": "50",
        "min_sample_csi": "100",
        "min_sample_servqual": "50",
        "min_sample_mystery_shopping": "10",
        "min_sample_churn_rate": "100",
        "min_sample_loyal_share": "100",
        "min_sample_disloyal_share": "100",
        **OTHER_SAMPLES,
    }
    response = consultant_client.post(_settings(audit), form)
    assert response.status_code == 302
    audit.refresh_from_db()
    assert audit.sufficiency == {"min_area_coverage": 0.6, "min_responses": 8, "min_sample": {"nps": 50}}
    event = AuditEvent.objects.get(assessment=audit, action=AuditEvent.Action.SUFFICIENCY)
    assert (event.actor_label, event.before, event.after) == ("alpha-consultant", {}, audit.sufficiency)

    bad = consultant_client.post(_settings(audit), {**form, "min_area_coverage": "120", "min_answers": "0"})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "Ensure this value is less than or equal to 100." in page
    assert "Ensure this value is greater than or equal to 1." in page


def test_settings_are_refused_once_published(consultant_client, executive_client, thin):
    assessment_published(assessment=thin, override_reason=REASON)
    form = {
        "min_answers": "2",
        "min_area_coverage": "70",
        "min_responses": "5",
        "min_sample_nps": "100",
        "min_sample_csi": "100",
        "min_sample_servqual": "50",
        "min_sample_mystery_shopping": "10",
        "min_sample_churn_rate": "100",
        "min_sample_loyal_share": "100",
        "min_sample_disloyal_share": "100",
        **OTHER_SAMPLES,
    }
    assert "these settings no longer change" in consultant_client.get(_settings(thin)).content.decode()
    response = consultant_client.post(_settings(thin), form)
    assert response.status_code == 400
    assert (
        "The assessment is published; these cannot change any more: sufficiency." in response.content.decode()
    )
    thin.refresh_from_db()
    assert thin.sufficiency == {}
    assert executive_client.get(_settings(thin)).status_code == 404
