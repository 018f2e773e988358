"""Fixtures for the workspace pages: one audited organization, its consultant and executive,
and people of another organization who must see none of it."""

import pytest
from django.test import Client

from assessment.models import Status
from tests.factories import AssessmentFactory, OrganizationFactory, consultant_of, executive_of


@pytest.fixture
def organization(catalog):
    return OrganizationFactory(name="Alpha Bank", industry="banking")


@pytest.fixture
def audit(organization, settings, tmp_path):
    """An assessment collecting answers; its files go to a temporary media folder."""
    settings.MEDIA_ROOT = tmp_path
    return AssessmentFactory(
        organization=organization, title="Alpha audit", status=Status.COLLECTING, reference_date="2026-06-30"
    )


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def consultant(organization):
    return consultant_of(organization, username="alpha-consultant")


@pytest.fixture
def consultant_client(consultant):
    return _client_for(consultant)


@pytest.fixture
def executive(organization):
    return executive_of(organization, username="alpha-executive")


@pytest.fixture
def executive_client(executive):
    return _client_for(executive)


@pytest.fixture
def other_organization(catalog):
    return OrganizationFactory(name="Beta Bank", industry="banking")


@pytest.fixture
def stranger_consultant_client(other_organization):
    """A consultant of another organization."""
    return _client_for(consultant_of(other_organization, username="beta-consultant"))


@pytest.fixture
def stranger_executive_client(other_organization):
    """An executive of another organization."""
    return _client_for(executive_of(other_organization, username="beta-executive"))
