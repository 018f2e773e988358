import pytest

from assessment.models import Status
from surveys.services import invitation_create_many
from tests.factories import AssessmentFactory, OrganizationFactory, consultant_of


@pytest.fixture
def assessment(catalog):
    return AssessmentFactory(organization=OrganizationFactory(name="Alatau Bank"), status=Status.COLLECTING)


@pytest.fixture
def consultant_api(api, assessment):
    api.force_authenticate(consultant_of(assessment.organization))
    return api


def invite(assessment, email="aida@bank.kz", **row):
    row = {"email": email, "role": "frontline", "department": "Retail", "language": "en", **row}
    return invitation_create_many(assessment=assessment, rows=[row])[0]


@pytest.fixture
def new_invitation(assessment):
    return invite(assessment)
