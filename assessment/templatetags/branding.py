"""Logo addresses for templates: `{{ organization.logo|logo_url }}` on pages,
`{{ organization.logo|logo_absolute_url }}` in e-mails (read away from the site)."""

from django import template
from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.urls import reverse

from assessment.branding import branding_context

register = template.Library()


@register.filter
def logo_url(field: FieldFile | None) -> str:
    if not field:
        return ""
    return reverse("workspace:logo", args=[field.name.rsplit("/", 1)[-1]])


@register.filter
def logo_absolute_url(field: FieldFile | None) -> str:
    path = logo_url(field)
    return f"{settings.SITE_URL}{path}" if path else ""


@register.simple_tag(name="firm_branding")
def firm_branding_tag() -> dict:
    """Where no request brings the firm (e-mails): `{% firm_branding as branding %}` gives
    `branding.firm` and `branding.firm_name`, as the pages have them."""
    return branding_context(None)
