"""Every translated language's catalogue is complete and its committed compiled form matches it.

The translated languages are those of settings.LANGUAGES but English, the language the texts
are written in."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

SOURCE_LANGUAGE = "en"
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != SOURCE_LANGUAGE]
_ENTRY = re.compile(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', re.MULTILINE)


def _locale(language: str) -> Path:
    return Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES"


def _unquote(block: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
    return "".join(parts).encode("latin-1", "backslashreplace").decode("unicode_escape")


def _entries(language: str, domain: str) -> dict[str, str]:
    text = (_locale(language) / f"{domain}.po").read_text(encoding="utf-8")
    assert "#, fuzzy\nmsgid" not in text.split("\n\n", 1)[1], "fuzzy entries need a translator's look"
    return {_unquote(m[0]): _unquote(m[1]) for m in _ENTRY.findall(text) if _unquote(m[0])}


def test_there_is_a_language_to_translate_into():
    assert TRANSLATED


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_compiled(language):
    entries = _entries(language, "django")
    assert len(entries) > 50
    assert [msgid for msgid, msgstr in entries.items() if not msgstr] == []
    with (_locale(language) / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = [msgid for msgid, msgstr in entries.items() if compiled.gettext(msgid) != msgstr]
    assert stale == [], f"run `make messages` to recompile locale/{language}"
