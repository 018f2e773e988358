"""The platform's languages for templates, from settings.LANGUAGES (see surveys.i18n)."""

from django import template

from surveys.i18n import FALLBACK, SUPPORTED

register = template.Library()


@register.simple_tag
def language_codes() -> str:
    """The codes of the platform's languages, comma-separated ("en, ru")."""
    return ", ".join(SUPPORTED)


@register.simple_tag
def fallback_language() -> str:
    """The code of the language used where none is given."""
    return FALLBACK
