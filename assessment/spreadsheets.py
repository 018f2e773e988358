"""Tables from and to CSV or XLSX: what clients upload and what consultants download."""

import csv
import io

import pandas as pd
from django.http import HttpResponse

XLSX_MAGIC = b"PK\x03\x04"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class UnreadableTable(ValueError):
    """The bytes are no CSV or XLSX table; the message says why."""


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1251")  # decodes any byte: the last resort of Russian exports


def spreadsheet_read(raw: bytes) -> pd.DataFrame:
    """Every cell as a stripped string ("" when empty), headers lower-cased, blank rows
    dropped. CSV in UTF-8 or Windows-1251 with comma or semicolon, or XLSX."""
    try:
        if raw.startswith(XLSX_MAGIC):
            frame = pd.read_excel(io.BytesIO(raw), dtype=str, engine="openpyxl")
        else:
            text = _decode(raw)
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
