"""Respondent lists uploaded as CSV or XLSX, read into rows for invitation_create_many."""

import io

import pandas as pd
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from config.exceptions import TooLarge

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
COLUMNS = ("email", "name", "department", "role", "language")
REQUIRED = ("email", "role")
_XLSX_MAGIC = b"PK\x03\x04"


def _csv_text(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError({"file": _("The file is neither UTF-8 nor Windows-1251 text.")})


def invitation_rows_read(upload: UploadedFile) -> list[dict]:
    """Rows as dicts with the known columns; role spellings like "Back office" normalized."""
    if upload.size > MAX_BYTES:
        raise TooLarge(_("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    raw = upload.read()
    try:
        if raw.startswith(_XLSX_MAGIC):
            frame = pd.read_excel(io.BytesIO(raw), dtype=str, engine="openpyxl")
        else:
            text = _csv_text(raw)
            first_line = text.split("\n", 1)[0]
            separator = ";" if first_line.count(";") > first_line.count(",") else ","
            frame = pd.read_csv(io.StringIO(text), sep=separator, dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError, OSError) as error:
        raise ValidationError({"file": _("The file cannot be read: %(error)s") % {"error": error}}) from error
    frame.columns = [str(column).strip().lower() for column in frame.columns]
    missing = [column for column in REQUIRED if column not in frame.columns]
    if missing:
        raise ValidationError(
            {"file": _("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)}}
        )
    if len(frame) > MAX_ROWS:
        raise TooLarge(_("The file has more than %(rows)d rows.") % {"rows": MAX_ROWS})
    frame = frame.reindex(columns=list(COLUMNS), fill_value="").fillna("").astype(str)
    frame = frame.apply(lambda column: column.str.strip())
    frame = frame[(frame != "").any(axis=1)]  # blank lines at the end of a sheet
    frame["role"] = frame["role"].str.lower().str.replace(r"[\s-]+", "_", regex=True)
    frame["language"] = frame["language"].str.lower().replace("", "en")
    return frame.to_dict("records")
