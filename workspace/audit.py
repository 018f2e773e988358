"""The audit log tab: every change to what the scores or the client's reports are made of,
newest first, for the assessment's consultants (the export view downloads the same log)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from assessment.access import assessment_managed
from assessment.audit import audit_events
from assessment.models import AuditEvent
from workspace.pages import assessment_page

PER_PAGE = 100


def audit_text(value) -> str:
    """A recorded value as one line of text: {"note": "x", "level": 3} → "level: 3; note: x" (keys
    sorted: PostgreSQL keeps JSON objects in an order of its own)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {audit_text(value[key])}" for key in sorted(value))
    if isinstance(value, list):
        return ", ".join(audit_text(item) for item in value) or "—"
    return str(value)


@login_required
@require_GET
def audit(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = assessment_managed(user=request.user, assessment_id=assessment_id)
    action = request.GET.get("action", "")
    if action not in AuditEvent.Action.values:
        action = ""
    events = audit_events(assessment=assessment, action=action or None)
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "event": event,
            "before": audit_text(event.before),
            "after": audit_text(event.after),
        }
        for event in page
    ]
    return assessment_page(
        request,
        assessment,
        tab="audit",
        template="workspace/assessment/audit.html",
        context={
            "page": page,
            "rows": rows,
            "actions": AuditEvent.Action.choices,
            "action": action,
            "exports": [
                (file_format.upper(), reverse("workspace:export", args=[assessment.pk, "audit", file_format]))
                for file_format in ("xlsx", "csv")
            ],
        },
    )
