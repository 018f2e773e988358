"""The page of who is asked which question: per role the questions and minutes, the matrix the
consultant edits before collection, the answers per indicator by role once they come in."""

import re

import pytest
from django.urls import reverse

from assessment.models import AuditEvent, Status
from assessment.services import assessment_update
from surveys.selectors import indicator_ids
from surveys.services import answers_save, invitation_create_many, response_submit
from tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(catalog_v2, organization):
    return AssessmentFactory(organization=organization, status=Status.DRAFT)


def _url(assessment) -> str:
    return reverse("workspace:questions", args=[assessment.pk])


def _matrix_post(assessment, changes: dict[str, list[str]]) -> dict:
    """The form as the page sends it: every indicator with its ticked roles, `changes` applied."""
    data: dict[str, list[str]] = {}
    for role in ("executive", "manager", "frontline", "back_office", "it"):
        for code in indicator_ids(version_id=assessment.catalog_version_id, role=role):
            data.setdefault(f"asked-{code}", []).append(role)
    data.update({f"asked-{code}": roles for code, roles in changes.items()})
    return data


def test_the_page_lists_questions_and_minutes_per_role_and_the_matrix(consultant_client, draft):
    html = consultant_client.get(_url(draft)).content.decode()
    rows = re.findall(
        r"<tr data-role-summary><th scope=\"row\">([^<]+)</th>"
        r"<td class=\"num\">(\d+)</td><td class=\"num\">(\d+)</td>",
        html,
    )
    assert rows == [
        ("Executive", "22", "12"),
        ("Manager", "27", "14"),
        ("Frontline", "26", "14"),
        ("Back office", "26", "14"),
        ("IT", "26", "14"),
    ]
    assert html.count('type="checkbox"') == 59 * 5
    assert html.count("checked") == 127  # the catalog's role-indicator pairs
    assert 'name="asked-ORG-01" value="executive" checked' in html
    assert 'name="asked-ORG-01" value="frontline" aria' in html


def test_saving_the_matrix_changes_the_audiences_and_is_audited(consultant_client, consultant, draft):
    response = consultant_client.post(
        _url(draft), _matrix_post(draft, {"ORG-01": ["executive", "manager", "frontline"]})
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.audiences == {"ORG-01": ["executive", "manager", "frontline"]}
    event = AuditEvent.objects.get(assessment=draft, target="audiences")
    assert (event.actor, event.after) == (consultant, {"ORG-01": ["executive", "manager", "frontline"]})
    html = consultant_client.get(_url(draft)).content.decode()
    assert 'Frontline</th><td class="num">27</td>' in html
    assert html.count(">changed</span>") == 1


def test_an_indicator_asked_of_no_one_is_refused_and_named(consultant_client, draft):
    response = consultant_client.post(_url(draft), _matrix_post(draft, {"ORG-02": []}))
    assert response.status_code == 400
    assert "ORG-02: Name at least one of the roles" in response.content.decode()
    draft.refresh_from_db()
    assert draft.audiences == {}


def test_once_collecting_the_page_is_read_only_and_counts_answers_by_role(consultant_client, draft):
    [new] = invitation_create_many(assessment=draft, rows=[{"email": "teller@bank.kz", "role": "frontline"}])
    assessment_update(assessment=draft, status=Status.COLLECTING)
    new.invitation.assessment.refresh_from_db()
    answers_save(
        invitation=new.invitation,
        items=[{"indicator": "ORG-08", "level": 3}, {"indicator": "ORG-11", "level": None}],
    )
    response_submit(invitation=new.invitation)
    html = consultant_client.get(_url(draft)).content.decode()
    assert 'type="checkbox"' not in html
    assert "1 / 1 (100 %)" in html  # the page header's response rate, as on every tab
    assert "Collection has opened" in html
    org08 = html.split('data-indicator="ORG-08"', 1)[1].split("</tr>", 1)[0]
    # Asked of the executive (no answer), the front line (one) and the back office (none).
    assert re.findall(r"✓</span> (\d+)", org08) == ["0", "1", "0"]
    org11 = html.split('data-indicator="ORG-11"', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"✓</span> (\d+)", org11) == ["0", "0"]  # "don't know" is not counted
    assert (
        consultant_client.post(_url(draft), _matrix_post(draft, {"ORG-01": ["it", "executive"]})).status_code
        == 302
    )
    draft.refresh_from_db()
    assert draft.audiences == {}


def test_an_executive_cannot_open_it(executive_client, draft):
    assert executive_client.get(_url(draft)).status_code == 404
