"""A full PDF report of the 5,000-respondent assessment (with customer data of 2,000 clients),
data assembly, charts, template and WeasyPrint together, vs the floor of WeasyPrint alone
rendering the same final HTML. Target: ≤ 1.3× the floor."""

import io

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from assessment.customer_data import customer_data_replace
from assessment.demo import DEMO_PROFILES, demo_customer_files
from bench.harness import Result, median_seconds
from bench.scoring import assessment_with_answers
from reports.rendering import report_html, report_pdf
from reports.selectors import report_context
from reports.services import recommendations_ensure, report_bytes

REPEAT = 3


def run() -> list[Result]:
    assessment = assessment_with_answers()
    consultant = get_user_model().objects.create(username="bench-consultant")
    files = demo_customer_files(profile=DEMO_PROFILES["reassessment"])
    customer_data_replace(
        assessment=assessment,
        user=consultant,
        uploads={kind: SimpleUploadedFile(f"{kind}.csv", text.encode()) for kind, text in files.items()},
    )
    recommendations_ensure(assessment=assessment)
    html = report_html(context=report_context(assessment=assessment, kind="full", language="en"))
    pages = len(PdfReader(io.BytesIO(report_pdf(html=html))).pages)

    seconds = median_seconds(lambda: report_bytes(assessment=assessment, kind="full", language="en"), REPEAT)
    floor = median_seconds(lambda: report_pdf(html=html), REPEAT)
    return [
        Result(
            name=f"report_full_{pages}_pages_vs_weasyprint",
            value=round(seconds, 2),
            unit="s",
            floor=round(floor, 2),
            ratio=round(seconds / floor, 2),
            target=1.3,
        )
    ]
