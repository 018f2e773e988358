"""The second catalog edition binds churn, complaints and the contact centre to the indicators they
measure (docs/methods.md §8): under method 2 each gives its indicator data evidence, read from its
95 % interval; under method 1 the operational ones give none."""

import pytest

from assessment.method import METHODS
from assessment.metrics import EvidenceSample
from assessment.selectors import catalog_frames, data_evidence_levels
from tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db

SAMPLES = [
    # Median 4 days to close: level 4 of (15, 10, 5, 2) days.
    EvidenceSample("complaint_resolution_days", 4.0, 100, 30),
    # 12 complaints per 1,000 clients: level 2 of (20, 10, 5, 2).
    EvidenceSample("complaints_per_1000", 12.0, 5000, 1000),
    # 3 % went to the regulator, level 4 of (20, 10, 5, 2) %, but on 200 complaints the interval
    # 1.5–6.0 % reaches levels 3 and 5: the level nearest 3 counts.
    EvidenceSample("complaints_regulator_share", 3.0, 200, 30, (1.5, 6.0)),
    # Churn 9 %: level 4 of (30, 20, 12, 8) %, the whole interval within it.
    EvidenceSample("churn_rate", 9.0, 500, 100, (8.5, 9.5)),
    EvidenceSample("service_level", 85.0, 5000, 1000, (84.0, 86.0)),
    EvidenceSample("fcr", 73.0, 2000, 1000, (71.0, 75.0)),
]


def test_each_bound_indicator_takes_its_metrics_level(catalog_v2):
    assessment = AssessmentFactory()
    indicators, _areas = catalog_frames(version_id=catalog_v2.pk)
    levels = data_evidence_levels(
        assessment=assessment, indicators=indicators, samples=SAMPLES, method=METHODS[2]
    )
    assert levels.to_dict() == {
        "ORG-13": 3.0,
        "STF-14": 4.0,
        "PRC-01": 4.0,
        "PRC-02": 4.0,
        "PRC-03": 2.0,
        "PRC-10": 4.0,
    }


def test_method_1_reads_only_the_churn_of_these(catalog_v2):
    assessment = AssessmentFactory(method_version=1)
    indicators, _areas = catalog_frames(version_id=catalog_v2.pk)
    levels = data_evidence_levels(
        assessment=assessment, indicators=indicators, samples=SAMPLES, method=METHODS[1]
    )
    assert levels.to_dict() == {"PRC-10": 4.0}


def test_an_insufficient_sample_gives_no_evidence(catalog_v2):
    indicators, _areas = catalog_frames(version_id=catalog_v2.pk)
    levels = data_evidence_levels(
        assessment=AssessmentFactory(),
        indicators=indicators,
        samples=[EvidenceSample("complaint_resolution_days", 4.0, 29, 30)],
        method=METHODS[2],
    )
    assert levels.empty
