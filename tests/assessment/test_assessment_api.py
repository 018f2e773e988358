import pytest
import yaml
from django.core import mail

from assessment.models import Assessment, Membership, Organization, Role, Status
from surveys.models import InvitationToken
from surveys.services import invitation_by_token, invitation_create_many
from tests.factories import (
    OVERRIDE_REASON,
    AssessmentFactory,
    OrganizationFactory,
    UserFactory,
    consultant_of,
    executive_of,
)


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


@pytest.fixture
def baseline_with_respondents(bank):
    baseline = AssessmentFactory(organization=bank)
    created = invitation_create_many(
        assessment=baseline,
        rows=[
            {"email": "a@bank.kz", "name": "Aida", "role": "manager", "department": "Retail"},
            {"email": "b@bank.kz", "role": "back_office", "department": "Operations", "language": "ru"},
        ],
    )
    Assessment.objects.filter(pk=baseline.pk).update(status=Status.CLOSED)
    baseline.refresh_from_db()
    return baseline, [new.token for new in created]


def _respondents(assessment):
    return [
        (i.email, i.name, i.department, i.role, i.language) for i in assessment.invitations.order_by("email")
    ]


def _link_hashes(assessment) -> set[str]:
    return set(
        InvitationToken.objects.filter(invitation__assessment=assessment).values_list("token_hash", flat=True)
    )


def test_a_reassessment_invites_the_baselines_respondents_again_with_new_links(
    api, consultant, bank, baseline_with_respondents
):
    baseline, old_tokens = baseline_with_respondents
    response = _create(api, organization=bank.pk, baseline=baseline.pk, copy_invitations=True)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["invitations_copied"] == 2
    assert body["baseline"] == baseline.pk
    created = Assessment.objects.get(pk=body["id"])
    copied = [
        ("a@bank.kz", "Aida", "Retail", "manager", "en"),
        ("b@bank.kz", "", "Operations", "back_office", "ru"),
    ]
    assert _respondents(created) == _respondents(baseline) == copied
    # Each copy has a personal link of its own; the baseline's links still open the baseline.
    assert len(_link_hashes(created)) == 2
    assert not _link_hashes(created) & _link_hashes(baseline)
    assert {invitation_by_token(token=token).assessment_id for token in old_tokens} == {baseline.pk}
    assert mail.outbox == []  # a draft sends nothing until collection opens


def test_a_reassessment_without_copying_starts_with_no_respondents(
    api, consultant, bank, baseline_with_respondents
):
    baseline, _tokens = baseline_with_respondents
    response = _create(api, organization=bank.pk, baseline=baseline.pk)
    assert response.status_code == 201
    assert response.json()["invitations_copied"] == 0
    assert not Assessment.objects.get(pk=response.json()["id"]).invitations.exists()


def test_copying_respondents_needs_a_baseline(api, consultant, bank):
    response = _create(api, organization=bank.pk, copy_invitations=True)
    assert response.status_code == 400
    assert response.json() == {"copy_invitations": ["Choose a baseline to copy its respondents."]}
    assert not Assessment.objects.filter(organization=bank).exists()


def test_respondents_are_not_copied_from_another_organizations_assessment(api, consultant, bank):
    other = OrganizationFactory()
    Membership.objects.create(user=consultant, organization=other, role=Role.CONSULTANT)
    foreign = AssessmentFactory(organization=other)
    invitation_create_many(assessment=foreign, rows=[{"email": "x@other.kz", "role": "manager"}])
    response = _create(api, organization=bank.pk, baseline=foreign.pk, copy_invitations=True)
    assert response.status_code == 400
    assert response.json() == {"baseline": ["The baseline must be an assessment of the same organization."]}
    assert not Assessment.objects.filter(organization=bank).exists()


def test_a_baseline_out_of_the_consultants_reach_is_refused(api, consultant, bank):
    unreachable = AssessmentFactory(organization=OrganizationFactory())
    invitation_create_many(assessment=unreachable, rows=[{"email": "x@other.kz", "role": "manager"}])
    response = _create(api, organization=bank.pk, baseline=unreachable.pk, copy_invitations=True)
    assert response.status_code == 400
    assert list(response.json()) == ["baseline"]
    assert not Assessment.objects.filter(organization=bank).exists()
    assert unreachable.invitations.count() == 1


def test_the_schema_documents_copying_respondents(api, consultant):
    schema = yaml.safe_load(api.get("/api/schema/").content)
    post = schema["paths"]["/api/v1/assessments/"]["post"]
    request = post["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    created = post["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    components = schema["components"]["schemas"]
    assert components[request]["properties"]["copy_invitations"]["type"] == "boolean"
    assert "copy_invitations" not in components[request].get("required", [])
    assert components[created]["properties"]["invitations_copied"]["type"] == "integer"


def test_assessment_cannot_be_its_own_baseline(api, consultant, bank):
    assessment = AssessmentFactory(organization=bank)
    response = api.patch(f"/api/v1/assessments/{assessment.pk}/", {"baseline": assessment.pk}, format="json")
    assert response.status_code == 400
    assert "baseline" in response.json()


def test_status_moves_forward_one_step_at_a_time(api, consultant, bank):
    assessment = AssessmentFactory(organization=bank)
    url = f"/api/v1/assessments/{assessment.pk}/"
    for status in ("collecting", "scoring", "published", "closed"):
        # Without any evidence, publishing needs a reason (docs/methods.md §3.4).
        override = {"override_reason": OVERRIDE_REASON} if status == "published" else {}
        response = api.patch(url, {"status": status, **override}, format="json")
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
