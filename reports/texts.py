"""Texts a consultant writes for the client (edited or custom recommendations, findings, the
executive commentary, quote translations): one value per language of settings.LANGUAGES, stored
as {"en": "…", "ru": "…"} (a list of lines per language for a recommendation's actions). A
language left out, or blank, has no text. A report is given only in a language every such text
of it has: nothing falls back to another language. Pure: no ORM."""

from collections.abc import Iterable, Mapping

from django.conf import settings

LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)
# A text is named in messages by its first characters.
EXCERPT_LENGTH = 60


def text_clean(value: str | list[str]) -> str | list[str]:
    """A value as stored: stripped; a list without blank lines."""
    if isinstance(value, str):
        return value.strip()
    return [line.strip() for line in value if line and line.strip()]


def text_merged(stored: Mapping | None, given: Mapping) -> dict:
    """`stored` with the languages of `given` replaced; a blank value removes its language."""
    merged = dict(stored or {})
    for language, value in given.items():
        cleaned = text_clean(value)
        if cleaned:
            merged[language] = cleaned
        else:
            merged.pop(language, None)
    return merged


def text_given(value: Mapping | None) -> bool:
    """Whether the consultant wrote the text in any language."""
    return any(value.get(language) for language in LANGUAGES) if value else False


def text_in(value: Mapping | None, language: str, *, empty: str | list = "") -> str | list[str]:
    """The text in `language` exactly; `empty` when it has none there."""
    return (value or {}).get(language) or empty


def text_any(value: Mapping | None, language: str, *, empty: str | list = "") -> str | list[str]:
    """The text in `language`, else in the first language that has it: for the consultant's
    own pages only, which mark the missing translation; reports never show it."""
    value = value or {}
    return value.get(language) or next((value[code] for code in LANGUAGES if value.get(code)), empty)


def fields_missing(texts: Mapping[str, Mapping | None], language: str) -> list[str]:
    """The names of `texts` (field → per-language value) written in some language but not in
    `language`."""
    return [field for field, value in texts.items() if text_given(value) and not text_in(value, language)]


def languages_missing(texts: Iterable[Mapping | None]) -> list[str]:
    """The languages some of `texts` lack while written in another."""
    given = [value for value in texts if text_given(value)]
    return [language for language in LANGUAGES if any(not text_in(value, language) for value in given)]


def language_name(language: str) -> str:
    """The language's name in the active language ("Russian", "русский")."""
    return str(dict(settings.LANGUAGES)[language])


def excerpt(text: str) -> str:
    """The first words of a text, to name it in a message."""
    text = " ".join(str(text).split())
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1].rstrip() + "…"


def paragraphs(text: str) -> list[str]:
    """Plain text as paragraphs: a blank line separates them; line breaks and runs of spaces
    within one are single spaces."""
    blocks, current = [], []
    for line in [*text.splitlines(), ""]:
        if line.strip():
            current.extend(line.split())
        elif current:
            blocks.append(" ".join(current))
            current = []
    return blocks
