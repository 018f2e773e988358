import pytest

from assessment.models import Status
from tests.factories import AssessmentFactory, OrganizationFactory, consultant_of


@pytest.fixture
def audit(catalog, settings, tmp_path):
    """An assessment collecting answers, its files kept in a temporary media folder."""
    settings.MEDIA_ROOT = tmp_path
    return AssessmentFactory(
        organization=OrganizationFactory(name="Data Bank"),
        status=Status.COLLECTING,
        reference_date="2026-06-30",
    )


@pytest.fixture
def consultant_api(api, audit):
    api.force_authenticate(consultant_of(audit.organization))
    return api
