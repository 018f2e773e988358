"""Who sees what: the scope every query goes through."""

import pytest

from assessment.models import Status
from assessment.selectors import assessment_scope, organization_scope
from tests.factories import AssessmentFactory, OrganizationFactory, UserFactory, consultant_of, executive_of


@pytest.fixture
def world(catalog):
    bank_a, bank_b = OrganizationFactory(name="Bank A"), OrganizationFactory(name="Bank B")
    return {
        "bank_a": bank_a,
        "bank_b": bank_b,
        "a_draft": AssessmentFactory(organization=bank_a, status=Status.DRAFT),
        "a_published": AssessmentFactory(organization=bank_a, status=Status.PUBLISHED),
        "a_closed": AssessmentFactory(organization=bank_a, status=Status.CLOSED),
        "b_published": AssessmentFactory(organization=bank_b, status=Status.PUBLISHED),
        "executive_a": executive_of(bank_a),
        "executive_b": executive_of(bank_b),
        "consultant_a": consultant_of(bank_a),
    }


def test_executive_sees_only_own_organization_and_only_published_or_closed(world):
    user = world["executive_a"]
    assert list(organization_scope(user=user)) == [world["bank_a"]]
    assert set(assessment_scope(user=user)) == {world["a_published"], world["a_closed"]}


def test_consultant_sees_every_assessment_of_assigned_organizations_only(world):
    user = world["consultant_a"]
    assert list(organization_scope(user=user)) == [world["bank_a"]]
    assert set(assessment_scope(user=user)) == {world["a_draft"], world["a_published"], world["a_closed"]}


def test_admin_sees_everything(world):
    admin = UserFactory(is_superuser=True)
    assert organization_scope(user=admin).count() == 2
    assert assessment_scope(user=admin).count() == 4


def test_user_without_membership_sees_nothing(world):
    assert not organization_scope(user=UserFactory()).exists()
    assert not assessment_scope(user=UserFactory()).exists()


def test_executive_of_a_gets_404_on_organization_b_assessment(api, world):
    api.force_authenticate(world["executive_a"])
    assert api.get(f"/api/v1/assessments/{world['b_published'].pk}/").status_code == 404
    assert api.get(f"/api/v1/assessments/{world['a_published'].pk}/").status_code == 200


def test_executive_gets_404_on_own_organization_draft(api, world):
    api.force_authenticate(world["executive_a"])
    assert api.get(f"/api/v1/assessments/{world['a_draft'].pk}/").status_code == 404


def test_lists_are_scoped(api, world):
    api.force_authenticate(world["executive_b"])
    assert [o["name"] for o in api.get("/api/v1/organizations/").json()] == ["Bank B"]
    assert [a["id"] for a in api.get("/api/v1/assessments/").json()] == [world["b_published"].pk]


def test_consultant_cannot_reach_unassigned_organization(api, world):
    api.force_authenticate(world["consultant_a"])
    assert api.get(f"/api/v1/assessments/{world['b_published'].pk}/").status_code == 404
    response = api.patch(f"/api/v1/assessments/{world['b_published'].pk}/", {"title": "x"}, format="json")
    assert response.status_code == 404
    created = api.post(
        "/api/v1/assessments/",
        {"organization": world["bank_b"].pk, "title": "Intrusion", "reference_date": "2026-01-01"},
        format="json",
    )
    assert created.status_code == 400
    assert "organization" in created.json()


def test_executive_can_read_but_not_change_a_published_assessment(api, world):
    api.force_authenticate(world["executive_a"])
    response = api.patch(f"/api/v1/assessments/{world['a_published'].pk}/", {"title": "x"}, format="json")
    assert response.status_code == 403
    world["a_published"].refresh_from_db()
    assert world["a_published"].title != "x"
