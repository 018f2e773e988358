import pytest
from django.contrib import admin

from tests.factories import AssessmentFactory, UserFactory, executive_of


@pytest.fixture
def admin_client(client, catalog):
    assessment = AssessmentFactory()
    executive_of(assessment.organization)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_every_admin_changelist_and_change_page_renders(admin_client):
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = f"/admin/{opts.app_label}/{opts.model_name}/"
        assert admin_client.get(changelist).status_code == 200, changelist
        obj = model.objects.first()
        if obj is not None:
            assert admin_client.get(f"{changelist}{obj.pk}/change/").status_code == 200, model
        if model_admin.search_fields:
            assert admin_client.get(changelist, {"q": "bank"}).status_code == 200, model


def test_published_catalog_cannot_be_edited_in_admin(admin_client, catalog):
    indicator = catalog.indicators.first()
    response = admin_client.post(f"/admin/surveys/indicator/{indicator.pk}/change/", {"code": "X-01"})
    assert response.status_code == 403
    indicator.refresh_from_db()
    assert indicator.code != "X-01"


def test_admin_adds_a_respondent_through_the_service_and_shows_the_link_once(admin_client, catalog):
    from assessment.models import Status
    from surveys.models import Invitation, InvitationToken

    assessment = AssessmentFactory(status=Status.COLLECTING)
    data = {
        "assessment": assessment.pk,
        "email": "New@Bank.kz",
        "name": "N",
        "department": "IT",
        "role": "manager",
    }
    response = admin_client.post("/admin/surveys/invitation/add/", {**data, "language": "en"}, follow=True)
    assert response.status_code == 200
    invitation = Invitation.objects.get(assessment=assessment)
    assert invitation.email == "new@bank.kz"
    assert InvitationToken.objects.filter(invitation=invitation).count() == 1
    assert "Personal link (shown only now): http" in response.content.decode()

    again = admin_client.post("/admin/surveys/invitation/add/", {**data, "language": "en"})
    assert again.status_code == 200  # the form again, with the error
    assert "new@bank.kz is already invited to this assessment." in again.content.decode()
    assert Invitation.objects.filter(assessment=assessment).count() == 1


def test_admin_resend_action(admin_client, catalog, django_capture_on_commit_callbacks):
    from django.core import mail

    from assessment.models import Status
    from surveys.services import invitation_create_many

    assessment = AssessmentFactory(status=Status.COLLECTING)
    [new] = invitation_create_many(assessment=assessment, rows=[{"email": "r@bank.kz", "role": "frontline"}])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/surveys/invitation/", {"action": "resend", "_selected_action": [new.invitation.pk]}
        )
    assert [m.to for m in mail.outbox] == [["r@bank.kz"]]
