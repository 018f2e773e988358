"""Respondent lists uploaded as CSV or XLSX, read into rows for invitation_create_many."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from config.exceptions import TooLarge
from config.spreadsheets import UnreadableTable, spreadsheet_read
from surveys.services import INVITATION_FIELDS, invitation_row_normalize

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
REQUIRED = ("email", "role")


def invitation_request_max_bytes() -> int:
    """The largest request that uploads a list: the file at its limit, and the form's fields."""
    return MAX_BYTES + (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)


def invitation_rows_read(upload: UploadedFile) -> list[dict]:
    """Rows as dicts with the known columns, normalized by invitation_row_normalize (role
    spellings like "Back office" included). A file of more than MAX_ROWS rows is refused as it
    is read, like any file spreadsheet_read finds hostile."""
    if upload.size > MAX_BYTES:
        raise TooLarge(_("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    try:
        frame = spreadsheet_read(upload.read(), max_rows=MAX_ROWS)
    except UnreadableTable as error:
        raise ValidationError({"file": _("The file cannot be read: %(error)s") % {"error": error}}) from error
    missing = [column for column in REQUIRED if column not in frame.columns]
    if missing:
        raise ValidationError(
            {"file": _("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)}}
        )
    frame = frame.reindex(columns=list(INVITATION_FIELDS), fill_value="")
    return [invitation_row_normalize(row) for row in frame.to_dict("records")]
