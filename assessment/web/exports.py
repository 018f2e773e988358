"""Exports of an assessment as CSV or XLSX."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse


@login_required
def export(request: HttpRequest, assessment_id: int, dataset: str, file_format: str) -> HttpResponse:
    raise Http404
