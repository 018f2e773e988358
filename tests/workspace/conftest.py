"""Fixtures for the workspace pages: one audited organization, its consultant and executive,
and people of another organization who must see none of it; a published assessment with its
action plan."""

import datetime
from types import SimpleNamespace

import pytest
from django.test import Client

from assessment.models import Status
from assessment.services import interview_scores_set
from surveys.models import Indicator
from tests.factories import (
    OVERRIDE_REASON,
    AssessmentFactory,
    OrganizationFactory,
    assessment_published,
    consultant_of,
    executive_of,
)


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


@pytest.fixture
def reassessment(organization, consultant, settings, tmp_path):
    """For the recommendations, comparison and reports tabs: a published baseline scored 43.75
    from interviews (ORG, STF, PRC at level 3, TEC at 2) and its re-assessment, in scoring,
    scored 68.75 (one level more everywhere); five questionnaires each answering the interview
    levels make the evidence sufficient (docs/methods.md §3.4) without moving a score."""
    import datetime
    from types import SimpleNamespace

    from assessment.services import assessment_update, interview_scores_set
    from surveys.models import Indicator
    from surveys.services import answers_save, invitation_create_many, response_submit

    settings.MEDIA_ROOT = tmp_path

    def evidence(assessment, levels: dict[str, int]) -> None:
        codes = Indicator.objects.filter(version=assessment.catalog_version).values_list("code", flat=True)
        items = [{"indicator": code, "level": levels[code[:3]]} for code in codes]
        interview_scores_set(assessment=assessment, user=consultant, items=[{**i, "note": ""} for i in items])
        rows = [{"email": f"s{n}@alpha.example", "role": "frontline", "department": "HQ"} for n in range(5)]
        for new in invitation_create_many(assessment=assessment, rows=rows):
            answers_save(invitation=new.invitation, items=items)
            response_submit(invitation=new.invitation)
        assessment_update(assessment=assessment, status=Status.SCORING)

    baseline = AssessmentFactory(
        organization=organization,
        title="Alpha audit 2025",
        status=Status.COLLECTING,
        reference_date=datetime.date(2025, 12, 31),
    )
    evidence(baseline, {"ORG": 3, "STF": 3, "PRC": 3, "TEC": 2})
    baseline = assessment_published(assessment=baseline)
    current = AssessmentFactory(
        organization=organization,
        title="Alpha re-assessment 2026",
        status=Status.COLLECTING,
        baseline=baseline,
        reference_date=datetime.date(2026, 9, 30),
    )
    evidence(current, {"ORG": 4, "STF": 4, "PRC": 4, "TEC": 3})
    return SimpleNamespace(baseline=baseline, current=current)


@pytest.fixture
def published_plan(catalog) -> SimpleNamespace:
    """A published assessment of Plan Bank (interview levels of 2 everywhere, amounts in KZT)
    whose accepted roadmap became its action plan, and its consultant."""
    organization = OrganizationFactory(name="Plan Bank")
    consultant = consultant_of(organization)
    assessment = AssessmentFactory(
        organization=organization,
        status=Status.SCORING,
        reference_date=datetime.date(2025, 12, 31),
        currency="KZT",
    )
    codes = Indicator.objects.filter(version=catalog).values_list("code", flat=True)
    interview_scores_set(
        assessment=assessment,
        user=consultant,
        items=[{"indicator": c, "level": 2, "note": ""} for c in codes],
    )
    assessment = assessment_published(assessment=assessment, override_reason=OVERRIDE_REASON)
    return SimpleNamespace(organization=organization, consultant=consultant, assessment=assessment)
