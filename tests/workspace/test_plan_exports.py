"""The action plan's downloads: whoever reads the plan (consultants, the client's executives
and managers) downloads it as XLSX and as a calendar; people of another organization, and
client users before the assessment is published, get a 404."""

import datetime
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from assessment.models import Status
from reports.models import Initiative, InitiativeUpdate
from reports.texts import text_any
from tests.factories import (
    AssessmentFactory,
    OrganizationFactory,
    client_manager_of,
    consultant_of,
    executive_of,
)

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CALENDAR = "text/calendar; charset=utf-8"
ROUTES = ("workspace:action-plan-xlsx", "workspace:action-plan-ics")


@pytest.fixture
def plan(published_plan):
    """A published assessment whose roadmap became the plan, as in the demo: its first
    initiative owned by a client manager, aiming at a churn target, with a progress note; its
    second done."""
    organization = published_plan.organization
    consultant = published_plan.consultant
    assessment = published_plan.assessment
    manager = client_manager_of(organization, first_name="Dana")
    first, second = assessment.initiatives.order_by("position")[:2]
    Initiative.objects.filter(pk=first.pk).update(
        owner=manager,
        outcomes=["churn_rate"],
        targets={"churn_rate": {"op": "<=", "value": 9.5}},
        status="in_progress",
        percent_complete=30,
    )
    InitiativeUpdate.objects.create(
        initiative=first, author=manager, status="in_progress", percent_complete=30, note="Pilot live"
    )
    Initiative.objects.filter(pk=second.pk).update(status="done", percent_complete=100)
    return {
        "organization": organization,
        "assessment": assessment,
        "consultant": consultant,
        "executive": executive_of(organization),
        "manager": manager,
        "initiatives": list(assessment.initiatives.order_by("position", "id")),
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, assessment, **query) -> str:
    return reverse(name, args=[assessment.pk], query=query or None)


def _rows(response) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def _events(response) -> int:
    return response.content.decode().split("\r\n").count("BEGIN:VEVENT")


def test_the_consultant_downloads_the_plan_as_a_spreadsheet(plan):
    response = _client(plan["consultant"]).get(_url("workspace:action-plan-xlsx", plan["assessment"]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="plan-bank-action-plan-2025-12-31.xlsx"'
    rows = _rows(response)
    initiatives = plan["initiatives"]
    assert len(initiatives) >= 2 and len(rows) == 1 + len(initiatives)
    assert rows[0][8] == "Budget, KZT"
    assert [row[1] for row in rows[1:]] == [text_any(item.title, "en") for item in initiatives]
    first = rows[1]
    assert (first[2], first[4]) == ("In progress", "Dana")
    assert first[5] == datetime.datetime.combine(initiatives[0].start_on, datetime.time())
    assert (first[7], first[9], first[11]) == (30, "Churn rate ≤ 9.5 %", "Pilot live")
    assert rows[2][2:4] == ["Done", "Done"]


def test_the_plan_downloads_in_the_language_asked_for(plan):
    client = _client(plan["consultant"])
    rows = _rows(client.get(_url("workspace:action-plan-xlsx", plan["assessment"], lang="ru")))
    assert [row[1] for row in rows[1:]] == [text_any(item.title, "ru") for item in plan["initiatives"]]
    calendar = client.get(_url("workspace:action-plan-ics", plan["assessment"], lang="ru")).content.decode()
    assert "X-WR-CALNAME:План действий — " in calendar


def test_the_calendar_has_the_due_dates_still_ahead(plan, settings):
    settings.SITE_URL = "https://cx.example.com"
    response = _client(plan["consultant"]).get(_url("workspace:action-plan-ics", plan["assessment"]))
    assert response.status_code == 200 and response["Content-Type"] == CALENDAR
    assert response["Content-Disposition"] == 'attachment; filename="plan-bank-action-plan-2025-12-31.ics"'
    text = response.content.decode()
    open_dated = [
        item for item in plan["initiatives"] if item.due_on and item.status not in ("done", "dropped")
    ]
    assert _events(response) == len(open_dated) == len(plan["initiatives"]) - 1
    first, done = plan["initiatives"][:2]
    assert f"UID:initiative-{first.pk}@cx.example.com" in text
    assert f"DTSTART;VALUE=DATE:{first.due_on:%Y%m%d}" in text
    assert f"UID:initiative-{done.pk}@" not in text
    assert (
        f"URL:https://cx.example.com/assessments/{plan['assessment'].pk}/action-plan/#initiative-{first.pk}"
        in (text.replace("\r\n ", ""))
    )


@pytest.mark.parametrize("who", ["executive", "manager"])
def test_the_clients_people_download_what_they_read(plan, who):
    client = _client(plan[who])
    for name in ROUTES:
        assert client.get(_url(name, plan["assessment"])).status_code == 200, name


def test_people_of_another_organization_get_a_404(plan):
    other = OrganizationFactory(name="Other Bank")
    for user in (client_manager_of(other), executive_of(other), consultant_of(other)):
        client = _client(user)
        for name in ROUTES:
            assert client.get(_url(name, plan["assessment"])).status_code == 404, (user, name)


def test_an_unpublished_assessment_is_no_clients_download(plan):
    draft = AssessmentFactory(organization=plan["organization"], status=Status.COLLECTING)
    for name in ROUTES:
        assert _client(plan["executive"]).get(_url(name, draft)).status_code == 404, name
        assert _client(plan["manager"]).get(_url(name, draft)).status_code == 404, name
        assert _client(plan["consultant"]).get(_url(name, draft)).status_code == 200, name


def test_downloads_are_read_only_and_need_signing_in(plan):
    for name in ROUTES:
        url = _url(name, plan["assessment"])
        assert _client(plan["consultant"]).post(url).status_code == 405
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
