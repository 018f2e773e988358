"""Upload bombs (tests/hostile_files.py) are refused as they are read: a 400 naming the problem,
quickly, through spreadsheet_read and every upload endpoint; a request body over its limit is a
413 before a byte of it is read. Normal files read as they always did.

The time asserted is generous (a shared test machine); bench/upload_bombs.py measures the
targets: 2 s and 300 MB above an idle process per file."""

import io
import json
import struct
import time
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from assessment.models import CustomerDataset, Status
from config.spreadsheets import UnreadableTable, spreadsheet_read
from surveys.models import Invitation
from tests.factories import AssessmentFactory, OrganizationFactory, consultant_of
from tests.hostile_files import HOSTILE, SAYS, SAYS_OF_A_LIST, SHEET, xlsx_with_sheet

SECONDS = 5  # the benchmark's target is 2 s
READ = "The file cannot be read: "


@pytest.fixture(scope="module")
def hostile() -> dict[str, bytes]:
    return {name: build() for name, build in HOSTILE.items()}


@pytest.fixture
def audit(catalog, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return AssessmentFactory(organization=OrganizationFactory(name="Data Bank"), status=Status.COLLECTING)


@pytest.fixture
def consultant_api(api, audit):
    api.force_authenticate(consultant_of(audit.organization))
    return api


def _timed(call):
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


@pytest.mark.parametrize("name", HOSTILE)
def test_the_reader_refuses_each_bomb_quickly(hostile, name):
    start = time.perf_counter()
    with pytest.raises(UnreadableTable) as refused:
        spreadsheet_read(hostile[name])

    assert time.perf_counter() - start < SECONDS
    assert str(refused.value) == SAYS[name]


@pytest.mark.parametrize("name", HOSTILE)
def test_the_reader_refuses_each_bomb_under_a_row_limit_too(hostile, name):
    with pytest.raises(UnreadableTable) as refused:
        spreadsheet_read(hostile[name], max_rows=20_000)

    assert str(refused.value) == SAYS_OF_A_LIST[name]


@pytest.mark.django_db
@pytest.mark.parametrize("name", HOSTILE)
def test_customer_data_upload_refuses_each_bomb_with_400(consultant_api, audit, hostile, name):
    upload = SimpleUploadedFile("customers.xlsx", hostile[name], content_type="text/csv")

    response, seconds = _timed(
        lambda: consultant_api.post(
            f"/api/v1/assessments/{audit.pk}/customer-data/", {"customers": upload}, format="multipart"
        )
    )

    assert response.status_code == 400, response.content[:300]
    assert response.json()["errors"] == [
        {"file": "customers", "row": None, "column": None, "message": READ + SAYS[name]}
    ]
    assert seconds < SECONDS
    assert not CustomerDataset.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", HOSTILE)
def test_respondent_list_upload_refuses_each_bomb_with_400(consultant_api, audit, hostile, name):
    upload = SimpleUploadedFile("people.xlsx", hostile[name], content_type="text/csv")

    response, seconds = _timed(
        lambda: consultant_api.post(
            f"/api/v1/assessments/{audit.pk}/invitations/", {"file": upload}, format="multipart"
        )
    )

    assert response.status_code == 400, response.content[:300]
    assert response.json() == {"file": [READ + SAYS_OF_A_LIST[name]]}
    assert seconds < SECONDS
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_the_workspace_respondents_page_names_the_problem_on_the_file_field(audit, hostile):
    client = Client()
    client.force_login(consultant_of(audit.organization))
    upload = SimpleUploadedFile("people.xlsx", hostile["external_entity"])

    response = client.post(f"/assessments/{audit.pk}/respondents/", {"action": "upload", "file": upload})

    assert response.status_code == 400
    page = response.content.decode()
    error = page[page.index('id="upload_file_error"') :][:500]
    assert READ + "the workbook declares an XML document type (DTD)" in error
    assert not Invitation.objects.exists()


# Normal files, and the limits' edges.


def _xlsx(*rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    saved = io.BytesIO()
    workbook.save(saved)
    return saved.getvalue()


def test_a_normal_workbook_reads_as_pandas_read_it():
    raw = _xlsx(
        [],
        ["Email", " Name ", None, "Value"],
        ["a@bank.kz", "  Aida ", None, 3],
        [None, None, None, None],
        ["b@bank.kz", "NA", "x", 180.5],  # text, as in a CSV (pandas' read_excel had emptied it)
        ["c@bank.kz", "#N/A", None, 1.0],  # openpyxl writes "#N/A" as an error, which reads as empty
    )

    frame = spreadsheet_read(raw)

    assert list(frame.columns) == ["email", "name", "unnamed: 2", "value"]
    assert frame.to_dict("records") == [
        {"email": "a@bank.kz", "name": "Aida", "unnamed: 2": "", "value": "3"},
        {"email": "b@bank.kz", "name": "NA", "unnamed: 2": "x", "value": "180.5"},
        {"email": "c@bank.kz", "name": "", "unnamed: 2": "", "value": "1"},
    ]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_rows_up_to_the_limit_are_read_and_one_more_is_refused(file_format):
    def table(rows: int) -> bytes:
        lines = [["email", "role"], *([f"p{index}@bank.kz", "frontline"] for index in range(rows))]
        return _xlsx(*lines) if file_format == "xlsx" else "\n".join(map(",".join, lines)).encode()

    assert len(spreadsheet_read(table(3), max_rows=3)) == 3
    with pytest.raises(UnreadableTable, match=r"^it has more than 3 rows$"):
        spreadsheet_read(table(4), max_rows=3)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Email;email\nx;y\n", 'the column "email" appears more than once'),
        ("\n\n" + ",".join(f"c{index}" for index in range(201)) + "\n", "it has more than 200 columns"),
        ("a" * 1_100_000 + "\n", "its first line, the column names, is longer than 1,048,576 characters"),
        ("a,b\n" + "x" * 32_768 + ",1\n", 'the cell in row 2, column "a", is longer than 32,767 characters'),
    ],
    ids=["duplicate name", "too many columns", "first line too long", "cell too long"],
)
def test_a_csv_beyond_the_header_or_cell_limits_is_refused(text, says):
    with pytest.raises(UnreadableTable) as refused:
        spreadsheet_read(text.encode())
    assert str(refused.value) == says


def test_blank_column_names_may_repeat():
    frame = spreadsheet_read(b"email;role;;\nx@bank.kz;frontline;;\n")
    assert list(frame.columns) == ["email", "role", "unnamed: 2", "unnamed: 3"]


def test_a_damaged_workbook_is_unreadable_not_an_error():
    raw = bytearray(_xlsx(["email", "role"], ["aida@bank.kz", "frontline"]))
    part = zipfile.ZipFile(io.BytesIO(raw)).getinfo(SHEET)
    name_length, extra_length = struct.unpack_from("<HH", raw, part.header_offset + 26)
    data = part.header_offset + 30 + name_length + extra_length
    raw[data : data + 16] = b"\xff" * 16  # the deflated sheet, garbled

    with pytest.raises(UnreadableTable):
        spreadsheet_read(bytes(raw))


def test_a_workbook_part_in_utf16_is_refused():
    def utf16(sheet):
        sheet.write('<?xml version="1.0" encoding="UTF-16"?><worksheet/>'.encode("utf-16"))

    with pytest.raises(UnreadableTable, match="UTF-16"):
        spreadsheet_read(xlsx_with_sheet(utf16))


# Request bodies.


class _Unread(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer):
        raise AssertionError("the body was read")


def _declared(client, url: str, size: int, content_type: str = "multipart/form-data; boundary=B"):
    return client.generic(
        "POST",
        url,
        b"--B--",
        content_type=content_type,
        CONTENT_LENGTH=str(size),
        **{"wsgi.input": _Unread()},
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "limit", "limit_mb"),
    [
        ("customer-data", 5 * 200 * 1024 * 1024 + 2_621_440, "1,002.5"),  # five files and the form's fields
        ("invitations", 5 * 1024 * 1024 + 2_621_440, "7.5"),
    ],
    ids=["customer data", "respondents"],
)
def test_an_upload_over_its_request_limit_is_413_unread(consultant_api, audit, path, limit, limit_mb):
    response = _declared(consultant_api, f"/api/v1/assessments/{audit.pk}/{path}/", limit + 1)

    assert response.status_code == 413
    assert response.json() == {
        "detail": f"The request is larger than {limit_mb} MB, the most this address accepts."
    }


@pytest.mark.django_db
def test_a_workspace_upload_over_its_limit_is_413_before_the_csrf_check_reads_it(audit):
    client = Client(enforce_csrf_checks=True)
    client.force_login(consultant_of(audit.organization))
    client.cookies["csrftoken"] = "a" * 32  # so that the check would look for the form's token

    response = _declared(client, f"/assessments/{audit.pk}/customer-data/", 1100 * 1024 * 1024)

    assert response.status_code == 413
    assert (
        response.content.decode() == "The request is larger than 1,002.5 MB, the most this address accepts."
    )


@pytest.mark.django_db
def test_any_other_body_over_django_s_limit_is_413_unread(consultant_api):
    response = _declared(consultant_api, "/api/v1/assessments/", 2_621_441, "application/json")

    assert response.status_code == 413
    assert response.json() == {"detail": "The request is larger than 2.5 MB, the most this address accepts."}


@pytest.mark.django_db
def test_json_over_django_s_limit_is_413_where_uploads_may_be_larger(consultant_api, audit):
    url = f"/api/v1/assessments/{audit.pk}/invitations/"
    rows = [{"email": "aida@bank.kz", "role": "frontline", "name": "x" * 2_621_440}]

    response = consultant_api.post(url, json.dumps(rows), content_type="application/json")

    assert response.status_code == 413
    assert response.json() == {"detail": "The request is larger than 2.5 MB, the most this address accepts."}
    assert consultant_api.post(url, rows[:0], format="json").status_code == 201  # a body in bounds is read
