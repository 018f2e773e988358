"""The action plan downloaded: a spreadsheet of its initiatives and a calendar of their due
dates (both built by reports.plan_exports), so the client works the plan in Excel and sees the
deadlines in the calendar they already use. Whoever may read the plan may download it — the
consultants, the client's executives and managers; for anyone else it does not exist (404).
`?lang=` picks the language of the texts, else the active one."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from assessment.access import assessment_readable
from assessment.models import Assessment
from config.spreadsheets import XLSX_TYPE
from reports.plan_exports import plan_ics, plan_xlsx
from reports.plan_selectors import initiatives_list
from reports.selectors import catalog_names
from surveys.i18n import language_pick
from workspace.exports import export_filename

CALENDAR_TYPE = "text/calendar; charset=utf-8"
DATASET = "action-plan"


def _attachment(
    *, content: bytes | str, content_type: str, assessment: Assessment, extension: str
) -> HttpResponse:
    """The file to save, under an ASCII name such as alpha-bank-action-plan-2025-12-31.ics."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{export_filename(assessment, DATASET)}.{extension}"'
    )
    return response


@require_GET
@login_required
def action_plan_xlsx(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = assessment_readable(user=request.user, assessment_id=assessment_id)
    language = language_pick(request.GET.get("lang"))
    content = plan_xlsx(
        rows=initiatives_list(assessment=assessment, today=timezone.localdate()),
        language=language,
        currency=assessment.currency,
        indicator_names=catalog_names(version_id=assessment.catalog_version_id, language=language),
    )
    return _attachment(content=content, content_type=XLSX_TYPE, assessment=assessment, extension="xlsx")


@require_GET
@login_required
def action_plan_ics(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = assessment_readable(user=request.user, assessment_id=assessment_id)
    content = plan_ics(
        rows=initiatives_list(assessment=assessment, today=timezone.localdate()),
        assessment_title=assessment.title,
        language=language_pick(request.GET.get("lang")),
        now=timezone.now(),
        # The site's own address, not the request's Host: the events' UIDs and links stay the
        # same whichever address the plan was downloaded from.
        host=urlsplit(settings.SITE_URL).hostname,
        plan_url=settings.SITE_URL + reverse("workspace:action-plan", args=[assessment.pk]),
    )
    return _attachment(content=content, content_type=CALENDAR_TYPE, assessment=assessment, extension="ics")
