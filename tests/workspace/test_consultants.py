"""Assigning consultants to an organization: its lead (its creator, unless handed on) and the
admins assign and take off the firm's consultants and hand the lead on; audited; nobody else."""

import pytest
from django.test import Client
from django.urls import reverse

from assessment.models import AuditEvent, Membership, Organization, Role
from tests.factories import UserFactory, consultant_of, executive_of

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client, organization, **data):
    return client.post(reverse("workspace:organization-consultants", args=[organization.pk]), data)


def _events(organization):
    return list(
        AuditEvent.objects.filter(organization=organization, action="consultant")
        .order_by("id")
        .values_list("actor__username", "target", "before", "after")
    )


@pytest.fixture
def lead(catalog):
    user = consultant_of(username="lena")
    _client(user).post(reverse("workspace:organization-new"), {"name": "Gamma Bank", "industry": "banking"})
    return user


@pytest.fixture
def gamma(lead):
    return Organization.objects.get(name="Gamma Bank")


@pytest.fixture
def colleague(catalog):
    return consultant_of(username="colin", first_name="Colin", last_name="Park")


def test_the_creator_leads_and_assigns_a_colleague_who_then_sees_the_organization(lead, gamma, colleague):
    assert Membership.objects.get(organization=gamma, user=lead).lead is True
    client = _client(lead)
    page = client.get(reverse("workspace:organization", args=[gamma.pk])).content.decode()
    assert f'<option value="{colleague.pk}">Colin Park (colin)</option>' in page
    assert f'<option value="{lead.pk}">' not in page  # already assigned
    response = _post(client, gamma, action="assign", user=colleague.pk)
    assert response["Location"].endswith("#consultants")
    assert Membership.objects.get(organization=gamma, user=colleague).lead is False
    assert _events(gamma) == [("lena", "colin", None, "consultant")]
    assert _client(colleague).get(reverse("workspace:organization", args=[gamma.pk])).status_code == 200


def test_executives_and_people_who_are_no_consultants_cannot_be_assigned(lead, gamma, organization):
    executive = executive_of(organization, username="exec")
    outsider = UserFactory(username="outsider")
    client = _client(lead)
    page = client.get(reverse("workspace:organization", args=[gamma.pk])).content.decode()
    assert f'value="{executive.pk}"' not in page and f'value="{outsider.pk}"' not in page
    for user in (executive, outsider):
        response = _post(client, gamma, action="assign", user=user.pk)
        assert response.status_code == 400
        assert "Select a valid choice." in response.content.decode()
    assert list(gamma.memberships.values_list("user__username", flat=True)) == ["lena"]


def test_a_consultant_who_does_not_lead_assigns_nobody(lead, gamma, colleague):
    _post(_client(lead), gamma, action="assign", user=colleague.pk)
    third = consultant_of(username="third")
    client = _client(colleague)
    page = client.get(reverse("workspace:organization", args=[gamma.pk])).content.decode()
    assert "Assign a consultant" not in page and "Make lead" not in page
    assert _post(client, gamma, action="assign", user=third.pk).status_code == 403
    assert _post(client, gamma, action="lead", user=colleague.pk).status_code == 403
    assert _post(client, gamma, action="unassign", user=lead.pk).status_code == 403
    assert set(gamma.memberships.values_list("user__username", "lead")) == {("lena", True), ("colin", False)}


def test_a_consultant_of_another_organization_reaches_nothing(lead, gamma, colleague):
    assert _post(_client(colleague), gamma, action="assign", user=colleague.pk).status_code == 404
    assert not gamma.memberships.filter(user=colleague).exists()


def test_the_lead_is_handed_on_and_the_lead_cannot_be_taken_off(lead, gamma, colleague):
    client = _client(lead)
    _post(client, gamma, action="assign", user=colleague.pk)
    refused = _post(client, gamma, action="unassign", user=lead.pk)
    page = client.get(refused["Location"]).content.decode()
    assert "Hand the lead to another consultant before taking the lead consultant off." in page
    _post(client, gamma, action="lead", user=colleague.pk)
    assert set(gamma.memberships.values_list("user__username", "lead")) == {("lena", False), ("colin", True)}
    # No longer the lead, lena assigns nobody; colin takes her off, and she no longer sees it.
    assert _post(client, gamma, action="unassign", user=colleague.pk).status_code == 403
    _post(_client(colleague), gamma, action="unassign", user=lead.pk)
    assert client.get(reverse("workspace:organization", args=[gamma.pk])).status_code == 404
    assert _events(gamma) == [
        ("lena", "colin", None, "consultant"),
        ("lena", "lena", "lead", "consultant"),
        ("lena", "colin", "consultant", "lead"),
        ("colin", "lena", "consultant", None),
    ]


def test_an_admin_assigns_and_the_first_assigned_leads(catalog, colleague):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    organization = Organization.objects.create(name="Delta Bank")
    _post(_client(admin), organization, action="assign", user=colleague.pk)
    membership = Membership.objects.get(organization=organization)
    assert (membership.user, membership.role, membership.lead) == (colleague, Role.CONSULTANT, True)
    assert _events(organization) == [("root", "colin", None, "lead")]
