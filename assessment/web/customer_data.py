"""The customer-data tab of an assessment."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from assessment.web.access import assessment_managed
from assessment.web.pages import assessment_page


@login_required
def customer_data(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = assessment_managed(request, assessment_id)
    return assessment_page(
        request, assessment, tab="customer-data", template="workspace/assessment/customer_data.html"
    )
