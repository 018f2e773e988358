"""The consultant may widen or narrow who is asked which question before collection opens; the
respondents' questionnaires, the refusal of other answers and the estimates follow (docs/methods.md §2)."""

import pytest

from assessment.models import AuditEvent, Status
from assessment.services import assessment_update
from surveys.models import Answer
from surveys.services import invitation_create_many
from tests.factories import AssessmentFactory, consultant_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(catalog_v2):
    return AssessmentFactory(status=Status.DRAFT)


def _url(assessment):
    return f"/api/v1/assessments/{assessment.pk}/"


def test_widening_and_narrowing_change_the_questionnaire_and_are_audited(api, draft):
    consultant = consultant_of(draft.organization)
    api.force_authenticate(consultant)
    # ORG-01 (strategy) put to the front line too; TEC-15 kept from IT, asked of the front line only.
    response = api.patch(
        _url(draft),
        {"audiences": {"ORG-01": ["frontline", "executive", "manager"], "TEC-15": ["frontline"]}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["audiences"] == {
        "ORG-01": ["executive", "manager", "frontline"],
        "TEC-15": ["frontline"],
    }
    # Naming an indicator with the catalog's roles takes it back to them; the others stay.
    api.patch(_url(draft), {"audiences": {"TEC-15": ["frontline", "it"]}}, format="json")
    draft.refresh_from_db()
    assert draft.audiences == {"ORG-01": ["executive", "manager", "frontline"]}
    events = AuditEvent.objects.filter(assessment=draft, target="audiences").order_by("pk")
    assert [(event.before, event.after) for event in events] == [
        ({}, {"ORG-01": ["executive", "manager", "frontline"], "TEC-15": ["frontline"]}),
        (
            {"ORG-01": ["executive", "manager", "frontline"], "TEC-15": ["frontline"]},
            {"ORG-01": ["executive", "manager", "frontline"]},
        ),
    ]
    assert all(event.actor == consultant for event in events)

    assessment_update(assessment=draft, audiences={"TEC-15": ["frontline"]})
    [teller, engineer] = invitation_create_many(
        assessment=draft,
        rows=[{"email": "teller@bank.kz", "role": "frontline"}, {"email": "it@bank.kz", "role": "it"}],
    )
    assessment_update(assessment=draft, status=Status.COLLECTING)
    api.force_authenticate(None)
    body = api.get(f"/api/v1/respond/{teller.token}/").json()
    codes = [item["code"] for area in body["areas"] for item in area["indicators"]]
    assert "ORG-01" in codes and "TEC-15" in codes and len(codes) == 27
    it_codes = [
        item["code"]
        for area in api.get(f"/api/v1/respond/{engineer.token}/").json()["areas"]
        for item in area["indicators"]
    ]
    assert "TEC-15" not in it_codes and len(it_codes) == 25
    refused = api.patch(
        f"/api/v1/respond/{engineer.token}/answers/",
        {"answers": [{"indicator": "TEC-15", "level": 3}]},
        format="json",
    )
    assert refused.status_code == 400
    saved = api.patch(
        f"/api/v1/respond/{teller.token}/answers/",
        {"answers": [{"indicator": "ORG-01", "level": 3}]},
        format="json",
    )
    assert saved.json() == {"saved": 1}
    # Again, now the response exists: the one-statement autosave on PostgreSQL reads the change too.
    again = api.patch(
        f"/api/v1/respond/{teller.token}/answers/",
        {"answers": [{"indicator": "ORG-01", "level": 4}]},
        format="json",
    )
    assert again.json() == {"saved": 1}
    assert Answer.objects.get().level == 4
    refused_again = api.patch(
        f"/api/v1/respond/{teller.token}/answers/",
        {"answers": [{"indicator": "ORG-02", "level": 4}]},
        format="json",
    )
    assert refused_again.status_code == 400


@pytest.mark.parametrize(
    ("audiences", "field", "message"),
    [
        ({"XYZ-01": ["it"]}, "audiences.XYZ-01", "Unknown indicator XYZ-01."),
        ({"ORG-01": []}, "audiences.ORG-01", "Name at least one of the roles"),
        ({"ORG-01": ["cashier"]}, "audiences.ORG-01", "Name at least one of the roles"),
    ],
)
def test_a_bad_audience_is_refused_by_indicator(api, draft, audiences, field, message):
    api.force_authenticate(consultant_of(draft.organization))
    response = api.patch(_url(draft), {"audiences": audiences}, format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    draft.refresh_from_db()
    assert draft.audiences == {}


def test_once_collection_opens_the_questions_stay(api, draft):
    assessment_update(assessment=draft, status=Status.COLLECTING)
    api.force_authenticate(consultant_of(draft.organization))
    response = api.patch(_url(draft), {"audiences": {"ORG-01": ["frontline", "executive"]}}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "collection_started"
