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
