"""Hostile customer files through POST /customer-data/: random bytes, wrong encodings, a huge
cell, formulas, a million empty rows. Each refused file is a clear 400 listing its problems by
file, row and column, and the data stored before stay exactly as they were."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.models import CustomerDataImport, CustomerDataset
from tests.assessment.test_customer_data import CUSTOMERS

HEADER = "client_id,segment,product_count,opened_on,closed_on,last_activity_on\n"
FUZZ = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _post(api, audit, raw: bytes, *, query: str = ""):
    return api.post(
        f"/api/v1/assessments/{audit.pk}/customer-data/{query}",
        {"customers": SimpleUploadedFile("customers.csv", raw, content_type="text/csv")},
        format="multipart",
    )


@pytest.fixture(autouse=True)
def _inline(settings):
    # Checked while the request runs; the background import runs the same checks (see below).
    settings.CUSTOMER_DATA_INLINE_MAX_BYTES = 100 * 1024 * 1024


@pytest.fixture
def stored(consultant_api, audit):
    """The customers file accepted earlier; every refused upload must leave it as it is."""
    assert _post(consultant_api, audit, CUSTOMERS.encode()).status_code == 201
    dataset = CustomerDataset.objects.get(assessment=audit)
    return dataset.files, dataset.metrics


def _unchanged(audit, stored) -> None:
    dataset = CustomerDataset.objects.get(assessment=audit)
    assert (dataset.files, dataset.metrics) == stored


def _refused(response, audit, stored) -> list[dict]:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    body = response.json()
    if "customers" in body:  # an empty upload: the form field's own message
        assert body == {"customers": ["The submitted file is empty."]}
        problems = []
    else:
        problems = body["errors"]
        assert body["error_count"] >= len(problems) >= 1
        assert all(problem["file"] == "customers" and problem["message"] for problem in problems)
    _unchanged(audit, stored)
    return problems


@FUZZ
@given(raw=st.binary(max_size=2000))
def test_random_bytes_are_refused(consultant_api, audit, stored, raw):
    _refused(_post(consultant_api, audit, raw), audit, stored)


@FUZZ
@given(raw=st.binary(max_size=500))
def test_random_bytes_after_a_valid_header_are_refused(consultant_api, audit, stored, raw):
    _refused(_post(consultant_api, audit, HEADER.encode() + raw), audit, stored)


def test_utf16_is_refused_with_what_to_do(consultant_api, audit, stored):
    problems = _refused(_post(consultant_api, audit, CUSTOMERS.encode("utf-16")), audit, stored)
    assert problems == [
        {
            "file": "customers",
            "row": None,
            "column": None,
            "message": "The file cannot be read: it is UTF-16 text; save it as CSV in UTF-8",
        }
    ]


def test_latin1_garbage_is_refused_as_unreadable(consultant_api, audit, stored):
    raw = HEADER.encode() + "Ç1,mäss,ß,2020-13-45,,ÿÿÿ\n".encode("latin-1") + bytes(range(128, 256))
    [problem] = _refused(_post(consultant_api, audit, raw), audit, stored)
    assert (problem["row"], problem["column"]) == (None, None)
    assert problem["message"].startswith("The file cannot be read:")


@pytest.mark.parametrize("column", ["client_id", "segment", "product_count", "opened_on"])
def test_a_10_mb_cell_is_refused_in_its_row_and_column(consultant_api, audit, stored, column):
    row = dict(
        zip(HEADER.strip().split(","), ["C9", "mass", "2", "2020-01-10", "", "2026-01-01"], strict=True)
    )
    row[column] = "x" * 10_000_000
    raw = (HEADER + ",".join(row.values()) + "\n").encode()

    problems = _refused(_post(consultant_api, audit, raw), audit, stored)

    assert {
        "file": "customers",
        "row": 2,
        "column": column,
        "message": "Too long: at most 1000 characters.",
    } in (problems)


def test_a_10_mb_cell_in_a_background_import_fails_the_import(
    consultant_api, audit, stored, django_capture_on_commit_callbacks
):
    raw = (HEADER + "C9," + "x" * 10_000_000 + ",2,2020-01-10,,\n").encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(consultant_api, audit, raw, query="?background=1")

    assert response.status_code == 202
    job = CustomerDataImport.objects.get(pk=response.json()["id"])
    assert job.status == "failed"
    assert job.problems["errors"] == [
        {"file": "customers", "row": 2, "column": "segment", "message": "Too long: at most 1000 characters."}
    ]
    _unchanged(audit, stored)


@pytest.mark.parametrize(
    "text",
    [
        HEADER + "\n" * 1_000_000,
        HEADER + ",,,,,\n" * 1_000_000,
        HEADER.replace(",", ";") + ";;;;;\r\n" * 1_000_000,
    ],
    ids=["empty lines", "commas", "semicolons"],
)
def test_a_million_empty_rows_are_no_data(consultant_api, audit, stored, text):
    problems = _refused(_post(consultant_api, audit, text.encode()), audit, stored)
    assert problems == [
        {"file": "customers", "row": None, "column": None, "message": "The file has no data rows."}
    ]


def test_formulas_in_number_and_date_cells_are_refused(consultant_api, audit, stored):
    raw = (HEADER + "C9,mass,=SUM(A1:A9),=TODAY(),,@now\n").encode()
    problems = _refused(_post(consultant_api, audit, raw), audit, stored)
    assert {(problem["row"], problem["column"]) for problem in problems} == {
        (2, "product_count"),
        (2, "opened_on"),
        (2, "last_activity_on"),
    }


def test_formulas_in_text_cells_stay_text_and_are_defused_on_export(consultant_api, audit):
    # Ids and segment names are the bank's own text (an id may well start with "-" or "+"):
    # they are stored as written, and every export quotes what a spreadsheet would run.
    raw = (HEADER + '=HYPERLINK("http://evil.example"),@SUM(1),2,2020-01-10,,2026-06-01\n').encode()
    assert _post(consultant_api, audit, raw).status_code == 201

    export = consultant_api.get(f"/api/v1/assessments/{audit.pk}/customers/?export=csv")

    [row] = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert (row["client_id"], row["segment"]) == ('\'=HYPERLINK("http://evil.example")', "'@SUM(1)")
