"""Tables from and to CSV or XLSX: what clients upload and what consultants download."""

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

import numpy as np
import openpyxl
import pandas as pd
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.cell.cell import TYPE_ERROR, TYPE_NUMERIC
from openpyxl.cell.read_only import EMPTY_CELL

from config.numbers import number_text

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a first entry, or an empty archive
# Files uploaded in place of a table, by their first bytes: what to tell the uploader.
NOT_TABLES = (
    (b"%PDF-", gettext_lazy("it is not a CSV or XLSX file but a PDF document")),
    (b"\x89PNG\r\n\x1a\n", gettext_lazy("it is not a CSV or XLSX file but a PNG image")),
    (b"\xff\xd8\xff", gettext_lazy("it is not a CSV or XLSX file but a JPEG image")),
    ((b"GIF87a", b"GIF89a"), gettext_lazy("it is not a CSV or XLSX file but a GIF image")),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        gettext_lazy("it is an Excel 97–2003 file (.xls); save it as XLSX or CSV"),
    ),
    ((b"\xff\xfe", b"\xfe\xff"), gettext_lazy("it is UTF-16 text; save it as CSV in UTF-8")),
)
_BOM = b"\xef\xbb\xbf"
# A table's first line names columns: one that opens a tag (<html, <!DOCTYPE, <?xml, <svg…) is markup.
_MARKUP = re.compile(rb"\s*<[!?/a-zA-Z]")
# In the [Content_Types].xml of an Excel workbook (xlsx, and the template and macro variants that
# openpyxl reads as well); a Word or PowerPoint file names its own main part instead.
_WORKBOOK_PART = re.compile(
    rb"(?:spreadsheetml\.(?:sheet|template)|ms-excel\.(?:sheet|template)\.macroEnabled)\.main\+xml"
)
_CONTENT_TYPES_MAX_BYTES = 1024 * 1024
_CHUNK_BYTES = 16 * 1024 * 1024

# Limits that refuse a hostile file while it is read, before it costs much time or memory.
# Excel's own: no workbook it saves goes beyond them.
SHEET_MAX_ROWS = 1_048_576
CELL_MAX_CHARS = 32_767
# Our tables have a handful of columns; an export with more is read up to this many.
TABLE_MAX_COLUMNS = 200
# Judged on an XLSX's ZIP directory before anything is unpacked: what its parts unpack to
# together, and how far one may be compressed (Apache POI's limit for ZIP bombs) once it is
# large enough to matter.
XLSX_MAX_UNPACKED_BYTES = 256 * 1024 * 1024
XLSX_MAX_RATIO = 100
_RATIO_FROM_BYTES = 1024 * 1024
# The longest stretch of an XML part between two "<": a cell of CELL_MAX_CHARS with every
# character escaped ("&#x10FFFF;" takes ten bytes) and its tag.
_XML_TOKEN_MAX_BYTES = 16 * CELL_MAX_CHARS
_XML_SCAN_BYTES = 1024 * 1024
_DTD = (b"<!DOCTYPE", b"<!ENTITY")
# A row element with a namespace prefix (Open XML SDK writes "<x:row"); "<rowBreaks" and the
# like, counted too, add one or two to thousands of rows.
_PREFIXED_ROW = re.compile(rb"<[\w.-]+:row")
# XML in UTF-16, which Excel never writes, would hide its tags from the byte scan.
_UTF16_XML = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")
# A CSV's column names must end within its first so many characters.
_HEADER_MAX_CHARS = 1024 * 1024
# Rows read, checked and normalised at a time.
_CHUNK_ROWS = 10_000


class UnreadableTable(ValueError):
    """The bytes are no CSV or XLSX table; the message says why."""


def table_format(source: bytes | BinaryIO) -> str:
    """The table's format, "xlsx" or "csv", judged by the content and never by the file's name or
    declared type: an XLSX is a ZIP archive holding an Excel workbook, a CSV is text without zero
    bytes. Anything else raises UnreadableTable saying what it is, and so does a workbook whose
    ZIP directory shows a bomb (see _workbook_check). A file object is read from its start and
    left there."""
    file = io.BytesIO(source) if isinstance(source, bytes) else source
    file.seek(0)
    try:
        head = file.read(4096)
        for signatures, what in NOT_TABLES:
            if head.startswith(signatures):
                raise UnreadableTable(str(what))
        if head.startswith(ZIP_SIGNATURES):
            _workbook_check(file)
            return "xlsx"
        if _MARKUP.match(head, len(_BOM) if head.startswith(_BOM) else 0):
            raise UnreadableTable(_("it is not a CSV or XLSX file but an HTML or XML document"))
        if _zero_byte(source):
            raise UnreadableTable(_("it holds binary data (zero bytes), not CSV text"))
        return "csv"
    finally:
        file.seek(0)


def _zero_byte(source: bytes | BinaryIO) -> bool:
    if isinstance(source, bytes):
        return b"\x00" in source  # no copy of a large upload
    source.seek(0)
    return any(b"\x00" in chunk for chunk in iter(lambda: source.read(_CHUNK_BYTES), b""))


def _workbook_check(file: BinaryIO) -> None:
    """Refuse a ZIP archive that declares no Excel workbook, or whose parts unpack to more than
    XLSX_MAX_UNPACKED_BYTES together or one of them more than XLSX_MAX_RATIO times its packed
    size. Only the directory and the small [Content_Types].xml are read, whatever the archive
    holds; the sizes it states bound what can be unpacked (zipfile stops at them)."""
    try:
        with zipfile.ZipFile(file) as archive, archive.open("[Content_Types].xml") as types:
            workbook = bool(_WORKBOOK_PART.search(types.read(_CONTENT_TYPES_MAX_BYTES)))
            parts = archive.infolist()
    except (
        zipfile.BadZipFile,
        zlib.error,
        KeyError,
        ValueError,
        OSError,
        RuntimeError,
        NotImplementedError,
        EOFError,
    ):
        workbook = False
    if not workbook:
        raise UnreadableTable(_("it is a ZIP archive but not an XLSX workbook"))
    if sum(part.file_size for part in parts) > XLSX_MAX_UNPACKED_BYTES:
        raise UnreadableTable(
            _("the workbook unpacks to more than %(mb)d MB; save it as CSV")
            % {"mb": XLSX_MAX_UNPACKED_BYTES // (1024 * 1024)}
        )
    if any(part.file_size > max(_RATIO_FROM_BYTES, XLSX_MAX_RATIO * part.compress_size) for part in parts):
        raise UnreadableTable(
            _("the workbook is compressed more than %(ratio)d to 1, as ZIP bombs are")
            % {"ratio": XLSX_MAX_RATIO}
        )


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1251")  # the last resort of Russian exports
    except UnicodeDecodeError as error:
        raise UnreadableTable(_("the text is neither UTF-8 nor Windows-1251")) from error


def spreadsheet_read(
    raw: bytes, *, max_rows: int | None = None, max_cell_chars: int | None = CELL_MAX_CHARS
) -> pd.DataFrame:
    """Every cell as a stripped string ("" when empty), headers lower-cased, blank rows
    dropped. CSV in UTF-8 or Windows-1251 with comma or semicolon, or XLSX (its first sheet).

    Read row by row, so that a hostile file is refused (UnreadableTable) before it costs much
    time or memory: more than `max_rows` rows below the header (blank ones included, except
    empty lines of a CSV; in an XLSX, rows past row `max_rows` + 1, and never more than a sheet
    holds), more than TABLE_MAX_COLUMNS columns or a column named twice, a cell longer than
    `max_cell_chars` (None: the caller checks the cells itself). An XLSX is refused before it
    is parsed when its ZIP directory shows a bomb (see _workbook_check) or its XML declares a
    DTD (entity bombs, external entities), has more rows than that in any sheet or a stretch
    longer than any cell could be."""
    try:
        if table_format(raw) == "xlsx":
            chunks = _xlsx_chunks(raw, max_rows=max_rows)
        else:
            chunks = _csv_chunks(_decode(raw))
        return _rows_read(chunks, max_rows=max_rows, max_cell_chars=max_cell_chars)
    except UnreadableTable:
        raise
    except (
        ValueError,
        pd.errors.ParserError,
        OSError,
        KeyError,
        IndexError,
        TypeError,
        EOFError,
        ParseError,
        zipfile.BadZipFile,
        zlib.error,
        NotImplementedError,
    ) as error:
        raise UnreadableTable(str(error)) from error


def _rows_read(
    chunks: Iterator[pd.DataFrame], *, max_rows: int | None, max_cell_chars: int | None
) -> pd.DataFrame:
    """The chunks (cells as read, indexed by row number) normalised and checked one by one."""
    kept = []
    rows = 0
    for chunk in chunks:
        rows += len(chunk)
        if max_rows is not None and rows > max_rows:
            raise UnreadableTable(_rows_refusal(max_rows))
        chunk.columns = [str(column).strip().lower() for column in chunk.columns]
        chunk = chunk.fillna("").astype(str).apply(lambda column: column.str.strip())
        if max_cell_chars is not None:
            _cells_check(chunk, max_chars=max_cell_chars)
        kept.append(chunk[(chunk != "").any(axis=1)])
    return pd.concat(kept)


def _rows_refusal(max_rows: int) -> str:
    return _("it has more than %(rows)s rows") % {"rows": number_text(max_rows, digits=0)}


def _cells_check(chunk: pd.DataFrame, *, max_chars: int) -> None:
    for column in chunk.columns:
        lengths = chunk[column].str.len()
        if lengths.max() > max_chars:
            raise UnreadableTable(
                _("the cell in row %(row)s, column %(column)s, is longer than %(chars)s characters")
                % {
                    "row": lengths.idxmax(),
                    "column": _shortened(column),
                    "chars": number_text(max_chars, digits=0),
                }
            )


def _names_check(names: list) -> None:
    """Refuse too many columns or one named twice (as they will be read: stripped and
    lower-cased) before the rows are read; pandas would rename duplicates in quadratic time."""
    seen = set()
    for name in names:
        key = str(name).strip().lower()
        if key in seen:
            raise UnreadableTable(_("the column %(name)s appears more than once") % {"name": _shortened(key)})
        if key:
            seen.add(key)
    if len(names) > TABLE_MAX_COLUMNS:
        raise UnreadableTable(
            _("it has more than %(columns)s columns") % {"columns": number_text(TABLE_MAX_COLUMNS, digits=0)}
        )


def _shortened(text: str) -> str:
    return f'"{text}"' if len(text) <= 60 else f'"{text[:60]}…"'


def _csv_chunks(text: str) -> Iterator[pd.DataFrame]:
    head = text[:_HEADER_MAX_CHARS]
    first_line = head.partition("\n")[0]
    separator = ";" if first_line.count(";") > first_line.count(",") else ","
    _names_check(_csv_header(text, separator))
    with pd.read_csv(
        io.StringIO(text), sep=separator, dtype=str, keep_default_na=False, chunksize=_CHUNK_ROWS
    ) as reader:
        for chunk in reader:
            chunk.index += 2  # rows as a spreadsheet numbers them, the header being row 1
            yield chunk


def _csv_header(text: str, separator: str) -> list[str]:
    """The column names: the first line that is not blank, read only from the text's start.
    Lines pandas may take for blank are skipped too, so that the names checked are never
    before those pandas takes."""
    head = text[:_HEADER_MAX_CHARS]
    if len(text) > len(head):
        head = head[: head.rfind("\n") + 1]  # whole lines only
    try:
        for names in csv.reader(io.StringIO(head), delimiter=separator):
            if any(name.strip() for name in names):
                return names
    except csv.Error as error:
        raise UnreadableTable(str(error)) from error
    if len(text) > len(head):
        raise UnreadableTable(
            _("its first line, the column names, is longer than %(chars)s characters")
            % {"chars": number_text(_HEADER_MAX_CHARS, digits=0)}
        )
    return []


def _xlsx_chunks(raw: bytes, *, max_rows: int | None) -> Iterator[pd.DataFrame]:
    """The first sheet's rows below its header, read by openpyxl in read-only mode (as pandas
    reads them, cells converted as pandas converts them) once every XML part has passed
    _xml_part_check. Stops past the last row allowed, and reads only the header's columns."""
    last_row = SHEET_MAX_ROWS if max_rows is None else min(max_rows + 1, SHEET_MAX_ROWS)
    refusal = _rows_refusal(SHEET_MAX_ROWS if max_rows is None else max_rows)
    # Every sheet within the limit, the other sheets too: opening the workbook parses each sheet
    # that does not state its size.
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        for part in archive.infolist():
            with archive.open(part) as stream:
                if _xml_part_check(stream, max_rows=last_row) > last_row:
                    raise UnreadableTable(refusal)
    workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True, keep_links=False)
    try:
        if not workbook.worksheets:
            raise UnreadableTable(_("the workbook has no worksheet"))
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the size a sheet states may be wrong, or hostile
        # The first row with a value names the columns ("Unnamed: 2" for a blank one, as pandas).
        header_row, texts = next(_sheet_rows(sheet, 1, TABLE_MAX_COLUMNS + 1, last_row, refusal), (0, []))
        while texts and texts[-1] == "":
            texts.pop()
        names = [text or f"Unnamed: {index}" for index, text in enumerate(texts)]
        _names_check(names)
        rows: list[list[str]] = []
        numbers: list[int] = []
        if names:
            for number, texts in _sheet_rows(sheet, header_row + 1, len(names), last_row, refusal):
                rows.append(texts)
                numbers.append(number)
                if len(rows) == _CHUNK_ROWS:
                    yield pd.DataFrame(rows, index=numbers, columns=names, dtype=object)
                    rows, numbers = [], []
        yield pd.DataFrame(rows, index=numbers, columns=names, dtype=object)
    finally:
        workbook.close()


def _sheet_rows(
    sheet, first: int, columns: int, last_row: int, refusal: str
) -> Iterator[tuple[int, list[str]]]:
    """The number and the cells of each row with a value from row `first`, cut to `columns`;
    refused (saying `refusal`) at a row past `last_row`, blank or not."""
    blank = None
    for number, cells in enumerate(sheet.iter_rows(min_row=first, max_col=columns), start=first):
        if number > last_row:
            raise UnreadableTable(refusal)
        if cells is blank:
            continue
        texts = _row_texts(cells)
        if any(texts):
            yield number, texts
        else:
            blank = cells  # openpyxl gives every missing row as one shared tuple


def _row_texts(cells: tuple) -> list[str]:
    # openpyxl pads a row to the columns asked for with one shared EMPTY_CELL.
    return ["" if cell is EMPTY_CELL else _cell_text(cell) for cell in cells]


def _cell_text(cell) -> str:
    """The cell as pandas' read_excel with dtype=str gave it: whole numbers without ".0",
    errors (#N/A…) as empty."""
    value = cell.value
    if value is None or cell.data_type == TYPE_ERROR:
        return ""
    if cell.data_type == TYPE_NUMERIC and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xml_part_check(stream: BinaryIO, *, max_rows: int) -> int:
    """How many row elements a workbook's part has (counted up to just past `max_rows`),
    unpacked in slices and not parsed; refused when it declares a DTD (billion laughs, external
    entities) or holds a stretch longer than any cell (a cell of gigabytes). Binary parts
    (pictures) have none."""
    window = stream.read(_XML_SCAN_BYTES)
    if window.startswith(_UTF16_XML):
        raise UnreadableTable(_("the workbook holds XML in UTF-16, which Excel never writes"))
    if not window.lstrip(_BOM + b" \t\r\n").startswith(b"<"):
        return 0
    rows = 0
    while window:
        more = stream.read(_XML_SCAN_BYTES)
        # Up to the last "<" only, unless this is the end: the rest goes with the next slice,
        # so that no tag is cut in two or counted twice.
        end = window.rfind(b"<") if more else len(window)
        if end <= 0:
            end = len(window)
        if any(window.find(declaration, 0, end) >= 0 for declaration in _DTD):
            raise UnreadableTable(
                _("the workbook declares an XML document type (DTD), which Excel never writes")
            )
        if _longest_token(window, end) > _XML_TOKEN_MAX_BYTES:
            raise UnreadableTable(
                _("the workbook holds a cell or value longer than %(chars)s characters")
                % {"chars": number_text(CELL_MAX_CHARS, digits=0)}
            )
        rows += window.count(b"<row", 0, end)
        if window.find(b":row", 0, end) >= 0:
            rows += len(_PREFIXED_ROW.findall(window, 0, end))
        if rows > max_rows:
            break
        window = window[end:] + more
    return rows


def _longest_token(window: bytes, end: int) -> int:
    """The longest stretch of window[:end] from a "<" (or the start) to the next "<" (or end)."""
    marks = np.flatnonzero(np.frombuffer(window, np.uint8, count=end) == ord("<"))
    return int(np.diff(marks, prepend=0, append=end).max())


def cell_safe(value):
    """Text that a spreadsheet would run as a formula, quoted so it shows as text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def table_download(frame: pd.DataFrame, *, filename: str, file_format: str) -> HttpResponse:
    safe = frame.astype(object).where(frame.notna(), None).map(cell_safe)
    if file_format == "xlsx":
        buffer = io.BytesIO()
        safe.to_excel(buffer, index=False, engine="openpyxl")
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    else:
        text = io.StringIO()
        safe.to_csv(text, index=False, quoting=csv.QUOTE_MINIMAL)
        response = HttpResponse(text.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{file_format}"'
    return response
