"""A client organization's page and its setting up: create, edit, archive and restore; its
consultants assigned, taken off and the lead handed on; its client users invited, sent a new
link, deactivated and reactivated."""

from functools import partial

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from assessment.access import organization_managed, organization_readable
from assessment.branding import organization_logo_set
from assessment.client_users import (
    client_user_active_set,
    client_user_invitation_resend,
    client_user_invite,
    client_users_list,
)
from assessment.consultants import (
    consultant_assign,
    consultant_lead_set,
    consultant_unassign,
    consultants_assignable,
    consultants_manageable,
    organization_consultants,
)
from assessment.method import method_get
from assessment.models import CLIENT_ROLES, Currency, Organization, Role
from assessment.selectors import assessment_scope, managed_organization_scope, user_is_consultant
from assessment.services import (
    ORGANIZATION_FIELDS,
    organization_archive,
    organization_create,
    organization_update,
)
from config.celery import queue_deferrals
from config.exceptions import StateConflict
from reports.charts import SCREEN_MIN_TEXT_PT, score_history_chart
from surveys.services import EMAILS_DEFERRED
from workspace.fields import LogoField
from workspace.pages import assessments_with_summaries


class ClientUserForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=150)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=150, required=False)
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        choices=[(role.value, role.label) for role in CLIENT_ROLES],
        initial=Role.EXECUTIVE,
        required=False,
        help_text=gettext_lazy(
            "Executives read the published results and the reports released to them; client "
            "managers read the results and the action plan and update the initiatives they own."
        ),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the e-mail"), choices=settings.LANGUAGES, initial="en"
    )

    def clean_role(self) -> str:
        return self.cleaned_data["role"] or Role.EXECUTIVE


# What each button on a client user does, and what the page says after.
CLIENT_USER_ACTIONS = {
    "resend": (
        client_user_invitation_resend,
        gettext_lazy("A new link is on its way; the one before no longer works."),
    ),
    "deactivate": (
        partial(client_user_active_set, active=False),
        gettext_lazy("The account is deactivated: it can no longer sign in."),
    ),
    "activate": (partial(client_user_active_set, active=True), gettext_lazy("The account is active again.")),
}


class ConsultantForm(forms.Form):
    user = forms.ModelChoiceField(label=gettext_lazy("Consultant"), queryset=None, empty_label="—")

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = consultants_assignable(organization=organization)
        self.fields["user"].label_from_instance = lambda user: (
            f"{user.get_full_name()} ({user.get_username()})" if user.get_full_name() else user.get_username()
        )


# What each button on an assigned consultant does, and what the page says after.
CONSULTANT_ACTIONS = {
    "lead": (consultant_lead_set, gettext_lazy("The lead is handed on.")),
    "unassign": (consultant_unassign, gettext_lazy("The consultant is taken off the organization.")),
}


@login_required
def organization(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = organization_readable(user=request.user, organization_id=organization_id)
    return _organization_page(request, organization)


def _organization_page(
    request: HttpRequest,
    organization: Organization,
    *,
    user_form: ClientUserForm | None = None,
    consultant_form: ConsultantForm | None = None,
) -> HttpResponse:
    assessments = assessments_with_summaries(
        assessment_scope(user=request.user).filter(organization=organization).order_by("reference_date", "id")
    )
    history = [row for row in assessments if row["score"] is not None]
    chart = (
        score_history_chart(
            points=[(row["assessment"].reference_date, row["score"], row["level"]) for row in history],
            edges=method_get(history[-1]["assessment"].method_version).level_edges,
            min_text_pt=SCREEN_MIN_TEXT_PT,
        )
        if history
        else None
    )
    manages = managed_organization_scope(user=request.user).filter(pk=organization.pk).exists()
    context = {
        "organization": organization,
        "assessments": list(reversed(assessments)),
        "chart": chart,
        "manages": manages,
    }
    if manages:
        context["client_users"] = client_users_list(organization=organization, now=timezone.now())
        context["user_form"] = user_form or ClientUserForm(initial={"language": request.LANGUAGE_CODE})
        context["link_days"] = settings.INVITATION_LINK_DAYS
        context["consultants"] = organization_consultants(organization=organization)
        if consultants_manageable(user=request.user, organization=organization):
            context["consultant_form"] = consultant_form or ConsultantForm(organization=organization)
    invalid = user_form or consultant_form
    return render(request, "workspace/organization.html", context, status=400 if invalid else 200)


@login_required
@require_POST
def organization_consultants_page(request: HttpRequest, organization_id: int) -> HttpResponse:
    """Assign a consultant, or act on one (`action`: lead, unassign); for an admin or the lead."""
    organization = organization_managed(user=request.user, organization_id=organization_id)
    action = request.POST.get("action", "assign")
    try:
        if action == "assign":
            form = ConsultantForm(request.POST, organization=organization)
            if not form.is_valid():
                return _organization_page(request, organization, consultant_form=form)
            consultant_assign(
                organization=organization, actor=request.user, user_id=form.cleaned_data["user"].pk
            )
            messages.success(request, _("The consultant is assigned."))
        elif action in CONSULTANT_ACTIONS:
            act, done = CONSULTANT_ACTIONS[action]
            act(organization=organization, actor=request.user, user_id=_user_id(request))
            messages.success(request, done)
    except StateConflict as conflict:
        messages.error(request, conflict.message)
    return redirect(reverse("workspace:organization", args=[organization.pk]) + "#consultants")


@login_required
@require_POST
def organization_users(request: HttpRequest, organization_id: int) -> HttpResponse:
    """Invite a client user (an executive or a client manager), or act on one (`action`:
    resend, deactivate, activate)."""
    organization = organization_managed(user=request.user, organization_id=organization_id)
    action = request.POST.get("action", "invite")
    try:
        with queue_deferrals() as deferred:
            if action == "invite":
                form = ClientUserForm(request.POST)
                if not form.is_valid():
                    return _organization_page(request, organization, user_form=form)
                try:
                    user = client_user_invite(
                        organization=organization, actor=request.user, **form.cleaned_data
                    )
                except ValidationError as error:
                    form.add_error("email", error.message_dict.get("email", error.messages))
                    return _organization_page(request, organization, user_form=form)
                messages.success(
                    request, _("The invitation is on its way to %(email)s.") % {"email": user.email}
                )
            elif action in CLIENT_USER_ACTIONS:
                act, done = CLIENT_USER_ACTIONS[action]
                act(organization=organization, actor=request.user, user_id=_user_id(request))
                messages.success(request, done)
    except StateConflict as conflict:
        messages.error(request, conflict.message)
    else:
        if deferred:
            messages.warning(request, EMAILS_DEFERRED)
    return redirect(reverse("workspace:organization", args=[organization.pk]) + "#client-users")


def _user_id(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("user", ""))
    except ValueError:
        raise Http404 from None


class OrganizationForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Organization name"), max_length=200)
    industry = forms.ChoiceField(
        label=gettext_lazy("Industry"),
        choices=[("", "—"), *Organization.Industry.choices],
        required=False,
        help_text=gettext_lazy("Peer benchmarks compare organizations of the same industry."),
    )
    segment = forms.ChoiceField(
        label=gettext_lazy("Size"), choices=[("", "—"), *Organization.Size.choices], required=False
    )
    country = forms.CharField(label=gettext_lazy("Country"), max_length=100, required=False)
    currency = forms.ChoiceField(
        label=gettext_lazy("Currency"),
        choices=[("", "—"), *Currency.choices],
        required=False,
        help_text=gettext_lazy("What the client's amounts of money are in; its new assessments start in it."),
    )
    logo = LogoField()
    remove_logo = forms.BooleanField(label=gettext_lazy("Remove the logo"), required=False)


def _saved(form: OrganizationForm, save) -> Organization | None:
    """The organization `save` wrote with its logo, or None with the services' errors on the
    form (and nothing written)."""
    data = dict(form.cleaned_data)
    logo, remove_logo = data.pop("logo"), data.pop("remove_logo")
    try:
        with transaction.atomic():
            organization = save(**data)
            if logo or remove_logo:
                organization_logo_set(organization=organization, logo=logo, remove=remove_logo)
            return organization
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
        return None


def _form_page(
    request: HttpRequest, form: OrganizationForm, *, organization: Organization | None
) -> HttpResponse:
    return render(
        request,
        "workspace/organization_form.html",
        {"form": form, "organization": organization},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def organization_new(request: HttpRequest) -> HttpResponse:
    if not user_is_consultant(user=request.user):
        raise PermissionDenied(_("Only consultants can set up organizations."))
    form = OrganizationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        organization = _saved(form, lambda **data: organization_create(user=request.user, **data))
        if organization is not None:
            messages.success(request, _("The organization is set up: create its first assessment."))
            return redirect("workspace:assessment-new", organization.pk)
    return _form_page(request, form, organization=None)


@login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = organization_managed(user=request.user, organization_id=organization_id)
    initial = {name: getattr(organization, name) for name in ORGANIZATION_FIELDS}
    form = OrganizationForm(request.POST or None, request.FILES or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and _saved(form, lambda **data: organization_update(organization=organization, **data)) is not None
    ):
        messages.success(request, _("The organization is saved."))
        return redirect("workspace:organization", organization.pk)
    return _form_page(request, form, organization=organization)


@login_required
@require_POST
def organization_archive_page(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = organization_managed(user=request.user, organization_id=organization_id)
    archived = request.POST.get("archived") == "true"
    organization_archive(organization=organization, archived=archived)
    if archived:
        messages.success(
            request, _("“%(name)s” is archived: its audits stay readable.") % {"name": organization.name}
        )
    else:
        messages.success(request, _("“%(name)s” is restored.") % {"name": organization.name})
    return redirect("workspace:organization", organization.pk)
