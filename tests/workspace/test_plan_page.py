"""The action-plan tab: everyone of the organization reads where the plan stands; a client
manager updates the initiatives they own, and only those; the consultants update any; a client
manager has no Reports tab."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from assessment.models import Status
from assessment.services import interview_scores_set
from reports.models import Initiative, InitiativeUpdate
from surveys.models import Indicator
from tests.factories import (
    OVERRIDE_REASON,
    AssessmentFactory,
    OrganizationFactory,
    assessment_published,
    client_manager_of,
    consultant_of,
    executive_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(catalog):
    organization = OrganizationFactory(name="Plan Bank")
    consultant = consultant_of(organization)
    assessment = AssessmentFactory(
        organization=organization, status=Status.SCORING, reference_date=datetime.date(2025, 12, 31)
    )
    codes = Indicator.objects.filter(version=catalog).values_list("code", flat=True)
    interview_scores_set(
        assessment=assessment,
        user=consultant,
        items=[{"indicator": c, "level": 2, "note": ""} for c in codes],
    )
    assessment = assessment_published(assessment=assessment, override_reason=OVERRIDE_REASON)
    manager = client_manager_of(organization, first_name="Dana")
    mine, other = assessment.initiatives.order_by("position")[:2]
    Initiative.objects.filter(pk=mine.pk).update(owner=manager)
    return {
        "assessment": assessment,
        "consultant": consultant,
        "manager": manager,
        "executive": executive_of(organization),
        "mine": mine,
        "other": other,
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(plan) -> str:
    return reverse("workspace:action-plan", args=[plan["assessment"].pk])


def _progress(plan, initiative, **fields) -> dict:
    prefix = f"initiative-{initiative.pk}"
    return {"initiative": initiative.pk, **{f"{prefix}-{key}": value for key, value in fields.items()}}


def test_a_client_manager_updates_their_initiative_and_only_theirs(plan):
    manager = _client(plan["manager"])
    page = manager.get(_url(plan)).content.decode()
    count = plan["assessment"].initiatives.count()
    assert f'<span class="badge badge--ok">{count}</span> on track' in page
    assert page.count("Update the progress") == 1  # only their own initiative
    assert ">Reports<" not in page and ">Action plan<" in page
    response = manager.post(
        _url(plan),
        _progress(plan, plan["mine"], percent_complete=60, status="in_progress", note="Pilot live"),
    )
    assert response.status_code == 302
    page = manager.get(response["Location"]).content.decode()
    assert "The progress is saved." in page and "Pilot live" in page
    plan["mine"].refresh_from_db()
    assert (plan["mine"].percent_complete, plan["mine"].status) == (60, "in_progress")
    # Another owner's initiative: refused, nothing stored.
    response = manager.post(
        _url(plan), _progress(plan, plan["other"], percent_complete=10, status="planned"), follow=True
    )
    assert (
        escape("Only the assessment's consultants and the initiative's owner change it.")
        in response.content.decode()
    )
    assert not InitiativeUpdate.objects.filter(initiative=plan["other"]).exists()
    # A bad value is a field error on the page.
    response = manager.post(_url(plan), _progress(plan, plan["mine"], percent_complete=140, status="planned"))
    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 100." in response.content.decode()
    dropped = manager.post(_url(plan), _progress(plan, plan["mine"], percent_complete=60, status="dropped"))
    assert dropped.status_code == 400 and "Say why the initiative is dropped." in dropped.content.decode()


def test_executives_read_the_plan_and_consultants_update_any(plan):
    page = _client(plan["executive"]).get(_url(plan)).content.decode()
    assert "Update the progress" not in page and ">Reports<" in page
    assert "Owner: Dana" in page
    consultant = _client(plan["consultant"])
    assert (
        consultant.get(_url(plan)).content.decode().count("Update the progress")
        == plan["assessment"].initiatives.count()
    )
    consultant.post(_url(plan), _progress(plan, plan["other"], percent_complete=100, status="done"))
    plan["other"].refresh_from_db()
    assert plan["other"].status == "done"
    stranger = _client(client_manager_of(OrganizationFactory(name="Other Bank")))
    assert stranger.get(_url(plan)).status_code == 404
