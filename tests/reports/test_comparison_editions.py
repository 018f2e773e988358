"""A re-assessment on the catalog's second edition compares with a baseline on the first by the
lineage of each indicator (docs/methods.md §9.2): merged indicators with the mean of what they
merged, new topics not at all, and a code reused for a new topic never with its old meaning."""

import datetime

import pytest

from assessment.models import Assessment, Status
from assessment.services import interview_scores_set
from reports.rendering import report_html
from reports.selectors import assessment_comparison, report_context
from surveys.models import CatalogVersion
from surveys.selectors import catalog_lineage
from tests.factories import AssessmentFactory, OrganizationFactory, consultant_of

pytestmark = pytest.mark.django_db

NEW_TOPICS = ["ORG-08", "ORG-13", "STF-07", "STF-13", "PRC-14", "TEC-13", "TEC-14"]


def _interviews(assessment, consultant, levels: dict[str, int]) -> None:
    codes = assessment.catalog_version.indicators.values_list("code", flat=True)
    items = [{"indicator": code, "level": levels.get(code, 3), "note": ""} for code in codes]
    interview_scores_set(assessment=assessment, user=consultant, items=items)


@pytest.fixture
def editions(catalog_v2):
    first = CatalogVersion.objects.get(edition=1)
    organization = OrganizationFactory(name="Acme Bank")
    consultant = consultant_of(organization)
    baseline = AssessmentFactory(
        organization=organization,
        catalog_version=first,
        status=Status.COLLECTING,
        reference_date=datetime.date(2025, 12, 31),
    )
    # Journey ownership (ORG-08) at 4 beside cross-unit work (ORG-04) at 2; the financial effect
    # (ORG-13) at 3 beside funding (ORG-07) at 1.
    _interviews(baseline, consultant, {"ORG-04": 2, "ORG-08": 4, "ORG-07": 1, "ORG-13": 3})
    current = AssessmentFactory(
        organization=organization,
        status=Status.COLLECTING,
        baseline=baseline,
        reference_date=datetime.date(2026, 9, 30),
    )
    # The reused codes now hold fair selling (5) and regulator complaints (1).
    _interviews(current, consultant, {"ORG-04": 4, "ORG-07": 3, "ORG-08": 5, "ORG-13": 1})
    return baseline, current


def test_indicators_compare_with_what_they_continue(editions):
    baseline, current = editions
    assert current.catalog_version.edition == 2
    comparison = assessment_comparison(assessment=current, baseline=baseline, language="en")
    assert comparison["method"]["indicators_by_lineage"] is True
    # ORG-04: 75 against the mean of 25 (ORG-04) and 75 (ORG-08); ORG-07: 50 against 0 and 50.
    assert [(item["code"], item["before"], item["after"]) for item in comparison["improvements"]] == [
        ("ORG-04", 50.0, 75.0),
        ("ORG-07", 25.0, 50.0),
    ]
    assert comparison["improvements"][0]["name"] == "Journey ownership and cross-unit work"
    # Regulator complaints at level 1 is no fall of the financial effect that held ORG-13.
    assert comparison["regressions"] == []
    assert comparison["not_comparable"] == NEW_TOPICS
    assert comparison["indicators_compared"] == 52


def test_lineage_is_read_only_between_consecutive_editions(catalog_v2):
    first, second = CatalogVersion.objects.get(edition=1), CatalogVersion.objects.get(edition=2)
    lineage = catalog_lineage(version_id=second.pk, baseline_version_id=first.pk)
    assert lineage["ORG-04"] == ["ORG-04", "ORG-08"] and lineage["ORG-08"] == []
    assert list(lineage)[:3] == ["ORG-01", "ORG-02", "ORG-03"]
    assert catalog_lineage(version_id=second.pk, baseline_version_id=second.pk) is None
    assert catalog_lineage(version_id=first.pk, baseline_version_id=first.pk) is None
    assert catalog_lineage(version_id=first.pk, baseline_version_id=second.pk) is None


def test_the_methodology_says_each_role_was_asked_its_own_questions(editions):
    baseline, current = editions
    context = report_context(assessment=current, kind="full", language="en")
    assert context["methodology"]["questions_asked"] == {"low": 22, "high": 27}
    text = " ".join(report_html(context=context).split())
    assert "asked only the questions their role can judge from their own work, 22 to 27 of the 59" in text
    # The first edition asks everyone everything, and says nothing of roles.
    first = report_context(assessment=baseline, kind="full", language="en")
    assert first["methodology"]["questions_asked"] is None
    assert "their role can judge" not in report_html(context=first)


def test_the_methodology_counts_the_consultants_changes_to_who_is_asked_what(editions):
    _baseline, current = editions
    # Five more organization questions put to the front line: 26 + 5 = 31.
    more = {f"ORG-0{n}": ["executive", "manager", "frontline"] for n in range(1, 6)}
    Assessment.objects.filter(pk=current.pk).update(audiences=more)
    current.refresh_from_db()
    context = report_context(assessment=current, kind="full", language="en")
    assert context["methodology"]["questions_asked"] == {"low": 22, "high": 31}
