"""The scores tab of an assessment."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from assessment.web.access import assessment_readable
from assessment.web.pages import assessment_page


@login_required
def scores(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = assessment_readable(request, assessment_id)
    return assessment_page(request, assessment, tab="scores", template="workspace/assessment/scores.html")
