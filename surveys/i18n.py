"""Texts stored per language as {"en": ..., "ru": ...} in the catalog."""

from django.conf import settings
from django.utils import translation

SUPPORTED = tuple(code for code, _name in settings.LANGUAGES)
FALLBACK = "en"


def language_pick(requested: str | None) -> str:
    """The supported language closest to `requested` (or the active one)."""
    code = (requested or translation.get_language() or FALLBACK).split("-")[0].lower()
    return code if code in SUPPORTED else FALLBACK


def localized(texts: dict, language: str):
    """The text in `language`, falling back to English where it is missing."""
    return texts.get(language) or texts[FALLBACK]
