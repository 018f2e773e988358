"""The translation workbook: texts handed to a translator as XLSX and read back.

One sheet, one row per text: its key, the text in the source language, the text in the target
language ("" when it has none yet) and a status. The header names the two languages by code
(`key | en | kk | status`), so the file says what it holds whatever language the consultant
reads. Reading it back checks each row against the texts as they are now and collects every
problem with its row number; nothing is applied unless no row has one. Pure: no ORM."""

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font

from config.numbers import number_text
from config.spreadsheets import FORMULA_PREFIXES, UnreadableTable, cell_safe, spreadsheet_read

# Named (%(count)d) and positional (%s) printf fields, and {name} fields of str.format.
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdif]|\{\w*\}")
KEY_COLUMN = "key"
STATUS_COLUMN = "status"
COLUMN_WIDTHS = {"A": 28, "B": 60, "C": 60, "D": 14}
WORKBOOK_MAX_ROWS = 20_000
WORKBOOK_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Text:
    """A translatable text as it is now: per language (a missing language: no text yet)."""

    key: str
    texts: Mapping[str, str]
    max_length: int


@dataclass(frozen=True)
class WorkbookRows:
    source: str
    target: str
    # (row number in the sheet, key, source text, target text)
    rows: list[tuple[int, str, str, str]]


def placeholders(text: str) -> list[str]:
    """The fields a program fills in, sorted: what a translation must keep."""
    return sorted(PLACEHOLDER.findall(text))


def _status(text: Text, target: str) -> str:
    return _("translated") if text.texts.get(target) else _("missing")


def workbook_bytes(*, texts: Iterable[Text], source: str, target: str) -> bytes:
    """An XLSX of `texts` from `source` into `target`; texts with nothing in `source` are
    left out (there is nothing to translate from)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = target
    sheet.append([KEY_COLUMN, source, target, STATUS_COLUMN])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for text in texts:
        if text.texts.get(source):
            row = [text.key, text.texts[source], text.texts.get(target, ""), _status(text, target)]
            sheet.append([cell_safe(_storable(value)) for value in row])
    for column, width in COLUMN_WIDTHS.items():
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2, min_col=2, max_col=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _storable(text: str) -> str:
    """The text without the control characters an XLSX cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _cell_restored(value: str) -> str:
    """A cell's text as exported: without the quote `cell_safe` put before a formula's sign."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES) else value


def workbook_rows(raw: bytes, *, languages: Sequence[str]) -> WorkbookRows:
    """The rows of a translation workbook; UnreadableTable when it is not one."""
    frame = spreadsheet_read(raw, max_rows=WORKBOOK_MAX_ROWS)
    columns = list(frame.columns)
    if len(columns) < 3 or columns[0] != KEY_COLUMN or not set(columns[1:3]) <= set(languages):
        raise UnreadableTable(
            _(
                "it is not a translation workbook: its first columns must be key, "
                "the source language and the target language"
            )
        )
    source, target = columns[1], columns[2]
    rows = [
        (int(number), key, _cell_restored(source_text), _cell_restored(target_text))
        for number, key, source_text, target_text in frame[[KEY_COLUMN, source, target]].itertuples()
    ]
    return WorkbookRows(source=source, target=target, rows=rows)


def _same(one: str, other: str) -> bool:
    """Equal as a spreadsheet keeps them: spacing and unstorable characters aside."""
    return " ".join(_storable(one).split()) == " ".join(_storable(other).split())


def _row_problem(text: Text | None, source: str, target: str, given_source: str, given: str) -> dict:
    """{column: [message]} for a faulty row; empty for a good one."""
    if text is None:
        return {KEY_COLUMN: [_("Unknown key: no such text here.")]}
    if not _same(given_source, text.texts.get(source, "")):
        return {source: [_("The source text has changed since the workbook was exported; export it again.")]}
    if not given and text.texts.get(target):
        return {target: [_("The translation is empty, but the text has one; write it again or restore it.")]}
    if given and placeholders(given) != placeholders(given_source):
        message = _("The placeholders differ: the source has %(source)s, the translation %(target)s.") % {
            "source": " ".join(placeholders(given_source)) or "—",
            "target": " ".join(placeholders(given)) or "—",
        }
        return {target: [message]}
    if len(given) > text.max_length:
        message = _("The translation is longer than %(count)s characters.") % {
            "count": number_text(text.max_length, digits=0)
        }
        return {target: [message]}
    return {}


def workbook_changes(
    *, read: WorkbookRows, texts: Mapping[str, Text]
) -> tuple[dict[str, str], dict[int, dict[str, list[str]]]]:
    """The target texts the workbook changes, by key, and the problems of each faulty row
    ({column: [message]}), by its number in the sheet. A row left empty where the text has no
    translation yet changes nothing; so does a row as it was exported."""
    changes: dict[str, str] = {}
    problems: dict[int, dict[str, list[str]]] = {}
    seen: dict[str, int] = {}
    for number, key, given_source, given in read.rows:
        if key in seen:
            problems[number] = {
                KEY_COLUMN: [_("This key is given twice (also in row %(row)d).") % {"row": seen[key]}]
            }
            continue
        seen[key] = number
        text = texts.get(key)
        if problem := _row_problem(text, read.source, read.target, given_source, given):
            problems[number] = problem
        elif given and given != text.texts.get(read.target, ""):
            changes[key] = given
    return changes, problems


@dataclass(frozen=True)
class Completeness:
    language: str
    translated: int
    total: int

    @property
    def missing(self) -> int:
        return self.total - self.translated

    @property
    def percent(self) -> int:
        """Rounded down, so that 100 % means nothing is missing."""
        return 100 if not self.total else self.translated * 100 // self.total


def completeness(*, texts: Iterable[Text], languages: Sequence[str]) -> list[Completeness]:
    """Per language, how many of the texts it has."""
    texts = list(texts)
    return [
        Completeness(
            language=language,
            translated=sum(1 for text in texts if text.texts.get(language)),
            total=len(texts),
        )
        for language in languages
    ]
