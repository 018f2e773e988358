"""The action plan as files the client keeps outside the workspace: a spreadsheet of every
initiative (XLSX) and a calendar of the due dates still ahead (iCalendar, RFC 5545) for
Outlook, Google or Apple Calendar. Built from the rows of reports.plan_selectors.initiatives_list,
texts and labels in the language asked for. Pure: no ORM, no request."""

import datetime
import io
import re
from collections.abc import Mapping

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from assessment.metrics import metric
from config.numbers import number_text
from config.spreadsheets import cell_safe
from reports.models import InitiativeStatus
from reports.plan import TARGET_SYMBOLS
from reports.texts import text_any

HEALTH_LABELS = {
    "on_track": gettext_lazy("On track"),
    "at_risk": gettext_lazy("At risk"),
    "overdue": gettext_lazy("Overdue"),
    "done": gettext_lazy("Done"),
    "dropped": gettext_lazy("Dropped"),
}
# The spreadsheet's columns, by width in characters (see _headers for what they hold).
COLUMN_WIDTHS = (6, 48, 14, 12, 24, 12, 12, 10, 16, 40, 40, 48)
SHEET_TITLE_MAX = 31  # Excel refuses a longer one
BUDGET_FORMAT = "#,##0.00"
# A calendar lists what is still to be done by its due date.
CLOSED_STATUSES = (InitiativeStatus.DONE, InitiativeStatus.DROPPED)
PRODID = "-//CX Maturity Platform//Action plan//EN"
LINE_OCTETS = 75  # RFC 5545 §3.1, without the line break
# Control characters a TEXT value may not hold (RFC 5545 §3.3.11), the tab aside.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def target_text(*, key: str, target: Mapping | None, currency: str) -> str:
    """A metric the initiative aims at as people read it, "Churn rate ≤ 9.5 %", or its label
    alone without a target. The label loses its ", %" since the value carries the unit; an
    amount of money is in the assessment's currency."""
    entry = metric(key)
    label = str(entry.label)
    if not target:
        return label
    unit = {"%": " %", "money": f" {currency}" if currency else ""}.get(entry.unit, "")
    value = number_text(target["value"], digits=-entry.precision)
    return f"{label.removesuffix(', %')} {TARGET_SYMBOLS[target['op']]} {value}{unit}"


def _owner(row: Mapping) -> str:
    return (row["owner"] or {}).get("name") or row["owner_name"]


def _latest_note(row: Mapping) -> str:
    """The newest note among the updates given (newest first): an update may have none."""
    return next((update["note"] for update in row["updates"] if update["note"].strip()), "")


def _text_cell(value: str) -> str:
    """Text as a cell that shows it: characters XML cannot hold dropped (openpyxl refuses them)
    and whatever a spreadsheet would run as a formula quoted."""
    return cell_safe(ILLEGAL_CHARACTERS_RE.sub("", value))


def _headers(*, currency: str) -> list[str]:
    budget = _("Budget, %(currency)s") % {"currency": currency} if currency else _("Budget")
    return [
        _("No."),
        _("Initiative"),
        _("Status"),
        _("Health"),
        _("Owner"),
        _("Start date"),
        _("Due date"),
        _("Per cent complete"),
        budget,
        _("Outcome metrics and targets"),
        _("Indicators"),
        _("Latest note"),
    ]


def _cells(*, row: Mapping, number: int, language: str, currency: str, names: Mapping[str, str]) -> list:
    outcomes = [
        target_text(key=key, target=row["targets"].get(key), currency=currency) for key in row["outcomes"]
    ]
    indicators = [f"{code} {names[code]}" if code in names else code for code in row["indicators"]]
    texts = {
        "title": text_any(row["title"], language),
        "status": str(InitiativeStatus(row["status"]).label),
        "health": str(HEALTH_LABELS[row["health"]]),
        "owner": _owner(row),
        "outcomes": "; ".join(outcomes),
        "indicators": "; ".join(indicators),
        "note": _latest_note(row),
    }
    safe = {name: _text_cell(text) for name, text in texts.items()}
    return [
        number,
        safe["title"],
        safe["status"],
        safe["health"],
        safe["owner"],
        row["start_on"],
        row["due_on"],
        row["percent_complete"],
        row["budget"],
        safe["outcomes"],
        safe["indicators"],
        safe["note"],
    ]


def plan_xlsx(*, rows: list[dict], language: str, currency: str, indicator_names: Mapping[str, str]) -> bytes:
    """One row per initiative in the plan's order, headers and texts in `language`; dates are
    dates and amounts numbers, so the client sorts and sums them; every text neutralized
    against formula injection (config.spreadsheets.cell_safe). `indicator_names`: code → name,
    to name the linked indicators."""
    book = Workbook()
    sheet = book.active
    with translation.override(language):
        sheet.title = _("Action plan")[:SHEET_TITLE_MAX]
        sheet.append(_headers(currency=currency))
        for number, row in enumerate(rows, start=1):
            cells = _cells(
                row=row, number=number, language=language, currency=currency, names=indicator_names
            )
            sheet.append(cells)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for (budget,) in sheet.iter_rows(min_row=2, min_col=9, max_col=9):
        budget.number_format = BUDGET_FORMAT
    for index, width in enumerate(COLUMN_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def ics_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped, each line break
    written as \\n, other control characters dropped."""
    escaped = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return _CONTROL.sub("", _LINE_BREAK.sub(r"\\n", escaped))


def ics_fold(line: str) -> str:
    """A content line cut into lines of at most LINE_OCTETS octets of UTF-8, each continuation
    starting with a space (RFC 5545 §3.1), never inside a character: calendars reject or garble
    longer lines and split characters."""
    lines, current, size = [], "", 0
    for char in line:
        octets = len(char.encode())
        if size + octets > LINE_OCTETS:
            lines.append(current)
            current, size = " ", 1
        current += char
        size += octets
    lines.append(current)
    return "\r\n".join(lines)


def _event(*, row: Mapping, language: str, stamp: str, host: str, plan_url: str) -> list[str]:
    """An all-day event on the initiative's due date; its UID stays the same from one download
    to the next, so a calendar that imports the plan again updates the event instead of adding
    another."""
    link = f"{plan_url}#initiative-{row['id']}"
    owner = _owner(row)
    details = [
        _("Owner: %(owner)s") % {"owner": owner} if owner else "",
        _("Status: %(status)s") % {"status": InitiativeStatus(row["status"]).label},
        _("Per cent complete: %(percent)s %%") % {"percent": row["percent_complete"]},
        link,
    ]
    due = row["due_on"]
    return [
        "BEGIN:VEVENT",
        f"UID:initiative-{row['id']}@{host}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{due:%Y%m%d}",
        f"DTEND;VALUE=DATE:{due + datetime.timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{ics_text(text_any(row['title'], language))}",
        f"DESCRIPTION:{ics_text(chr(10).join(detail for detail in details if detail))}",
        f"URL:{link}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def plan_ics(
    *,
    rows: list[dict],
    assessment_title: str,
    language: str,
    now: datetime.datetime,
    host: str,
    plan_url: str,
) -> str:
    """The plan as an iCalendar file: one all-day event per initiative with a due date that is
    neither done nor dropped. `now` (aware) stamps the events; `host` makes their UIDs unique;
    `plan_url` is the action-plan page each event links to. Lines folded, CRLF-terminated."""
    stamp = now.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    with translation.override(language):
        name = " — ".join((_("Action plan"), assessment_title))
        lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            f"PRODID:{PRODID}",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            f"X-WR-CALNAME:{ics_text(name)}",
        ]
        for row in rows:
            if row["due_on"] is not None and row["status"] not in CLOSED_STATUSES:
                lines += _event(row=row, language=language, stamp=stamp, host=host, plan_url=plan_url)
    lines.append("END:VCALENDAR")
    return "".join(f"{ics_fold(line)}\r\n" for line in lines)
