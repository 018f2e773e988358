"""Every place that shows a number shows the same digits: the scores page, the customer-data
page, the API, the CSV export and the full and executive PDF reports, for values that sit
exactly on a rounding edge (61.25 and 9.35 %), where rounding twice or with round()'s
binary half-even would disagree."""

import datetime
import io
import re

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from pypdf import PdfReader

from assessment.customer_data import customer_data_replace
from assessment.models import Status
from assessment.selectors import assessment_scores
from assessment.services import interview_scores_set
from reports.models import Report
from tests.factories import AssessmentFactory, OrganizationFactory, consultant_of

CLIENTS = 2000
CLOSED_IN_PERIOD = 187  # 187 / 2000 = 9.35 %


def _customers_csv() -> bytes:
    lines = ["client_id,segment,product_count,opened_on,closed_on,last_activity_on"]
    for number in range(CLIENTS):
        closed = "2026-03-15" if number < CLOSED_IN_PERIOD else ""
        lines.append(f"C{number:05d},mass,2,2020-01-10,{closed},2026-09-01")
    return "\n".join(lines).encode()


def _survey_csv() -> bytes:
    lines = ["client_id,instrument,item,dimension,value"]
    lines += [f"C{number:05d},nps,recommend,,{9 if number % 2 else 6}" for number in range(200)]
    return "\n".join(lines).encode()


@pytest.fixture
def edge(catalog, settings, tmp_path):
    """Interviews give organization 62.5 (ten indicators, five at level 4 and five at 3) and
    staff 60.0 (ten, four at 4 and six at 3): overall exactly 61.25. Churn exactly 9.35 %."""
    settings.MEDIA_ROOT = tmp_path
    organization = OrganizationFactory(name="Edge Bank")
    consultant = consultant_of(organization)
    assessment = AssessmentFactory(
        organization=organization,
        status=Status.SCORING,
        reference_date=datetime.date(2026, 9, 30),
        # Interview scores alone: the numbers, not the sufficiency rules, are under test here.
        sufficiency={"min_responses": 1, "min_area_coverage": 0},
    )
    levels = {f"ORG-{n:02d}": 4 if n <= 5 else 3 for n in range(1, 11)}
    levels |= {f"STF-{n:02d}": 4 if n <= 4 else 3 for n in range(1, 11)}
    interview_scores_set(
        assessment=assessment,
        user=consultant,
        items=[{"indicator": code, "level": level, "note": ""} for code, level in levels.items()],
    )
    customer_data_replace(
        assessment=assessment,
        user=consultant,
        uploads={
            "customers": ContentFile(_customers_csv(), name="customers.csv"),
            "survey": ContentFile(_survey_csv(), name="survey.csv"),
        },
    )
    client = Client()
    client.force_login(consultant)
    return assessment, client


def _pdf_text(assessment, client, kind: str, django_capture_on_commit_callbacks, language="en") -> str:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/assessments/{assessment.pk}/reports/",
            {"kind": kind, "language": language},
            content_type="application/json",
        )
    assert response.status_code == 202, response.content
    report = Report.objects.get(pk=response.json()["id"])
    download = client.get(f"/api/v1/reports/{report.pk}/download/")
    content = b"".join(download.streaming_content)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_every_place_shows_the_same_digits(edge, django_capture_on_commit_callbacks):
    assessment, client = edge
    scores = assessment_scores(assessment=assessment)
    # The preconditions: the values sit exactly on the edge, unrounded.
    assert scores["overall"]["score"] == 61.25
    assert {area["code"]: area["score"] for area in scores["areas"] if area["score"] is not None} == {
        "organization": 62.5,
        "staff": 60.0,
    }
    metrics = client.get(f"/api/v1/assessments/{assessment.pk}/customer-metrics/").json()
    assert metrics["churn"]["rate"] == 9.35

    api = client.get(f"/api/v1/assessments/{assessment.pk}/scores/").json()
    assert api["overall"]["score"] == 61.25

    scores_page = client.get(f"/assessments/{assessment.pk}/scores/").content.decode()
    customer_page = client.get(f"/assessments/{assessment.pk}/customer-data/").content.decode()
    export = client.get(f"/assessments/{assessment.pk}/export/scores.csv").content.decode()
    full = _pdf_text(assessment, client, "full", django_capture_on_commit_callbacks)
    executive = _pdf_text(assessment, client, "executive", django_capture_on_commit_callbacks)

    for name, text in {
        "scores page": scores_page,
        "full report": full,
        "executive report": executive,
    }.items():
        assert "61.3" in text, name
        assert "61.2" not in text.replace("61.25", ""), name
    assert "61.25" in export
    # The executive summary's sentence and the tables on the same pages say the same churn.
    assert "9.4 % of clients left" in full
    full_ru = _pdf_text(assessment, client, "full", django_capture_on_commit_callbacks, language="ru")
    assert "61,3" in full_ru and "61,2" not in full_ru
    assert "9,4 %" in full_ru and "9,3" not in full_ru
    # Charts are drawn as paths: their coordinates are no numbers a person reads.
    customer_page = re.sub(r"<svg.*?</svg>", "", customer_page, flags=re.S)
    for name, text in {"customer page": customer_page, "full report": full}.items():
        assert "9.4" in text, name
        assert "9.3" not in text.replace("9.35", ""), name
