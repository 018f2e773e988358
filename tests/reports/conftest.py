import datetime
from types import SimpleNamespace

import pytest

from assessment.models import Status
from assessment.services import assessment_update, interview_scores_set
from surveys.models import Indicator
from surveys.services import answers_save, invitation_create_many, response_submit
from tests.factories import (
    AssessmentFactory,
    OrganizationFactory,
    assessment_published,
    consultant_of,
    executive_of,
)


def _evidence(assessment, consultant, levels: dict[str, int]) -> None:
    """Interview levels on every indicator, and five submitted questionnaires answering the same
    levels: sufficient evidence (docs/methods.md §3.4) that scores exactly the interview levels."""
    codes = Indicator.objects.filter(version=assessment.catalog_version).values_list("code", flat=True)
    items = [{"indicator": code, "level": levels[code[:3]]} for code in codes]
    interview_scores_set(assessment=assessment, user=consultant, items=[{**i, "note": ""} for i in items])
    rows = [{"email": f"staff{n}@acme.example", "role": "frontline", "department": "HQ"} for n in range(5)]
    for new in invitation_create_many(assessment=assessment, rows=rows):
        answers_save(invitation=new.invitation, items=items)
        response_submit(invitation=new.invitation)
    assessment_update(assessment=assessment, status=Status.SCORING)


@pytest.fixture
def audit(catalog, settings, tmp_path):
    """A published baseline scored 43.75 (interviews: ORG, STF, PRC at level 3 = 50, TEC at
    level 2 = 25) and its re-assessment scored 68.75 (one level more everywhere)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    organization = OrganizationFactory(name="Acme Bank")
    consultant = consultant_of(organization)
    baseline = AssessmentFactory(
        organization=organization,
        title="Audit 2025",
        status=Status.COLLECTING,
        reference_date=datetime.date(2025, 12, 31),
    )
    _evidence(baseline, consultant, {"ORG": 3, "STF": 3, "PRC": 3, "TEC": 2})
    baseline = assessment_published(assessment=baseline)
    current = AssessmentFactory(
        organization=organization,
        title="Re-assessment 2026",
        status=Status.COLLECTING,
        baseline=baseline,
        reference_date=datetime.date(2026, 9, 30),
    )
    _evidence(current, consultant, {"ORG": 4, "STF": 4, "PRC": 4, "TEC": 3})
    return SimpleNamespace(
        organization=organization,
        consultant=consultant,
        executive=executive_of(organization),
        baseline=baseline,
        current=current,
    )


@pytest.fixture
def request_report(api, django_capture_on_commit_callbacks):
    """POST a report request and run what it enqueued once it commits, as a real request
    does (the test's transaction never commits)."""

    def post(assessment, kind="full", language="en"):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post(
                f"/api/v1/assessments/{assessment.pk}/reports/",
                {"kind": kind, "language": language},
                format="json",
            )

    return post
