"""Setting up a client organization: create, edit, archive and restore."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from assessment.access import organization_managed
from assessment.models import Organization
from assessment.selectors import user_is_consultant
from assessment.services import (
    ORGANIZATION_FIELDS,
    organization_archive,
    organization_create,
    organization_update,
)


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


def _saved(form: OrganizationForm, save) -> Organization | None:
    """The organization `save` wrote, or None with the service's errors on the form."""
    try:
        return save(**form.cleaned_data)
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
    form = OrganizationForm(request.POST or None)
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
    form = OrganizationForm(request.POST or None, initial=initial)
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
