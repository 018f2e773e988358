"""The firm's branding page (admins), the logos served to browsers and e-mail clients, and the
style sheet that gives every page the firm's colour."""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from assessment.branding import CONTENT_TYPES, firm_branding, firm_branding_update
from assessment.models import FirmBranding, Organization
from workspace.fields import LogoField

LOGO_NAME = re.compile(r"^[0-9a-f]{32}\.(png|svg)$")
# A logo's name changes with its file, so a browser may keep it for good.
FOREVER = "public, max-age=31536000, immutable"
LOGO_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@require_GET
def logo(request: HttpRequest, name: str) -> HttpResponse:
    """A logo the firm or a client has now; nothing else from storage."""
    if not LOGO_NAME.match(name):
        raise Http404
    path = f"logos/{name}"
    owner = FirmBranding.objects.filter(logo=path).first() or Organization.objects.filter(logo=path).first()
    if owner is None:
        raise Http404
    with owner.logo.storage.open(path, "rb") as stored:
        response = HttpResponse(stored.read(), content_type=CONTENT_TYPES[name.rsplit(".", 1)[1]])
    response["Cache-Control"] = FOREVER
    response["Content-Security-Policy"] = LOGO_CSP
    return response


@require_GET
def branding_css(request: HttpRequest) -> HttpResponse:
    """The firm's colour as the pages' primary colour (the CSP allows no inline style)."""
    colour = firm_branding().colour
    if not colour:
        raise Http404
    css = f":root {{ --primary: {colour}; --primary-dark: {colour}; --header: {colour}; }}\n"
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = FOREVER  # the link names the version
    return response


class FirmBrandingForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Firm name"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("On the report cover and header, the questionnaire and the e-mails."),
    )
    colour = forms.CharField(
        label=gettext_lazy("Colour"),
        max_length=7,
        required=False,
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text=gettext_lazy("Buttons, the page header and the report cover; white text must read on it."),
    )
    logo = LogoField()
    remove_logo = forms.BooleanField(label=gettext_lazy("Remove the logo"), required=False)


@login_required
@require_http_methods(["GET", "POST"])
def branding_page(request: HttpRequest) -> HttpResponse:
    if not request.user.is_superuser:
        raise PermissionDenied(_("Only admins set the firm's branding."))
    branding = firm_branding()
    form = FirmBrandingForm(
        request.POST or None,
        request.FILES or None,
        initial={"name": branding.name, "colour": branding.colour or "#1d4f91"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            firm_branding_update(**form.cleaned_data)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else "logo", problems)
        else:
            messages.success(request, _("The branding is saved."))
            return redirect("workspace:branding")
    return render(
        request,
        "workspace/branding.html",
        {"form": form, "branding": branding},
        status=400 if form.errors else 200,
    )
