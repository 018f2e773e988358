"""Home and new-assessment pages, and moving an audit to its next status."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from assessment.access import (
    assessment_managed,
    assessment_readable,
    baseline_readable,
    organization_managed,
    user_manages,
)
from assessment.models import NEXT_STATUSES, Assessment, Status
from assessment.selectors import (
    assessment_scope,
    managed_organization_scope,
    organization_scope,
    user_is_consultant,
)
from assessment.services import assessment_create, assessment_update
from config.celery import queue_deferrals
from config.exceptions import StateConflict
from surveys.services import EMAILS_DEFERRED
from workspace.fields import BaselineChoiceField
from workspace.pages import assessments_with_summaries, redirect_back, tabs_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    visible = assessment_scope(user=request.user).order_by("-reference_date", "-id")
    organizations = (
        organization_scope(user=request.user)
        .distinct()
        .order_by("name")
        .prefetch_related(Prefetch("assessments", queryset=visible, to_attr="visible_assessments"))
    )
    managed = set(managed_organization_scope(user=request.user).values_list("pk", flat=True))
    rows = [
        {
            "organization": organization,
            "manages": organization.pk in managed,
            "assessments": assessments_with_summaries(organization.visible_assessments),
        }
        for organization in organizations
        if organization.archived_at is None
    ]
    return render(
        request,
        "workspace/home.html",
        {
            "rows": rows,
            "archived": [
                organization for organization in organizations if organization.archived_at is not None
            ],
            "sets_up": user_is_consultant(user=request.user),
        },
    )


class AssessmentForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    reference_date = forms.DateField(
        label=gettext_lazy("Reference date"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=gettext_lazy("The date the scores and customer metrics refer to"),
    )
    baseline = BaselineChoiceField(
        label=gettext_lazy("Baseline"),
        queryset=Assessment.objects.none(),
        required=False,
        empty_label=gettext_lazy("None: a first assessment"),
        help_text=gettext_lazy("An earlier assessment to compare with: this makes a re-assessment"),
    )
    copy_invitations = forms.BooleanField(
        label=gettext_lazy("Invite the baseline's respondents again"),
        required=False,
        help_text=gettext_lazy("Copies the list of people; each gets a new personal link"),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["baseline"].queryset = organization.assessments.order_by("-reference_date")

    def clean(self):
        data = super().clean()
        if data.get("copy_invitations") and not data.get("baseline"):
            self.add_error("copy_invitations", _("Choose a baseline to copy its respondents."))
        return data


@login_required
def assessment_new(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = organization_managed(user=request.user, organization_id=organization_id)
    initial = {"reference_date": timezone.localdate()}
    # Started from the reminder (reports.reassessment): the re-assessment of that baseline,
    # inviting its respondents again.
    requested = request.GET.get("baseline", "")
    baseline = organization.assessments.filter(pk=requested).first() if requested.isdigit() else None
    if baseline is not None:
        initial.update(
            baseline=baseline.pk,
            title=_("Re-assessment of %(title)s") % {"title": baseline.title},
            copy_invitations=True,
        )
    form = AssessmentForm(request.POST or None, organization=organization, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment, copied = assessment_create(
                user=request.user,
                organization=organization,
                title=data["title"],
                reference_date=data["reference_date"],
                baseline=data["baseline"],
                copy_invitations=data["copy_invitations"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        except StateConflict as conflict:
            form.add_error(None, conflict.message)
        else:
            messages.success(request, _("The assessment is created as a draft."))
            if copied:
                messages.info(
                    request,
                    ngettext(
                        "%(count)d respondent copied from the baseline.",
                        "%(count)d respondents copied from the baseline.",
                        copied,
                    )
                    % {"count": copied},
                )
            return redirect("workspace:respondents", assessment.pk)
    return render(request, "workspace/assessment_new.html", {"organization": organization, "form": form})


@login_required
def assessment(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """An assessment opens on the first tab the user may see."""
    assessment = assessment_readable(user=request.user, assessment_id=assessment_id)
    first = tabs_for(
        manages=user_manages(user=request.user, assessment=assessment),
        baseline=baseline_readable(user=request.user, assessment=assessment),
    )[0]
    return redirect(first.url_name, assessment.pk)


@login_required
@require_POST
def assessment_advance(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Move the audit one status forward; the form names the status it expects to leave, so a
    stale page cannot skip a step."""
    assessment = assessment_managed(user=request.user, assessment_id=assessment_id)
    if request.POST.get("from") != assessment.status or not NEXT_STATUSES[assessment.status]:
        messages.error(request, _("The assessment has changed meanwhile; nothing was done."))
    else:
        target = NEXT_STATUSES[assessment.status][0]
        try:
            with queue_deferrals() as deferred:
                assessment_update(
                    assessment=assessment,
                    actor=request.user,
                    status=target,
                    # The publish form asks for it while the scores are preliminary.
                    override_reason=request.POST.get("override_reason", ""),
                )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except StateConflict as conflict:
            reasons = [reason["message"] for reason in conflict.extra.get("reasons", [])]
            if reasons:
                messages.error(
                    request,
                    _("The scores are preliminary, so a reason is needed to publish them: %(reasons)s")
                    % {"reasons": " ".join(reasons)},
                )
            else:
                messages.error(request, conflict.message)
        else:
            messages.success(
                request,
                _("The assessment is now “%(status)s”.") % {"status": Status(target).label},
            )
            if deferred:
                messages.warning(request, EMAILS_DEFERRED)
    return redirect_back(request, reverse("workspace:assessment", args=[assessment.pk]))
