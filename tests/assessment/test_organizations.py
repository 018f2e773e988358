"""Client organizations: an industry from the fixed list, editing by the organization's
consultants only, archiving; and the old free-text industries mapped onto the list."""

import importlib

import pytest
from django.apps import apps

from assessment.models import Organization
from tests.factories import OrganizationFactory, consultant_of, executive_of

industry_migration = importlib.import_module("assessment.migrations.0012_organization_industry_list")


@pytest.fixture
def bank(catalog):
    return OrganizationFactory(name="Halyk Demo", industry="banking")


@pytest.fixture
def consultant(api, bank):
    user = consultant_of(bank)
    api.force_authenticate(user)
    return user


def _patch(api, organization, payload):
    return api.patch(f"/api/v1/organizations/{organization.pk}/", payload, format="json")


def test_an_industry_outside_the_list_is_refused(api, consultant):
    response = api.post("/api/v1/organizations/", {"name": "Shop", "industry": "Banking"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["industry"]
    assert not Organization.objects.filter(name="Shop").exists()


def test_the_consultant_edits_the_organization(api, consultant, bank):
    response = _patch(api, bank, {"name": "Halyk Bank", "industry": "insurance", "segment": "large"})
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["industry"], body["industry_name"], body["segment"]) == (
        "Halyk Bank",
        "insurance",
        "Insurance",
        "large",
    )
    bank.refresh_from_db()
    assert (bank.name, bank.industry, bank.country) == ("Halyk Bank", "insurance", "Kazakhstan")  # untouched
    assert _patch(api, bank, {"name": ""}).json() == {"name": ["This field may not be blank."]}


def test_only_the_organizations_consultants_change_it(api, bank):
    api.force_authenticate(executive_of(bank))
    assert api.get(f"/api/v1/organizations/{bank.pk}/").status_code == 200
    assert _patch(api, bank, {"name": "Mine"}).status_code == 403
    api.force_authenticate(consultant_of(OrganizationFactory(name="Other")))
    assert api.get(f"/api/v1/organizations/{bank.pk}/").status_code == 404
    assert _patch(api, bank, {"name": "Mine"}).status_code == 404
    bank.refresh_from_db()
    assert bank.name == "Halyk Demo"


def test_an_archived_organization_takes_no_new_assessment(api, consultant, bank):
    response = _patch(api, bank, {"archived": True})
    assert response.status_code == 200 and response.json()["archived_at"] is not None
    created = api.post(
        "/api/v1/assessments/",
        {"organization": bank.pk, "title": "Audit 2027", "reference_date": "2027-06-30"},
        format="json",
    )
    assert created.status_code == 409
    assert created.json()["code"] == "organization_archived"
    assert not bank.assessments.exists()
    assert _patch(api, bank, {"archived": False}).json()["archived_at"] is None
    created = api.post(
        "/api/v1/assessments/",
        {"organization": bank.pk, "title": "Audit 2027", "reference_date": "2027-06-30"},
        format="json",
    )
    assert created.status_code == 201


@pytest.mark.django_db
def test_free_text_industries_are_mapped_onto_the_list():
    typed = {
        "Bank ": "banking",
        "Retail": "retail",
        "Telecommunications": "telecom",
        "Розничный банк": "other",
    }
    organizations = {raw: OrganizationFactory(industry="") for raw in typed}
    for raw, organization in organizations.items():
        Organization.objects.filter(pk=organization.pk).update(industry=raw)
    untyped = OrganizationFactory(industry="")
    industry_migration.industries_to_list(apps, None)
    for raw, organization in organizations.items():
        organization.refresh_from_db()
        assert organization.industry == typed[raw], raw
    untyped.refresh_from_db()
    assert untyped.industry == ""


def test_the_currency_is_from_the_list_and_new_assessments_start_in_it(api, consultant, bank):
    assert _patch(api, bank, {"currency": "kzt"}).status_code == 400
    response = _patch(api, bank, {"currency": "KZT"})
    assert (response.status_code, response.json()["currency"]) == (200, "KZT")
    created = api.post(
        "/api/v1/assessments/",
        {"organization": bank.pk, "title": "Halyk 2026", "reference_date": "2026-06-30"},
        format="json",
    )
    assert created.json()["currency"] == "KZT"
    changed = api.patch(f"/api/v1/assessments/{created.json()['id']}/", {"currency": "USD"}, format="json")
    assert changed.json()["currency"] == "USD"
    bank.refresh_from_db()
    assert bank.currency == "KZT"  # the assessment keeps its own
