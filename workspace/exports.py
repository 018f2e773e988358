"""Exports of an assessment as CSV or XLSX.

The respondents' answers, the classified clients, the customer survey's comments and the audit
log are the consultants' working data (individual answers never reach the client's executives);
the scores and the
customer metrics go to whoever may read the assessment. Every text cell a spreadsheet would run as
a formula is neutralized (config.spreadsheets.table_download)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from assessment.access import assessment_readable, require, user_manages
from assessment.exports import (
    answers_export_frame,
    audit_export_frame,
    customer_metrics_current,
    customers_classified_frame,
    metrics_export_frame,
    scores_export_frame,
)
from assessment.models import Assessment
from assessment.presenters import scores_present
from assessment.selectors import assessment_scores, customer_comments_frame
from config.spreadsheets import table_download
from reports.rendering import ascii_slug
from reports.selectors import catalog_names
from surveys.i18n import language_pick

FORMATS = ("csv", "xlsx")
# Dataset → whether only the assessment's consultants may download it.
DATASETS = {
    "answers": True,
    "scores": False,
    "metrics": False,
    "customers": True,
    "comments": True,
    "audit": True,
}


def export_filename(assessment: Assessment, dataset: str) -> str:
    """An ASCII name such as alpha-bank-scores-2026-06-30 (the format adds its extension)."""
    organization = ascii_slug(assessment.organization.name) or "organization"
    return f"{organization}-{dataset}-{assessment.reference_date.isoformat()}"


@require_GET
@login_required
def export(request: HttpRequest, assessment_id: int, dataset: str, file_format: str) -> HttpResponse:
    if dataset not in DATASETS or file_format not in FORMATS:
        raise Http404
    assessment = assessment_readable(user=request.user, assessment_id=assessment_id)
    if DATASETS[dataset]:
        require(user_manages(user=request.user, assessment=assessment))
    if dataset == "answers":
        frame = answers_export_frame(assessment=assessment)
    elif dataset == "scores":
        language = language_pick(request.GET.get("lang"))
        frame = scores_export_frame(
            scores=scores_present(result=assessment_scores(assessment=assessment), language=language),
            names=catalog_names(version_id=assessment.catalog_version_id, language=language),
        )
    elif dataset == "metrics":
        frame = metrics_export_frame(metrics=customer_metrics_current(assessment=assessment))
    elif dataset == "audit":
        frame = audit_export_frame(assessment=assessment)
    elif dataset == "comments":
        frame = customer_comments_frame(assessment=assessment)
    else:
        frame = customers_classified_frame(assessment=assessment)
        require(frame is not None)
    return table_download(frame, filename=export_filename(assessment, dataset), file_format=file_format)
