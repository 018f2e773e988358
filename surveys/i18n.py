"""Texts stored per language as {"en": ..., "ru": ...} in the catalog.

The languages are those of settings.LANGUAGES, the one place that lists them; the fallback is
settings.LANGUAGE_CODE (the first of them should LANGUAGE_CODE not be one)."""

from django.conf import settings
from django.utils import translation

SUPPORTED = tuple(code for code, _name in settings.LANGUAGES)
FALLBACK = settings.LANGUAGE_CODE if settings.LANGUAGE_CODE in SUPPORTED else SUPPORTED[0]


def language_pick(requested: str | None) -> str:
    """The supported language closest to `requested` (or the active one)."""
    code = (requested or translation.get_language() or FALLBACK).split("-")[0].lower()
    return code if code in SUPPORTED else FALLBACK


def localized(texts: dict, language: str):
    """The text in `language`, falling back to FALLBACK where it is missing."""
    return texts.get(language) or texts[FALLBACK]
