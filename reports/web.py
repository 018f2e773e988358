"""The recommendations, comparison and reports tabs of an assessment."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from assessment.web.access import assessment_managed, assessment_readable
from assessment.web.pages import assessment_page


@login_required
def recommendations(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = assessment_managed(request, assessment_id)
    return assessment_page(
        request, assessment, tab="recommendations", template="workspace/assessment/recommendations.html"
    )


@login_required
def comparison(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = assessment_readable(request, assessment_id)
    return assessment_page(
        request, assessment, tab="comparison", template="workspace/assessment/comparison.html"
    )


@login_required
def reports(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = assessment_readable(request, assessment_id)
    return assessment_page(request, assessment, tab="reports", template="workspace/assessment/reports.html")
