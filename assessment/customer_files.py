"""The client's customer files: read (CSV in UTF-8 or Windows-1251 with comma or semicolon,
or XLSX), validated with every problem named by file, row and column, and typed.

Pure over bytes: no ORM; messages are translated in the active language. Rows are numbered
as a spreadsheet shows them (header = row 1).
"""

import csv
import io
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from django.utils.translation import gettext as _

from assessment.spreadsheets import XLSX_MAGIC, UnreadableTable, spreadsheet_read

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


_BOM = b"\xef\xbb\xbf"
_SERVQUAL = ("servqual_expectation", "servqual_perception")
# pandas' datetime64[ns] range, in seconds.
_NS_MIN = int(pd.Timestamp.min.ceil("s").timestamp())
_NS_MAX = int(pd.Timestamp.max.floor("s").timestamp())


def _csv_fast_read(raw: bytes) -> pa.Table | None:
    """A UTF-8 CSV as a table of raw string cells (headers as written), read in C; None when
    the file needs the general reader (other encodings, ragged or duplicate columns, …)."""
    if raw.startswith(XLSX_MAGIC):
        return None
    offset = len(_BOM) if raw.startswith(_BOM) else 0
    buffer = pa.py_buffer(raw).slice(offset)
    end = raw.find(b"\n", offset)
    first = raw[offset : end if end >= 0 else len(raw)]
    try:
        first_line = first.decode("utf-8")
    except UnicodeDecodeError:
        return None
    separator = ";" if first_line.count(";") > first_line.count(",") else ","
    names = next(csv.reader([first_line.rstrip("\r")], delimiter=separator), [])
    if not names or len(set(names)) != len(names):
        return None
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(buffer),
            read_options=pa_csv.ReadOptions(use_threads=True),
            parse_options=pa_csv.ParseOptions(delimiter=separator, newlines_in_values=b'"' in raw),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in names}, strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, ValueError, OSError):
        return None
    if table.column_names != names or any(field.type != pa.string() for field in table.schema):
        return None
    return table


def _stripped(table: pa.Table) -> pa.Table | None:
    """Cells stripped, headers stripped and lower-cased, blank rows dropped (as spreadsheet_read
    does); None when the headers collide once normalised."""
    columns = [str(name).strip().lower() for name in table.column_names]
    if len(set(columns)) != len(columns):
        return None
    cells = [pc.utf8_trim_whitespace(table.column(index)) for index in range(table.num_columns)]
    filled = None
    for column in cells:
        present = pc.greater(pc.binary_length(column), 0)
        filled = present if filled is None else pc.or_(filled, present)
    table = pa.table(cells, names=columns)
    if filled is not None and not pc.all(filled).as_py():
        table = table.filter(filled)
    return table.combine_chunks()


def _table_of(frame: pd.DataFrame) -> pa.Table:
    return pa.table({column: pa.array(frame[column].tolist(), pa.string()) for column in frame.columns})


def table_read(raw: bytes, kind: str) -> tuple[pa.Table | None, list[Problem]]:
    """All cells as stripped strings in the file's columns, or why it cannot be used."""
    table = _csv_fast_read(raw)
    if table is not None:
        table = _stripped(table)
    if table is None:
        try:
            frame = spreadsheet_read(raw)
        except UnreadableTable as error:
            return None, [
                Problem(kind, None, None, _("The file cannot be read: %(error)s") % {"error": error})
            ]
        table = _table_of(frame)
    missing = [column for column in COLUMNS[kind] if column not in table.column_names]
    if missing:
        return None, [Problem(kind, 1, column, _("Missing column.")) for column in missing]
    wanted = COLUMNS[kind] + OPTIONAL[kind]
    blank = pa.repeat(pa.scalar("", pa.string()), table.num_rows)
    return pa.table(
        [table.column(name) if name in table.column_names else blank for name in wanted], names=list(wanted)
    ).combine_chunks(), []


def _problems(kind: str, mask, column: str, message: str) -> list[Problem]:
    rows = np.flatnonzero(_flags(mask))[: MAX_LISTED_ERRORS + 1] + 2  # header is row 1
    return [Problem(kind, int(row), column, message) for row in rows]


def _flags(mask) -> np.ndarray:
    """A boolean NumPy mask of an Arrow or pandas one (null = False)."""
    if isinstance(mask, (pa.Array, pa.ChunkedArray)):
        mask = pc.fill_null(mask, False)
        if isinstance(mask, pa.ChunkedArray):
            mask = mask.combine_chunks()
        return mask.to_numpy(zero_copy_only=False)
    if isinstance(mask, pd.Series):
        return mask.fillna(False).to_numpy(dtype=bool)
    return np.asarray(mask, dtype=bool)


def _empty(text) -> np.ndarray:
    return _flags(pc.equal(pc.binary_length(text), 0))


def _strings(text) -> pd.Series:
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([text])), copy=False)


def _parse_dates(text: pa.Array, format: str) -> np.ndarray:
    """Seconds since the epoch (int64), or the minimum int64 where `text` is no date of `format`."""
    seconds = pc.strptime(text, format=format, unit="s", error_is_null=True)
    valid = _flags(pc.is_valid(seconds))
    if not valid.any():
        return np.full(len(text), np.iinfo(np.int64).min)
    # strptime takes 30 February for 2 March: recheck the rows that could have rolled over.
    suspicious = _flags(pc.less_equal(pc.day(seconds), 3))
    if suspicious.any():
        rows = np.flatnonzero(suspicious)
        strict = pd.to_datetime(
            pd.Series(text.take(pa.array(rows)).to_pylist(), dtype=object), format=format, errors="coerce"
        )
        valid[rows[strict.isna().to_numpy()]] = False
    values = pc.fill_null(seconds.cast(pa.int64()), 0).to_numpy(zero_copy_only=False).copy()
    valid &= (values >= _NS_MIN) & (values <= _NS_MAX)
    values[~valid] = np.iinfo(np.int64).min
    return values


def _dates(kind, frame, column, *, required: bool) -> tuple[pd.Series, list[Problem]]:
    text = frame.column(column).combine_chunks()
    empty = _empty(text)
    iso = _parse_dates(text, "%Y-%m-%d")
    dotted = _parse_dates(text, "%d.%m.%Y")
    nat = np.iinfo(np.int64).min
    seconds = np.where(iso != nat, iso, dotted)
    missing = seconds == nat
    problems = _problems(kind, ~empty & missing, column, _("Not a date (use YYYY-MM-DD or DD.MM.YYYY)."))
    if required:
        problems += _problems(kind, empty, column, _("Required."))
    nanoseconds = seconds * 1_000_000_000
    nanoseconds[missing] = nat
    return pd.Series(nanoseconds.view("datetime64[ns]")), problems


def _numbers(kind, frame, column, *, decimal_comma: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Values (NaN where empty or not a number) and the mask of non-empty cells that are not
    numbers, as pandas.to_numeric reads them after dropping spaces (and commas → points)."""
    raw = frame.column(column).combine_chunks()
    empty = _empty(raw)
    text = raw
    if pc.any(pc.match_substring(text, " ")).as_py():
        text = pc.replace_substring(text, " ", "")
    if decimal_comma and pc.any(pc.match_substring(text, ",")).as_py():
        text = pc.replace_substring(text, ",", ".")
    text = pc.if_else(pa.array(empty), pa.scalar(None, pa.string()), text)
    try:
        values = pc.cast(text, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        numeric = pc.fill_null(
            pc.match_substring_regex(text, r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"), False
        )
        values = pc.cast(pc.if_else(numeric, text, pa.scalar(None, pa.string())), pa.float64())
    numbers = pc.fill_null(values, np.nan).to_numpy(zero_copy_only=False).astype("float64", copy=True)
    return numbers, ~empty & np.isnan(numbers)


def customers_validate(frame: pa.Table) -> tuple[pd.DataFrame, list[Problem]]:
    kind = "customers"
    client_id = frame.column("client_id").combine_chunks()
    empty_id = _empty(client_id)
    problems = _problems(kind, empty_id, "client_id", _("Required."))
    codes = pc.dictionary_encode(client_id).indices.to_numpy(zero_copy_only=False)
    duplicated = (np.bincount(codes)[codes] > 1) & ~empty_id if len(codes) else empty_id
    problems += _problems(kind, duplicated, "client_id", _("Duplicate client id."))
    problems += _problems(kind, _empty(frame.column("segment")), "segment", _("Required."))
    products, bad_products = _numbers(kind, frame, "product_count", decimal_comma=False)
    with np.errstate(invalid="ignore"):
        bad_products |= _empty(frame.column("product_count")) | (products < 0) | (products % 1 != 0)
    problems += _problems(kind, bad_products, "product_count", _("A whole number of 0 or more is required."))
    opened, found = _dates(kind, frame, "opened_on", required=True)
    problems += found
    closed, found = _dates(kind, frame, "closed_on", required=False)
    problems += found
    problems += _problems(kind, (closed < opened).to_numpy(), "closed_on", _("Closed before it was opened."))
    activity, found = _dates(kind, frame, "last_activity_on", required=False)
    problems += found
    margin, bad_margin = _numbers(kind, frame, "annual_margin")
    problems += _problems(kind, bad_margin, "annual_margin", _("Not a number."))
    typed = pd.DataFrame(
        {
            "client_id": _strings(client_id),
            "segment": _strings(frame.column("segment")),
            "product_count": np.nan_to_num(products, nan=0.0).astype("int64"),
            "opened_on": opened,
            "closed_on": closed,
            "last_activity_on": activity,
            "annual_margin": margin,
        }
    )
    return typed, problems


def _lowered(text) -> tuple[pa.DictionaryArray, np.ndarray, list[str]]:
    """Dictionary codes of the lower-cased values, and the distinct lower-cased values (few)."""
    encoded = pc.dictionary_encode(text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text)
    names = [str(value).lower() for value in encoded.dictionary.to_pylist()]
    return encoded, encoded.indices.to_numpy(zero_copy_only=False), names


def _client_id_values(client_ids) -> pa.Array:
    if isinstance(client_ids, pd.Series):
        values = client_ids.array
        if hasattr(values, "_pa_array"):
            chunked = values._pa_array
        else:
            chunked = pa.chunked_array(
                [pa.array(client_ids.astype(object).where(client_ids.notna(), None).tolist(), pa.string())]
            )
    else:
        chunked = pa.chunked_array([pa.array(list(client_ids), pa.string())])
    return pc.cast(chunked.combine_chunks(), pa.string())


def _known(values: pa.Array, value_set: pa.Array) -> np.ndarray:
    """Whether each value is in the set: a hash lookup in Arrow, split over the processors (it
    releases the GIL)."""
    parts = max(1, min(os.cpu_count() or 1, 4, len(values) // 500_000))
    step = -(-len(values) // parts)

    def lookup(start: int) -> np.ndarray:
        return _flags(pc.is_in(values.slice(start, step), value_set=value_set))

    if parts == 1:
        return lookup(0)
    with ThreadPoolExecutor(parts) as pool:
        return np.concatenate(list(pool.map(lookup, range(0, len(values), step))))


def survey_validate(frame: pa.Table, client_ids: pd.Series | None) -> tuple[pd.DataFrame, list[Problem]]:
    kind = "survey"
    # Few distinct values: the checks below run per distinct value, not per row.
    instrument_codes, instrument_rows, instruments = _lowered(frame.column("instrument"))
    dimension_codes, dimension_rows, dimensions = _lowered(frame.column("dimension"))
    client_id = frame.column("client_id").combine_chunks()
    empty_id = _empty(client_id)
    problems = _problems(kind, empty_id, "client_id", _("Required."))
    if client_ids is not None:
        known_id = _known(client_id, _client_id_values(client_ids))
        problems += _problems(
            kind, ~empty_id & ~known_id, "client_id", _("No such client in the customers file.")
        )
    known_instrument = np.array([name in INSTRUMENT_RANGES for name in instruments], dtype=bool)[
        instrument_rows
    ]
    problems += _problems(
        kind,
        ~known_instrument,
        "instrument",
        _("Unknown instrument (use %(names)s).") % {"names": ", ".join(INSTRUMENT_RANGES)},
    )
    problems += _problems(kind, _empty(frame.column("item")), "item", _("Required."))
    servqual = np.array([name in _SERVQUAL for name in instruments], dtype=bool)[instrument_rows]
    known_dimension = np.array([name in SERVQUAL_DIMENSIONS for name in dimensions], dtype=bool)[
        dimension_rows
    ]
    problems += _problems(
        kind,
        servqual & ~known_dimension,
        "dimension",
        _("Unknown dimension (use %(names)s).") % {"names": ", ".join(SERVQUAL_DIMENSIONS)},
    )
    value, bad_value = _numbers(kind, frame, "value")
    bounds = [INSTRUMENT_RANGES.get(name, (np.nan, np.nan)) for name in instruments]
    low = np.array([bound[0] for bound in bounds], dtype="float64")[instrument_rows]
    high = np.array([bound[1] for bound in bounds], dtype="float64")[instrument_rows]
    with np.errstate(invalid="ignore"):
        out_of_range = known_instrument & (
            _empty(frame.column("value")) | bad_value | (value < low) | (value > high)
        )
    problems += _problems(
        kind, out_of_range, "value", _("Out of range for the instrument (nps 0–10, others 1–5).")
    )
    lowered_instrument = pa.DictionaryArray.from_arrays(
        instrument_codes.indices, pa.array(instruments, pa.string())
    )
    lowered_dimension = pa.DictionaryArray.from_arrays(
        dimension_codes.indices, pa.array(dimensions, pa.string())
    )
    dimension = pc.if_else(
        pa.array(servqual), lowered_dimension.cast(pa.string()), pa.scalar("", pa.string())
    )
    typed = pd.DataFrame(
        {
            "client_id": _strings(client_id),
            "instrument": _strings(lowered_instrument.cast(pa.string())),
            "item": _strings(frame.column("item")),
            "dimension": _strings(dimension),
            "value": value,
        }
    )
    return typed, problems


def mystery_validate(table: pa.Table) -> tuple[pd.DataFrame, list[Problem]]:
    kind = "mystery_shopping"
    frame = pd.DataFrame({name: _strings(table.column(name)) for name in table.column_names})
    result = frame["result"].str.lower().replace({"na": "n/a", "n.a.": "n/a"})
    problems = []
    for column in ("visit_id", "branch", "standard"):
        problems += _problems(kind, frame[column] == "", column, _("Required."))
    problems += _problems(kind, ~result.isin(RESULTS), "result", _("Use yes, no or n/a."))
    visited, found = _dates(kind, table, "visited_on", required=True)
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
        typed["customers"], found = customers_validate(tables["customers"])
        problems += found
    if "survey" in tables:
        client_ids = typed["customers"]["client_id"] if "customers" in typed else stored_client_ids
        if client_ids is None and "customers" not in files:
            problems.append(
                Problem("survey", None, None, _("Upload the customers file first (or together)."))
            )
        typed["survey"], found = survey_validate(tables["survey"], client_ids)
        problems += found
    if "mystery_shopping" in tables:
        typed["mystery_shopping"], found = mystery_validate(tables["mystery_shopping"])
        problems += found
    if problems:
        order = {kind: position for position, kind in enumerate(KINDS)}
        problems.sort(key=lambda p: (order[p.file], p.row or 0, p.column or ""))
        raise CustomerFilesInvalid(problems)
    return typed


def frame_to_parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow", index=False, write_statistics=False)  # read whole only
    return buffer.getvalue()


def frame_from_parquet(raw: bytes) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(raw), engine="pyarrow")
