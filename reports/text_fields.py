"""API fields of a consultant's text per language (reports.texts): an object with one optional
member per language of settings.LANGUAGES, {"en": "…", "ru": "…"}; a blank member removes that
language's text, an unknown language is refused."""

import functools

from django.utils.translation import gettext as _
from rest_framework import serializers

from reports.texts import LANGUAGES

MAX_LINES = 20
MAX_LINE_LENGTH = 1000


class _PerLanguage(serializers.Serializer):
    def to_internal_value(self, data):
        if isinstance(data, dict) and (unknown := sorted(set(data) - set(LANGUAGES))):
            raise serializers.ValidationError(
                _("Unknown language(s): %(codes)s. Give texts in %(languages)s.")
                % {"codes": ", ".join(map(str, unknown)), "languages": ", ".join(LANGUAGES)}
            )
        return super().to_internal_value(data)


@functools.cache
def localized_text(max_length: int) -> type[serializers.Serializer]:
    """A text per language of at most `max_length` characters each."""
    fields = {
        code: serializers.CharField(
            max_length=max_length, required=False, allow_blank=True, trim_whitespace=True
        )
        for code in LANGUAGES
    }
    return type(f"LocalizedText{max_length}", (_PerLanguage,), fields)


@functools.cache
def localized_lines() -> type[serializers.Serializer]:
    """A list of lines per language (a recommendation's actions)."""
    fields = {
        code: serializers.ListField(
            child=serializers.CharField(max_length=MAX_LINE_LENGTH, allow_blank=True),
            max_length=MAX_LINES,
            required=False,
        )
        for code in LANGUAGES
    }
    return type("LocalizedLines", (_PerLanguage,), fields)
