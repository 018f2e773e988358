import pytest

from assessment.models import Assessment, Membership, Organization, Role, Status
from tests.factories import AssessmentFactory, OrganizationFactory, UserFactory, consultant_of, executive_of


@pytest.fixture
def bank(catalog):
    return OrganizationFactory(name="Halyk Demo")


@pytest.fixture
def consultant(api, bank):
    user = consultant_of(bank)
    api.force_authenticate(user)
    return user


def _create(api, **overrides):
    payload = {
        "organization": overrides.pop("organization"),
        "title": "Audit 2026",
        "reference_date": "2026-06-30",
    }
    payload.update(overrides)
    return api.post("/api/v1/assessments/", payload, format="json")


def test_consultant_creates_organization_and_becomes_its_consultant(api, consultant):
    response = api.post(
        "/api/v1/organizations/",
        {"name": "Kaspi Demo", "industry": "banking", "country": "Kazakhstan", "segment": "enterprise"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Kaspi Demo"
    assert Membership.objects.get(organization_id=body["id"]).user == consultant
    assert Membership.objects.get(organization_id=body["id"]).role == Role.CONSULTANT


def test_executive_cannot_create_organizations(api, bank):
    api.force_authenticate(executive_of(bank))
    response = api.post("/api/v1/organizations/", {"name": "Shadow"}, format="json")
    assert response.status_code == 403
    assert not Organization.objects.filter(name="Shadow").exists()


def test_organization_input_is_validated_per_field(api, consultant):
    response = api.post("/api/v1/organizations/", {"name": "", "segment": "huge"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"name", "segment"}


def test_create_assessment_starts_as_draft_on_current_catalog_with_default_weights(
    api, consultant, bank, catalog
):
    response = _create(api, organization=bank.pk)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "draft"
    assert body["next_statuses"] == ["collecting"]
    assert body["catalog_version"] == catalog.number
    assert body["weights"] == {"survey": 0.5, "interview": 0.3, "data": 0.2}
    assert body["baseline"] is None
    assert Assessment.objects.get(pk=body["id"]).created_by == consultant


def test_baseline_of_same_organization_is_accepted(api, consultant, bank):
    baseline = AssessmentFactory(organization=bank, status=Status.CLOSED)
    response = _create(api, organization=bank.pk, baseline=baseline.pk)
    assert response.status_code == 201
    assert response.json()["baseline"] == baseline.pk


def test_baseline_of_another_organization_is_refused(api, consultant, bank):
    other = OrganizationFactory()
    Membership.objects.create(user=consultant, organization=other, role=Role.CONSULTANT)
    foreign = AssessmentFactory(organization=other)
    response = _create(api, organization=bank.pk, baseline=foreign.pk)
    assert response.status_code == 400
    assert response.json() == {"baseline": ["The baseline must be an assessment of the same organization."]}
    assert not Assessment.objects.filter(organization=bank).exists()


def test_assessment_cannot_be_its_own_baseline(api, consultant, bank):
    assessment = AssessmentFactory(organization=bank)
    response = api.patch(f"/api/v1/assessments/{assessment.pk}/", {"baseline": assessment.pk}, format="json")
    assert response.status_code == 400
    assert "baseline" in response.json()


def test_status_moves_forward_one_step_at_a_time(api, consultant, bank):
    assessment = AssessmentFactory(organization=bank)
    url = f"/api/v1/assessments/{assessment.pk}/"
    for status in ("collecting", "scoring", "published", "closed"):
        response = api.patch(url, {"status": status}, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == status
    assert response.json()["next_statuses"] == []


def test_invalid_transition_is_400_naming_allowed_next_states(api, consultant, bank):
    assessment = AssessmentFactory(organization=bank, status=Status.COLLECTING)
    response = api.patch(f"/api/v1/assessments/{assessment.pk}/", {"status": "published"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "status": ["Cannot move from “collecting” to “published”; allowed next: scoring."]
    }
    assessment.refresh_from_db()
    assert assessment.status == Status.COLLECTING


def test_closed_assessment_allows_no_transition(api, consultant, bank):
    assessment = AssessmentFactory(organization=bank, status=Status.CLOSED)
    response = api.patch(f"/api/v1/assessments/{assessment.pk}/", {"status": "draft"}, format="json")
    assert response.status_code == 400
    assert "none (the assessment is closed)" in response.json()["status"][0]


def test_patch_changes_title_and_weights(api, consultant, bank):
    assessment = AssessmentFactory(organization=bank)
    response = api.patch(
        f"/api/v1/assessments/{assessment.pk}/",
        {"title": "Renamed", "weight_survey": "0.6", "weight_data": "0"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["title"] == "Renamed"
    assert response.json()["weights"] == {"survey": 0.6, "interview": 0.3, "data": 0.0}


def test_weights_outside_0_to_1_are_refused(api, consultant, bank):
    response = _create(api, organization=bank.pk, weight_survey="-0.1", weight_data="1.5")
    assert response.status_code == 400
    assert set(response.json()) == {"weight_survey", "weight_data"}


def test_missing_fields_are_named(api, consultant):
    response = api.post("/api/v1/assessments/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"organization", "title", "reference_date"}


def test_list_filters_by_organization_and_status(api, consultant, bank):
    draft = AssessmentFactory(organization=bank)
    AssessmentFactory(organization=bank, status=Status.COLLECTING)
    response = api.get("/api/v1/assessments/", {"organization": bank.pk, "status": "draft"})
    assert [a["id"] for a in response.json()] == [draft.pk]
    assert api.get("/api/v1/assessments/", {"organization": "x"}).status_code == 400


def test_anonymous_is_401(api, catalog):
    assert api.get("/api/v1/assessments/").status_code == 401
    assert api.get("/api/v1/organizations/").status_code == 401


def test_plain_user_cannot_create_assessments_anywhere(api, bank):
    api.force_authenticate(UserFactory())
    assert _create(api, organization=bank.pk).status_code == 400
