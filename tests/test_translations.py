"""The Russian catalogue is complete and its committed compiled form matches it."""

import gettext
import re
from pathlib import Path

from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES"
_ENTRY = re.compile(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', re.MULTILINE)


def _unquote(block: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
    return "".join(parts).encode("latin-1", "backslashreplace").decode("unicode_escape")


def _entries(domain: str) -> dict[str, str]:
    text = (LOCALE / f"{domain}.po").read_text(encoding="utf-8")
    assert "#, fuzzy\nmsgid" not in text.split("\n\n", 1)[1], "fuzzy entries need a translator's look"
    return {_unquote(m[0]): _unquote(m[1]) for m in _ENTRY.findall(text) if _unquote(m[0])}


def test_every_message_is_translated_and_compiled():
    entries = _entries("django")
    assert len(entries) > 50
    assert [msgid for msgid, msgstr in entries.items() if not msgstr] == []
    with (LOCALE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = [msgid for msgid, msgstr in entries.items() if compiled.gettext(msgid) != msgstr]
    assert stale == [], "run `make messages` to recompile locale/ru"
