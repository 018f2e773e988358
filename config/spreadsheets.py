"""Tables from and to CSV or XLSX: what clients upload and what consultants download."""

import csv
import io
import re
import zipfile
from typing import BinaryIO

import pandas as pd
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


class UnreadableTable(ValueError):
    """The bytes are no CSV or XLSX table; the message says why."""


def table_format(source: bytes | BinaryIO) -> str:
    """The table's format, "xlsx" or "csv", judged by the content and never by the file's name or
    declared type: an XLSX is a ZIP archive holding an Excel workbook, a CSV is text without zero
    bytes. Anything else raises UnreadableTable saying what it is. A file object is read from its
    start and left there."""
    file = io.BytesIO(source) if isinstance(source, bytes) else source
    file.seek(0)
    try:
        head = file.read(4096)
        for signatures, what in NOT_TABLES:
            if head.startswith(signatures):
                raise UnreadableTable(str(what))
        if head.startswith(ZIP_SIGNATURES):
            if not _workbook(file):
                raise UnreadableTable(_("it is a ZIP archive but not an XLSX workbook"))
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


def _workbook(file: BinaryIO) -> bool:
    """Whether the ZIP archive declares an Excel workbook (only its directory and the small
    [Content_Types].xml are read, whatever the archive holds)."""
    try:
        with zipfile.ZipFile(file) as archive, archive.open("[Content_Types].xml") as types:
            return bool(_WORKBOOK_PART.search(types.read(_CONTENT_TYPES_MAX_BYTES)))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, RuntimeError, NotImplementedError, EOFError):
        return False


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1251")  # the last resort of Russian exports
    except UnicodeDecodeError as error:
        raise UnreadableTable(_("the text is neither UTF-8 nor Windows-1251")) from error


def spreadsheet_read(raw: bytes) -> pd.DataFrame:
    """Every cell as a stripped string ("" when empty), headers lower-cased, blank rows
    dropped. CSV in UTF-8 or Windows-1251 with comma or semicolon, or XLSX."""
    text = None if table_format(raw) == "xlsx" else _decode(raw)
    try:
        if text is None:
            frame = pd.read_excel(io.BytesIO(raw), dtype=str, engine="openpyxl")
        else:
            first_line = text.split("\n", 1)[0]
            separator = ";" if first_line.count(";") > first_line.count(",") else ","
            frame = pd.read_csv(io.StringIO(text), sep=separator, dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError, OSError, KeyError) as error:
        raise UnreadableTable(str(error)) from error
    frame.columns = [str(column).strip().lower() for column in frame.columns]
    frame = frame.fillna("").astype(str).apply(lambda column: column.str.strip())
    return frame[(frame != "").any(axis=1)]


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
