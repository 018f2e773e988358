"""A re-assessment compares like with like (docs/methods.md §9.2): a baseline scored by an
earlier version of the method is scored again, for the comparison, by the re-assessment's."""

import datetime

import pytest
from django.test import Client

from assessment.models import ScoreSnapshot, Status
from assessment.selectors import assessment_scores
from reports.selectors import assessment_comparison, report_context
from tests.factories import AssessmentFactory, assessment_published
from tests.reports.conftest import _evidence

pytestmark = pytest.mark.django_db


@pytest.fixture
def version_1_baseline(audit):
    """A baseline published under method 1 at 81.25 (organization level 5, the rest 4):
    Customer-Champion in bands of 20, Customer-Centric under method 2 (from 87.5)."""
    baseline = AssessmentFactory(
        organization=audit.organization,
        title="Audit 2024",
        status=Status.COLLECTING,
        reference_date=datetime.date(2024, 12, 31),
        method_version=1,
    )
    _evidence(baseline, audit.consultant, {"ORG": 5, "STF": 4, "PRC": 4, "TEC": 4})
    baseline = assessment_published(assessment=baseline)
    current = AssessmentFactory(
        organization=audit.organization,
        title="Re-assessment 2025",
        status=Status.COLLECTING,
        baseline=baseline,
        reference_date=datetime.date(2025, 9, 30),
    )
    _evidence(current, audit.consultant, {"ORG": 5, "STF": 5, "PRC": 4, "TEC": 4})
    return baseline, current


def test_the_published_baseline_keeps_its_version(version_1_baseline):
    baseline, _current = version_1_baseline
    snapshot = ScoreSnapshot.objects.get(assessment=baseline)
    assert snapshot.method_version == 1 == snapshot.result["method_version"]
    shown = assessment_scores(assessment=baseline)
    assert (shown["overall"]["score"], shown["overall"]["level"]) == (81.25, 5)


def test_the_comparison_rescores_the_baseline_by_the_current_method(version_1_baseline):
    baseline, current = version_1_baseline
    comparison = assessment_comparison(assessment=current, baseline=baseline, language="en")
    assert comparison["method"] == {"version": 2, "baseline_rescored_from": 1, "indicators_by_lineage": False}
    overall = comparison["overall"]
    # Under method 2 the baseline's 81.25 is Centric, not Champion: the level did not fall.
    assert (overall["before"], overall["after"], overall["delta"]) == (81.25, 87.5, 6.25)
    assert (overall["level_before"], overall["level_after"]) == (4, 5)
    # Its own published scores are unchanged.
    assert assessment_scores(assessment=baseline)["overall"]["level"] == 5


def test_like_versions_are_compared_as_shown(audit):
    comparison = assessment_comparison(assessment=audit.current, baseline=audit.baseline, language="en")
    assert comparison["method"] == {
        "version": 2,
        "baseline_rescored_from": None,
        "indicators_by_lineage": False,
    }


def test_the_report_and_the_page_say_the_baseline_was_scored_again(version_1_baseline, audit):
    _baseline, current = version_1_baseline
    context = report_context(assessment=current, kind="comparison", language="en")
    assert context["comparison"]["method"]["baseline_rescored_from"] == 1
    client = Client()
    client.force_login(audit.consultant)
    html = client.get(f"/assessments/{current.pk}/comparison/").content.decode()
    assert "The baseline was scored by version 1 of the method." in html
    assert "scored here again by version 2" in html
