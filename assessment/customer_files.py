"""The client's customer files: read (CSV in UTF-8 or Windows-1251 with comma or semicolon,
or XLSX), validated with every problem named by file, row and column, and typed.

Pure over bytes: no ORM; messages are translated in the active language. Rows are numbered
as a spreadsheet shows them (header = row 1).
"""

import io
from dataclasses import dataclass

import pandas as pd
from django.utils.translation import gettext as _

from assessment.spreadsheets import UnreadableTable, spreadsheet_read

KINDS = ("customers", "survey", "mystery_shopping")
COLUMNS = {
    "customers": ("client_id", "segment", "product_count", "opened_on", "closed_on", "last_activity_on"),
    "survey": ("client_id", "instrument", "item", "dimension", "value"),
    "mystery_shopping": ("visit_id", "branch", "visited_on", "standard", "result"),
}
OPTIONAL = {"customers": ("annual_margin",), "survey": (), "mystery_shopping": ()}
TEMPLATE_ROWS = {
    "customers": [
        ("C-0001", "mass", "3", "2021-04-12", "", "2026-09-28", "180.50"),
        ("C-0002", "premium", "5", "2019-11-02", "2026-03-15", "2026-03-10", "1250"),
    ],
    "survey": [
        ("C-0001", "nps", "recommend", "", "9"),
        ("C-0001", "csi", "branch_service", "", "4"),
        ("C-0001", "servqual_expectation", "R1", "reliability", "5"),
        ("C-0001", "servqual_perception", "R1", "reliability", "4"),
    ],
    "mystery_shopping": [
        ("V-001", "Almaty Central", "2026-08-14", "greeting_within_30s", "yes"),
        ("V-001", "Almaty Central", "2026-08-14", "offers_next_product", "n/a"),
    ],
}
INSTRUMENT_RANGES = {
    "nps": (0, 10),
    "csi": (1, 5),
    "servqual_expectation": (1, 5),
    "servqual_perception": (1, 5),
}
SERVQUAL_DIMENSIONS = ("reliability", "responsiveness", "assurance", "empathy", "tangibles")
RESULTS = ("yes", "no", "n/a")
MAX_LISTED_ERRORS = 500


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict:
        return {"file": self.file, "row": self.row, "column": self.column, "message": self.message}


class CustomerFilesInvalid(ValueError):
    """Every problem found, in file and row order; nothing was stored."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) in the customer files")
        self.problems = problems

    def as_detail(self) -> dict:
        listed = self.problems[:MAX_LISTED_ERRORS]
        return {
            "errors": [problem.as_dict() for problem in listed],
            "error_count": len(self.problems),
        }


def template_csv(kind: str) -> str:
    header = COLUMNS[kind] + OPTIONAL[kind]
    lines = [",".join(header), *(",".join(row) for row in TEMPLATE_ROWS[kind])]
    return "\n".join(lines) + "\n"


def table_read(raw: bytes, kind: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """All cells as stripped strings in the file's columns, or why it cannot be used."""
    try:
        frame = spreadsheet_read(raw)
    except UnreadableTable as error:
        return None, [Problem(kind, None, None, _("The file cannot be read: %(error)s") % {"error": error})]
    missing = [column for column in COLUMNS[kind] if column not in frame.columns]
    if missing:
        return None, [Problem(kind, 1, column, _("Missing column.")) for column in missing]
    return frame.reindex(columns=list(COLUMNS[kind] + OPTIONAL[kind]), fill_value=""), []


def _problems(kind: str, frame: pd.DataFrame, mask: pd.Series, column: str, message: str) -> list[Problem]:
    rows = frame.index[mask.to_numpy()] + 2  # header is row 1
    return [Problem(kind, int(row), column, message) for row in rows[: MAX_LISTED_ERRORS + 1]]


def _dates(kind, frame, column, *, required: bool) -> tuple[pd.Series, list[Problem]]:
    text = frame[column]
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    dotted = pd.to_datetime(text, format="%d.%m.%Y", errors="coerce")
    parsed = iso.fillna(dotted)
    bad = (text != "") & parsed.isna()
    problems = _problems(kind, frame, bad, column, _("Not a date (use YYYY-MM-DD or DD.MM.YYYY)."))
    if required:
        problems += _problems(kind, frame, text == "", column, _("Required."))
    return parsed.astype("datetime64[ns]"), problems


def _numbers(kind, frame, column, *, decimal_comma: bool = True) -> tuple[pd.Series, pd.Series]:
    text = frame[column].str.replace(" ", "", regex=False)
    if decimal_comma:
        text = text.str.replace(",", ".", regex=False)
    values = pd.to_numeric(text, errors="coerce")
    return values.astype("float64"), (frame[column] != "") & values.isna()


def customers_validate(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    kind = "customers"
    problems = _problems(kind, frame, frame["client_id"] == "", "client_id", _("Required."))
    duplicated = frame["client_id"].duplicated(keep=False) & (frame["client_id"] != "")
    problems += _problems(kind, frame, duplicated, "client_id", _("Duplicate client id."))
    problems += _problems(kind, frame, frame["segment"] == "", "segment", _("Required."))
    products, bad_products = _numbers(kind, frame, "product_count", decimal_comma=False)
    bad_products |= (frame["product_count"] == "") | (products < 0) | (products % 1 != 0)
    problems += _problems(
        kind, frame, bad_products, "product_count", _("A whole number of 0 or more is required.")
    )
    opened, found = _dates(kind, frame, "opened_on", required=True)
    problems += found
    closed, found = _dates(kind, frame, "closed_on", required=False)
    problems += found
    problems += _problems(
        kind, frame, (closed < opened).fillna(False), "closed_on", _("Closed before it was opened.")
    )
    activity, found = _dates(kind, frame, "last_activity_on", required=False)
    problems += found
    margin, bad_margin = _numbers(kind, frame, "annual_margin")
    problems += _problems(kind, frame, bad_margin, "annual_margin", _("Not a number."))
    typed = pd.DataFrame(
        {
            "client_id": frame["client_id"].astype("string"),
            "segment": frame["segment"].astype("string"),
            "product_count": products.fillna(0).astype("int64"),
            "opened_on": opened,
            "closed_on": closed,
            "last_activity_on": activity,
            "annual_margin": margin,
        }
    )
    return typed, problems


def survey_validate(frame: pd.DataFrame, client_ids: pd.Series | None) -> tuple[pd.DataFrame, list[Problem]]:
    kind = "survey"
    # Few distinct values: categories make the lookups below per category, not per row.
    instrument = frame["instrument"].astype("category").map(str.lower)
    dimension = frame["dimension"].astype("category").map(str.lower)
    problems = _problems(kind, frame, frame["client_id"] == "", "client_id", _("Required."))
    if client_ids is not None:
        # A hash lookup: Series.isin against a large Arrow string column is slow.
        position = pd.Index(client_ids.drop_duplicates()).get_indexer(frame["client_id"])
        unknown = (frame["client_id"] != "") & (position < 0)
        problems += _problems(kind, frame, unknown, "client_id", _("No such client in the customers file."))
    known_instrument = instrument.isin(list(INSTRUMENT_RANGES))
    problems += _problems(
        kind,
        frame,
        ~known_instrument,
        "instrument",
        _("Unknown instrument (use %(names)s).") % {"names": ", ".join(INSTRUMENT_RANGES)},
    )
    problems += _problems(kind, frame, frame["item"] == "", "item", _("Required."))
    servqual = instrument.isin(["servqual_expectation", "servqual_perception"])
    problems += _problems(
        kind,
        frame,
        servqual & ~dimension.isin(SERVQUAL_DIMENSIONS),
        "dimension",
        _("Unknown dimension (use %(names)s).") % {"names": ", ".join(SERVQUAL_DIMENSIONS)},
    )
    value, bad_value = _numbers(kind, frame, "value")
    low = instrument.map({name: bounds[0] for name, bounds in INSTRUMENT_RANGES.items()}).astype("float64")
    high = instrument.map({name: bounds[1] for name, bounds in INSTRUMENT_RANGES.items()}).astype("float64")
    out_of_range = known_instrument & ((frame["value"] == "") | bad_value | (value < low) | (value > high))
    problems += _problems(
        kind, frame, out_of_range, "value", _("Out of range for the instrument (nps 0–10, others 1–5).")
    )
    typed = pd.DataFrame(
        {
            "client_id": frame["client_id"].astype("string"),
            "instrument": instrument.astype("string"),
            "item": frame["item"].astype("string"),
            "dimension": dimension.astype("string").where(servqual, ""),
            "value": value,
        }
    )
    return typed, problems


def mystery_validate(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    kind = "mystery_shopping"
    result = frame["result"].str.lower().replace({"na": "n/a", "n.a.": "n/a"})
    problems = []
    for column in ("visit_id", "branch", "standard"):
        problems += _problems(kind, frame, frame[column] == "", column, _("Required."))
    problems += _problems(kind, frame, ~result.isin(RESULTS), "result", _("Use yes, no or n/a."))
    visited, found = _dates(kind, frame, "visited_on", required=True)
    problems += found
    typed = pd.DataFrame(
        {
            "visit_id": frame["visit_id"].astype("string"),
            "branch": frame["branch"].astype("string"),
            "visited_on": visited,
            "standard": frame["standard"].astype("string"),
            "result": result.astype("string"),
        }
    )
    return typed, problems


def customer_files_parse(
    files: dict[str, bytes], *, stored_client_ids: pd.Series | None
) -> dict[str, pd.DataFrame]:
    """Typed frames for the uploaded kinds, or CustomerFilesInvalid listing every problem.
    Survey rows must name clients of the uploaded customers file, or of the stored one."""
    tables: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for kind in KINDS:
        if kind in files:
            table, found = table_read(files[kind], kind)
            problems += found
            if table is not None:
                tables[kind] = table
    typed: dict[str, pd.DataFrame] = {}
    if "customers" in tables:
        typed["customers"], found = customers_validate(tables["customers"].reset_index(drop=True))
        problems += found
    if "survey" in tables:
        client_ids = typed["customers"]["client_id"] if "customers" in typed else stored_client_ids
        if client_ids is None and "customers" not in files:
            problems.append(
                Problem("survey", None, None, _("Upload the customers file first (or together)."))
            )
        typed["survey"], found = survey_validate(tables["survey"].reset_index(drop=True), client_ids)
        problems += found
    if "mystery_shopping" in tables:
        typed["mystery_shopping"], found = mystery_validate(tables["mystery_shopping"].reset_index(drop=True))
        problems += found
    if problems:
        order = {kind: position for position, kind in enumerate(KINDS)}
        problems.sort(key=lambda p: (order[p.file], p.row or 0, p.column or ""))
        raise CustomerFilesInvalid(problems)
    return typed


def frame_to_parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow", index=False)
    return buffer.getvalue()


def frame_from_parquet(raw: bytes) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(raw), engine="pyarrow")
