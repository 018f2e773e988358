"""The action-plan tab of an assessment: where the plan stands (on track, at risk, overdue, done,
dropped), each initiative with its owner, dates, progress and newest updates, and the interim
values of the customer metrics it aims at. Everyone of the organization reads it; the
consultants and each initiative's owner post progress updates here, through the same service as
the API (reports.plan_services)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from assessment.access import assessment_readable
from assessment.models import Role
from reports.models import InitiativeStatus
from reports.plan import plan_health
from reports.plan_selectors import initiatives_list, kpi_tracks
from reports.plan_services import NOTE_MAX, REASON_MAX, initiative_progress_add, plan_role
from reports.texts import text_any
from surveys.i18n import language_pick
from workspace.pages import assessment_page


class ProgressForm(forms.Form):
    percent_complete = forms.IntegerField(label=_("Per cent complete"), min_value=0, max_value=100)
    status = forms.ChoiceField(label=_("Status"), choices=InitiativeStatus.choices)
    note = forms.CharField(
        label=_("What happened"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    dropped_reason = forms.CharField(label=_("Why it is dropped"), max_length=REASON_MAX, required=False)


def _updatable(item: dict, *, role: str | None, user_id: int) -> bool:
    if role == Role.CONSULTANT:
        return True
    return role == Role.CLIENT_MANAGER and (item["owner"] or {}).get("id") == user_id


def _render(
    request: HttpRequest, assessment, *, bound: dict | None = None, status: int = 200
) -> HttpResponse:
    language = language_pick(None)
    today = timezone.localdate()
    role = plan_role(user=request.user, assessment=assessment)
    initiatives = initiatives_list(assessment=assessment, today=today)
    for item in initiatives:
        item["title_text"] = text_any(item["title"], language)
        item["owner_text"] = (item["owner"] or {}).get("name") or item["owner_name"]
        item["status_label"] = InitiativeStatus(item["status"]).label
        if _updatable(item, role=role, user_id=request.user.pk):
            item["form"] = (bound or {}).get(item["id"]) or ProgressForm(
                initial={"percent_complete": item["percent_complete"], "status": item["status"]},
                prefix=f"initiative-{item['id']}",
            )
            item["form_open"] = item["id"] in (bound or {})
    return assessment_page(
        request,
        assessment,
        tab="action-plan",
        template="workspace/assessment/plan.html",
        context={
            "initiatives": initiatives,
            "health": plan_health([item["health"] for item in initiatives]),
            "tracks": kpi_tracks(assessment=assessment),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_plan(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = assessment_readable(user=request.user, assessment_id=assessment_id)
    if request.method == "GET":
        return _render(request, assessment)
    initiative = get_object_or_404(assessment.initiatives, pk=request.POST.get("initiative") or 0)
    form = ProgressForm(request.POST, prefix=f"initiative-{initiative.pk}")
    if not form.is_valid():
        return _render(request, assessment, bound={initiative.pk: form}, status=400)
    try:
        initiative_progress_add(initiative=initiative, actor=request.user, **form.cleaned_data)
    except PermissionDenied as refused:
        messages.error(request, str(refused))
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
        return _render(request, assessment, bound={initiative.pk: form}, status=400)
    else:
        messages.success(request, _("The progress is saved."))
    return redirect(reverse("workspace:action-plan", args=[assessment.pk]) + f"#initiative-{initiative.pk}")
