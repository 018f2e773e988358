"""Upload bombs: small files that once cost seconds to minutes of CPU and gigabytes of memory to
read, built in memory (a few MB each at most). tests/test_upload_bombs.py sends them through the
upload endpoints, bench/upload_bombs.py measures them."""

import io
import random
import zipfile
from collections.abc import Callable
from typing import BinaryIO

import openpyxl

SHEET = "xl/worksheets/sheet1.xml"
_SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_END = b"</sheetData></worksheet>"
_MEGABYTE = 1024 * 1024


def _inline(text: bytes) -> bytes:
    return b'<c t="inlineStr"><is><t>' + text + b"</t></is></c>"


# The columns of a respondent list; the customer files miss them, which matters only once read.
HEADER = b'<row r="1">' + _inline(b"email") + _inline(b"role") + b"</row>"


def xlsx_with_sheet(write_sheet: Callable[[BinaryIO], None]) -> bytes:
    """A workbook openpyxl saved, its sheet's XML replaced by what `write_sheet` streams into
    the archive, deflated at the highest level."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["email", "role"])
    saved = io.BytesIO()
    workbook.save(saved)
    original = zipfile.ZipFile(saved)
    built = io.BytesIO()
    with zipfile.ZipFile(built, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for part in original.infolist():
            if part.filename == SHEET:
                with archive.open(SHEET, "w") as sheet:
                    write_sheet(sheet)
            else:
                archive.writestr(part.filename, original.read(part.filename))
    return built.getvalue()


def huge_cell_xlsx(megabytes: int = 400) -> bytes:
    """One cell of `megabytes` MB of "a" (about 400 KB packed)."""

    def write(sheet: BinaryIO) -> None:
        sheet.write(_SHEET_START + HEADER + b'<row r="2"><c t="inlineStr"><is><t>')
        slice_ = b"a" * _MEGABYTE
        for _ in range(megabytes):
            sheet.write(slice_)
        sheet.write(b"</t></is></c></row>" + _SHEET_END)

    return xlsx_with_sheet(write)


def many_rows_xlsx(rows: int = 2_000_000) -> bytes:
    """`rows` rows of one number each (4.4 MB packed: numbers that vary keep it under the
    compression limit, so that the rows are what is refused)."""
    numbers = random.Random(7)

    def write(sheet: BinaryIO) -> None:
        sheet.write(_SHEET_START + HEADER)
        for start in range(0, rows, 50_000):
            count = min(50_000, rows - start)
            sheet.write(
                b"".join(b"<row><c><v>%d</v></c></row>" % numbers.randrange(1000) for _ in range(count))
            )
        sheet.write(_SHEET_END)

    return xlsx_with_sheet(write)


def far_row_xlsx(row: int = 2_000_000_000) -> bytes:
    """One row numbered `row`: a reader filling in the rows before it would make them all."""
    return xlsx_with_sheet(
        lambda sheet: sheet.write(
            _SHEET_START + HEADER + b'<row r="%d"><c><v>1</v></c></row>' % row + _SHEET_END
        )
    )


def long_cell_xlsx(characters: int = 2_000_000) -> bytes:
    """One cell of random letters, too varied for the compression limit to catch."""
    letters = random.Random(11)
    text = bytes(letters.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(characters))
    return xlsx_with_sheet(
        lambda sheet: sheet.write(_SHEET_START + HEADER + b"<row>" + _inline(text) + b"</row>" + _SHEET_END)
    )


def _with_doctype(doctype: bytes, cell: bytes) -> bytes:
    xml = (
        _SHEET_START.replace(b"?>\n", b"?>\n" + doctype, 1)
        + HEADER
        + b"<row>"
        + _inline(cell)
        + b"</row>"
        + _SHEET_END
    )
    return xlsx_with_sheet(lambda sheet: sheet.write(xml))


def entity_bomb_xlsx() -> bytes:
    """Billion laughs: ten entities, each ten of the one before, expand to 10⁹ "lol"s."""
    entities = [b'<!ENTITY lol0 "lol">'] + [
        b'<!ENTITY lol%d "%s">' % (level, b"".join(b"&lol%d;" % (level - 1) for _ in range(10)))
        for level in range(1, 10)
    ]
    return _with_doctype(b"<!DOCTYPE worksheet [" + b"".join(entities) + b"]>", b"&lol9;")


def external_entity_xlsx() -> bytes:
    """XXE: a cell that would read a file of the server."""
    return _with_doctype(b'<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>', b"&secret;")


def duplicate_headers_csv(columns: int = 30_000) -> bytes:
    """60 KB: one column name over and over (pandas renames duplicates in quadratic time)."""
    return (",".join(["a"] * columns) + "\n" + ",".join(["1"] * columns) + "\n").encode()


HOSTILE = {
    "huge_cell": huge_cell_xlsx,
    "many_rows": many_rows_xlsx,
    "far_row": far_row_xlsx,
    "long_cell": long_cell_xlsx,
    "entity_bomb": entity_bomb_xlsx,
    "external_entity": external_entity_xlsx,
    "duplicate_headers": duplicate_headers_csv,
}
# What the uploader is told of each, after "The file cannot be read: ", under the limits of a
# customer file (spreadsheet_read's own) and of a respondent list (20,000 rows).
SAYS = {
    "huge_cell": "the workbook unpacks to more than 256 MB; save it as CSV",
    "many_rows": "it has more than 1,048,576 rows",
    "far_row": "it has more than 1,048,576 rows",
    "long_cell": "the workbook holds a cell or value longer than 32,767 characters",
    "entity_bomb": "the workbook declares an XML document type (DTD), which Excel never writes",
    "external_entity": "the workbook declares an XML document type (DTD), which Excel never writes",
    "duplicate_headers": 'the column "a" appears more than once',
}
SAYS_OF_A_LIST = {
    **SAYS,
    "many_rows": "it has more than 20,000 rows",
    "far_row": "it has more than 20,000 rows",
}
