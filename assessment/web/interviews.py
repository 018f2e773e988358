"""The interviews tab of an assessment."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from assessment.web.access import assessment_managed
from assessment.web.pages import assessment_page


@login_required
def interviews(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = assessment_managed(request, assessment_id)
    return assessment_page(
        request, assessment, tab="interviews", template="workspace/assessment/interviews.html"
    )
