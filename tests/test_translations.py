"""Every translated language's catalogue is complete, keeps every placeholder, and its committed
compiled form matches it; dates and numbers read as each language writes them.

The translated languages are those of settings.LANGUAGES but English, the language the texts
are written in."""

import ast
import datetime
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import formats, translation

from reports.rendering import PAGE_OF

SOURCE_LANGUAGE = "en"
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != SOURCE_LANGUAGE]
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdif]")
# Russian's fourth plural form is for fractions, which no count here is.
FORMS_FOR_COUNTS = {"ru": 3}
_FIELD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$')


def _catalogue(language: str) -> Path:
    return Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"


def _entries(path: Path) -> list[dict[str, str]]:
    """The entries of a .po file as {field: text}, the header left out."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields, field = {}, None
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fields["fuzzy"] = "yes"
            if match := _FIELD.match(line):
                field = match[1]
                fields[field] = ast.literal_eval(match[2])
            elif line.startswith('"') and field:
                fields[field] += ast.literal_eval(line)
        if fields.get("msgid"):
            entries.append(fields)
    return entries


def _plural_forms(path: Path) -> int:
    return int(re.search(r"nplurals=(\d+)", path.read_text(encoding="utf-8"))[1])


def _translations(entry: dict[str, str]) -> dict[str, str]:
    return {field: text for field, text in entry.items() if field.startswith("msgstr")}


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_every_offered_language_is_translated():
    assert set(TRANSLATED) == {"ru", "kk", "uz"}


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated(language):
    path = _catalogue(language)
    entries = _entries(path)
    forms = _plural_forms(path)
    assert len(entries) > 1000
    assert [entry["msgid"] for entry in entries if entry.get("fuzzy")] == [], "fuzzy entries need a look"
    forms = FORMS_FOR_COUNTS.get(language, forms)
    untranslated = [
        entry["msgid"]
        for entry in entries
        if not entry.get("msgstr", "msgid_plural" in entry)
        or ("msgid_plural" in entry and not all(entry.get(f"msgstr[{index}]") for index in range(forms)))
    ]
    assert untranslated == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_translation_keeps_the_placeholders_of_its_message(language):
    broken = []
    for entry in _entries(_catalogue(language)):
        source = _placeholders(entry.get("msgid_plural", entry["msgid"]))
        broken += [
            (entry["msgid"], field)
            for field, text in _translations(entry).items()
            if text and _placeholders(text) != source
        ]
    assert broken == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalogue_matches_the_source(language):
    path = _catalogue(language)
    with path.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for entry in _entries(path):
        context = entry.get("msgctxt")
        if "msgid_plural" in entry:
            found = (
                compiled.npgettext(context, entry["msgid"], entry["msgid_plural"], 1)
                if context
                else (compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1))
            )
            expected = entry["msgstr[0]"]
        else:
            found = (
                compiled.pgettext(context, entry["msgid"]) if context else compiled.gettext(entry["msgid"])
            )
            expected = entry["msgstr"]
        if found != expected:
            stale.append(entry["msgid"])
    assert stale == [], f"run `make messages` to recompile locale/{language}"


@pytest.mark.parametrize(
    ("language", "date", "month", "number"),
    [
        ("en", "Sept. 30, 2026", "September 2026", "12,345.5"),
        ("ru", "30 сентября 2026 г.", "Сентябрь 2026 г.", "12\xa0345,5"),
        ("kk", "30 қыркүйек 2026 ж.", "Қыркүйек 2026 ж.", "12\xa0345,5"),
        ("uz", "30-sentabr 2026", "Sentabr 2026", "12\xa0345,5"),
    ],
)
def test_dates_and_numbers_read_as_the_language_writes_them(language, date, month, number):
    day = datetime.date(2026, 9, 30)
    with translation.override(language):
        assert formats.date_format(day, "DATE_FORMAT") == date
        assert formats.date_format(day, "YEAR_MONTH_FORMAT") == month
        assert formats.number_format(12345.5, 1, use_l10n=True, force_grouping=True) == number


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_the_reports_page_footer_keeps_its_numbers_in_order_and_apart(language):
    """The report's footer fills the numbers in with CSS counters, page first, each set off by
    a space: a translation must put %(page)s before %(pages)s with nothing glued to either."""
    with translation.override(language):
        text = translation.gettext(PAGE_OF)
    assert text.index("%(page)s") < text.index("%(pages)s")
    assert re.fullmatch(r"(?:.* )?%\(page\)s(?: .*)? %\(pages\)s(?: .*)?", text), text
