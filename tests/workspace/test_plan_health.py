"""Where each action plan stands, beside its assessment on the organization page (the
consultants) and on the home page (the client's executives): counts computed by hand."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import strip_tags
from freezegun import freeze_time

from assessment.models import Status
from reports.models import Initiative, InitiativeStatus
from reports.plan_selectors import plan_health_by_assessment
from tests.factories import (
    AssessmentFactory,
    executive_of,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 1)


@pytest.fixture
def plan(published_plan):
    """A published assessment whose plan has, on 1 June 2026: two on track, one at risk (due in
    10 days at 50 %), one overdue, one done and one dropped."""
    organization = published_plan.organization
    consultant = published_plan.consultant
    assessment = published_plan.assessment
    Initiative.objects.filter(assessment=assessment).delete()
    states = [
        (InitiativeStatus.IN_PROGRESS, 50, datetime.date(2026, 9, 1)),
        (InitiativeStatus.PLANNED, 0, None),
        (InitiativeStatus.IN_PROGRESS, 50, TODAY + datetime.timedelta(days=10)),
        (InitiativeStatus.IN_PROGRESS, 90, TODAY - datetime.timedelta(days=1)),
        (InitiativeStatus.DONE, 100, TODAY - datetime.timedelta(days=30)),
        (InitiativeStatus.DROPPED, 10, TODAY + datetime.timedelta(days=30)),
    ]
    for position, (status, percent, due_on) in enumerate(states):
        Initiative.objects.create(
            assessment=assessment,
            title={"en": f"Initiative {position}"},
            status=status,
            percent_complete=percent,
            due_on=due_on,
            dropped_reason="No budget" if status == InitiativeStatus.DROPPED else "",
            position=position,
        )
    draft = AssessmentFactory(organization=organization, status=Status.DRAFT)
    return {
        "assessment": assessment,
        "draft": draft,
        "consultant": consultant,
        "executive": executive_of(organization),
    }


def test_the_health_counts_of_each_plan(plan):
    health = plan_health_by_assessment(assessment_ids=[plan["assessment"].pk, plan["draft"].pk], today=TODAY)
    assert health == {
        plan["assessment"].pk: {"on_track": 2, "at_risk": 1, "overdue": 1, "done": 1, "dropped": 1}
    }


def _cell(page: str, assessment_id: int) -> str:
    """The markup of the action-plan link of the assessment's row."""
    link = reverse("workspace:action-plan", args=[assessment_id])
    start = page.index(f'href="{link}"')
    return page[start : page.index("</a>", start)]


@pytest.mark.parametrize(
    ("who", "url"),
    [("consultant", "organization"), ("executive", "home")],
)
def test_the_organization_page_and_the_home_page_show_where_the_plan_stands(plan, who, url):
    client = Client()
    client.force_login(plan[who])
    address = (
        reverse("workspace:organization", args=[plan["assessment"].organization_id])
        if url == "organization"
        else "/"
    )
    with freeze_time(TODAY):
        page = client.get(address).content.decode()
    cell = _cell(page, plan["assessment"].pk)
    assert " ".join(strip_tags(cell.split(">", 1)[1]).split()) == "2 on track 1 at risk 1 overdue 1 done"
    assert 'badge--warning">1<' in cell and 'badge--danger">1<' in cell
