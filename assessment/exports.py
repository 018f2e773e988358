"""Tables as CSV or XLSX downloads, safe to open in a spreadsheet."""

import csv
import io

import pandas as pd
from django.http import HttpResponse

# A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
