"""Setting up a client from the browser: the home page's "New organization", editing, archiving."""

import pytest
from django.core import mail
from django.urls import reverse

from assessment.models import Membership, Organization, Role
from tests.factories import consultant_of

pytestmark = pytest.mark.django_db


def test_a_consultant_sets_up_an_organization_from_the_home_page(consultant_client, consultant):
    home = consultant_client.get(reverse("workspace:home")).content.decode()
    assert f'href="{reverse("workspace:organization-new")}"' in home
    response = consultant_client.post(
        reverse("workspace:organization-new"),
        {
            "name": "Gamma Insurance",
            "industry": "insurance",
            "segment": "medium",
            "country": "Uzbekistan",
            "currency": "UZS",
        },
    )
    created = Organization.objects.get(name="Gamma Insurance")
    assert response["Location"] == reverse("workspace:assessment-new", args=[created.pk])
    assert (created.industry, created.segment, created.country, created.currency) == (
        "insurance",
        "medium",
        "Uzbekistan",
        "UZS",
    )
    membership = Membership.objects.get(organization=created)
    assert (membership.user, membership.lead) == (consultant, True)
    # Its assessments start in its currency.
    consultant_client.post(
        reverse("workspace:assessment-new", args=[created.pk]),
        {"title": "Gamma 2026", "reference_date": "2026-06-30"},
    )
    assert created.assessments.get().currency == "UZS"
    page = consultant_client.get(reverse("workspace:organization", args=[created.pk])).content.decode()
    assert "Insurance · Uzbekistan · Medium (250–999 employees)" in page


def test_a_consultant_with_no_organization_yet_is_told_where_to_start(client):
    client.force_login(consultant_of(username="newcomer"))
    home = client.get(reverse("workspace:home")).content.decode()
    assert "No organization yet: set up your first client with “New organization”." in home


def test_bad_input_is_shown_per_field_and_creates_nothing(consultant_client):
    response = consultant_client.post(
        reverse("workspace:organization-new"), {"name": "", "industry": "mining"}
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "industry"}
    assert not Organization.objects.exclude(name__in=["Alpha Bank"]).exists()


def test_executives_set_up_no_organization_and_edit_none(executive_client, organization):
    home = executive_client.get(reverse("workspace:home")).content.decode()
    assert reverse("workspace:organization-new") not in home
    assert executive_client.get(reverse("workspace:organization-new")).status_code == 403
    assert executive_client.post(reverse("workspace:organization-new"), {"name": "Shadow"}).status_code == 403
    edit = reverse("workspace:organization-edit", args=[organization.pk])
    assert executive_client.post(edit, {"name": "Mine"}).status_code == 404
    assert not Organization.objects.filter(name__in=["Shadow", "Mine"]).exists()


def test_a_consultant_of_another_organization_cannot_edit_it(stranger_consultant_client, organization):
    edit = reverse("workspace:organization-edit", args=[organization.pk])
    assert stranger_consultant_client.get(edit).status_code == 404
    archive = reverse("workspace:organization-archive", args=[organization.pk])
    assert stranger_consultant_client.post(archive, {"archived": "true"}).status_code == 404
    organization.refresh_from_db()
    assert organization.archived_at is None


def test_the_consultant_edits_the_organization(consultant_client, organization):
    edit = reverse("workspace:organization-edit", args=[organization.pk])
    form = consultant_client.get(edit).context["form"]
    assert form.initial == {
        "name": "Alpha Bank",
        "industry": "banking",
        "country": "Kazakhstan",
        "segment": "large",
        "currency": "",
    }
    response = consultant_client.post(
        edit, {"name": "Alpha Bank JSC", "industry": "banking", "segment": "enterprise"}
    )
    assert response["Location"] == reverse("workspace:organization", args=[organization.pk])
    organization.refresh_from_db()
    assert (organization.name, organization.segment, organization.country) == (
        "Alpha Bank JSC",
        "enterprise",
        "",
    )


def test_an_archived_organization_leaves_the_list_and_takes_no_new_assessment(
    consultant_client, organization, audit
):
    archive = reverse("workspace:organization-archive", args=[organization.pk])
    consultant_client.post(archive, {"archived": "true"})
    organization.refresh_from_db()
    assert organization.archived_at is not None
    home = consultant_client.get(reverse("workspace:home"))
    assert home.context["rows"] == [] and home.context["archived"] == [organization]
    assert "1 archived organization" in home.content.decode()
    # Its audits stay readable; a new one is refused with the reason.
    assert consultant_client.get(reverse("workspace:scores", args=[audit.pk])).status_code == 200
    response = consultant_client.post(
        reverse("workspace:assessment-new", args=[organization.pk]),
        {"title": "Alpha 2027", "reference_date": "2027-03-31"},
    )
    assert response.context["form"].non_field_errors() == [
        "The organization is archived: restore it to start a new assessment."
    ]
    assert organization.assessments.count() == 1
    consultant_client.post(archive, {"archived": "false"})
    organization.refresh_from_db()
    assert organization.archived_at is None
    assert [
        row["organization"] for row in consultant_client.get(reverse("workspace:home")).context["rows"]
    ] == [organization]


def _users_url(organization) -> str:
    return reverse("workspace:organization-users", args=[organization.pk])


def test_the_consultant_invites_an_executive_from_the_organization_page(
    consultant_client, organization, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://cx.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        response = consultant_client.post(
            _users_url(organization),
            {"email": "board@alpha.example", "name": "Aliya", "language": "en"},
        )
    assert response["Location"] == reverse("workspace:organization", args=[organization.pk]) + "#client-users"
    page = consultant_client.get(response["Location"]).content.decode()
    assert "The invitation is on its way to board@alpha.example." in page
    assert "Invited: link sent" in page and "Send a new link" in page and "Deactivate" in page
    [message] = mail.outbox
    assert message.subject == "Alpha Bank: your access to the customer-experience assessment"
    assert "https://cx.example.com/accounts/invitation/" in message.body
    user = Membership.objects.get(organization=organization, user__email="board@alpha.example").user

    consultant_client.post(_users_url(organization), {"action": "deactivate", "user": user.pk})
    user.refresh_from_db()
    assert not user.is_active
    page = consultant_client.get(reverse("workspace:organization", args=[organization.pk])).content.decode()
    assert "Deactivated" in page and "Reactivate" in page


def test_the_consultant_invites_a_client_manager(
    consultant_client, organization, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        consultant_client.post(
            _users_url(organization),
            {"email": "ops@alpha.example", "name": "Dana", "language": "ru", "role": "client_manager"},
        )
    membership = Membership.objects.get(organization=organization, user__email="ops@alpha.example")
    assert membership.role == Role.CLIENT_MANAGER
    page = consultant_client.get(reverse("workspace:organization", args=[organization.pk])).content.decode()
    assert "<td>Client manager</td>" in page
    refused = consultant_client.post(
        _users_url(organization), {"email": "x@alpha.example", "language": "en", "role": "consultant"}
    )
    assert refused.status_code == 400
    assert list(refused.context["user_form"].errors) == ["role"]


def test_a_bad_address_is_a_field_error_and_invites_nobody(consultant_client, organization):
    response = consultant_client.post(_users_url(organization), {"email": "not an address", "language": "en"})
    assert response.status_code == 400
    assert list(response.context["user_form"].errors) == ["email"]
    assert (
        not Membership.objects.filter(organization=organization, role=Role.EXECUTIVE)
        .exclude(user__username="alpha-executive")
        .exists()
    )


def test_only_the_organizations_consultants_manage_its_users(
    executive_client, executive, stranger_consultant_client, organization
):
    page = executive_client.get(reverse("workspace:organization", args=[organization.pk])).content.decode()
    assert 'id="client-users"' not in page and "Invite a client user" not in page
    for client in (executive_client, stranger_consultant_client):
        assert (
            client.post(_users_url(organization), {"email": "x@evil.example", "language": "en"}).status_code
            == 404
        )
        assert (
            client.post(_users_url(organization), {"action": "deactivate", "user": executive.pk}).status_code
            == 404
        )
    executive.refresh_from_db()
    assert executive.is_active
    assert not Membership.objects.filter(user__email="x@evil.example").exists()
