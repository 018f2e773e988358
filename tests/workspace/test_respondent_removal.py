"""Removing a respondent who left the company: their answers leave the scores, their link opens
nothing, the audit log keeps who it was; refused once published, scoped to the consultant's
organizations."""

import pytest
from django.urls import reverse

from assessment.models import AuditEvent, Status
from assessment.selectors import assessment_scores_compute
from assessment.services import assessment_update
from surveys.models import Answer, Invitation, InvitationToken
from tests.assessment.test_scores_api import respond
from tests.factories import OVERRIDE_REASON, assessment_published

pytestmark = pytest.mark.django_db


def _org_01_score(assessment) -> float:
    result = assessment_scores_compute(assessment=assessment)
    return next(row["score"] for row in result["indicators"] if row["code"] == "ORG-01")


@pytest.fixture
def answered(audit):
    """ORG-01: one respondent says 5, the other 1, so the score is (100 + 0) / 2 = 50."""
    stays = respond(audit, "stays@alpha.example", "frontline", {"ORG-01": 1})
    leaves = respond(audit, "leaves@alpha.example", "manager", {"ORG-01": 5, "ORG-02": 4}, department="Sales")
    return audit, stays, leaves


def test_a_removed_respondent_leaves_the_scores_and_their_link_dies(consultant_client, client, answered):
    audit, stays, leaves = answered
    assert _org_01_score(audit) == 50.0
    url = reverse("workspace:respondent-remove", args=[audit.pk, leaves.invitation.pk])
    response = consultant_client.post(url)
    assert response.status_code == 302
    page = consultant_client.get(response["Location"]).content.decode()
    assert "leaves@alpha.example is removed, with 2 answers; the personal link no longer opens." in page
    assert _org_01_score(audit) == 0.0  # only the level 1 is left
    assert list(Invitation.objects.values_list("email", flat=True)) == ["stays@alpha.example"]
    assert not Answer.objects.filter(response__invitation_id=leaves.invitation.pk).exists()
    assert not InvitationToken.objects.filter(invitation_id=leaves.invitation.pk).exists()
    assert client.get(f"/r/{leaves.token}/").status_code == 404
    assert client.get(f"/api/v1/respond/{leaves.token}/").status_code == 404
    assert client.get(f"/r/{stays.token}/").status_code in (200, 302)
    event = AuditEvent.objects.get(assessment=audit, action="respondent_removed")
    assert (event.actor.username, event.target, event.after) == (
        "alpha-consultant",
        "leaves@alpha.example",
        None,
    )
    assert event.before == {
        "email": "leaves@alpha.example",
        "role": "manager",
        "department": "Sales",
        "submitted": True,
        "answers": 2,
    }


def test_the_api_removes_and_the_published_assessment_keeps_its_respondents(api, consultant, answered):
    audit, stays, leaves = answered
    api.force_authenticate(consultant)
    base = f"/api/v1/assessments/{audit.pk}/invitations/"
    assert api.delete(f"{base}{leaves.invitation.pk}/").status_code == 204
    assert api.delete(f"{base}{leaves.invitation.pk}/").status_code == 404
    assessment_update(assessment=audit, status=Status.SCORING)
    assessment_published(assessment=audit, override_reason=OVERRIDE_REASON)
    refused = api.delete(f"{base}{stays.invitation.pk}/")
    assert (refused.status_code, refused.json()["code"]) == (409, "assessment_published")
    assert Invitation.objects.filter(pk=stays.invitation.pk).exists()
    assert AuditEvent.objects.filter(assessment=audit, action="respondent_removed").count() == 1


def test_only_the_organizations_consultants_remove(
    api, executive, executive_client, stranger_consultant_client, answered
):
    audit, _stays, leaves = answered
    url = reverse("workspace:respondent-remove", args=[audit.pk, leaves.invitation.pk])
    assert stranger_consultant_client.post(url).status_code == 404
    assert executive_client.post(url).status_code in (403, 404)
    api.force_authenticate(executive)
    assert api.delete(f"/api/v1/assessments/{audit.pk}/invitations/{leaves.invitation.pk}/").status_code in (
        403,
        404,
    )
    assert Invitation.objects.filter(pk=leaves.invitation.pk).exists()


def test_removing_is_a_post(consultant_client, answered):
    audit, _stays, leaves = answered
    url = reverse("workspace:respondent-remove", args=[audit.pk, leaves.invitation.pk])
    assert consultant_client.get(url).status_code == 405
    assert Invitation.objects.filter(pk=leaves.invitation.pk).exists()


def test_the_people_table_offers_removal_until_published(consultant_client, answered):
    audit, _stays, leaves = answered
    page = consultant_client.get(reverse("workspace:respondents", args=[audit.pk])).content.decode()
    assert reverse("workspace:respondent-remove", args=[audit.pk, leaves.invitation.pk]) in page
    assert "Remove leaves@alpha.example? Their answers are deleted and leave the scores" in page
