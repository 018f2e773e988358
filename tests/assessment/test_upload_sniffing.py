"""Uploads are judged by their content, never by their name or declared type: an image, a PDF, a
web page, a ZIP archive that is no workbook or a CSV with zero bytes, named .csv or .xlsx, is
refused at once with a message saying what it is, by file, and nothing is stored (not even staged
for a background import). Downloads are attachments the browser may not sniff, and stored files
have no public URL."""

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from assessment.models import CustomerDataImport, CustomerDataset
from reports.models import Report, ReportKind
from tests.assessment.test_customer_data import CUSTOMERS
from tests.factories import consultant_of

pytestmark = pytest.mark.django_db


def zip_of(**members: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name.replace("__", "/"), text)
    return buffer.getvalue()


def xlsx_of(text: str) -> bytes:
    workbook = openpyxl.Workbook()
    for row in text.splitlines():
        workbook.active.append(row.split(","))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


DOCX_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
# Content (and the name it arrives under) → what the uploader is told, after "The file cannot be read: ".
NOT_TABLES = {
    "png": ("customers.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", "but a PNG image"),
    "jpeg": ("customers.xlsx", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "but a JPEG image"),
    "gif": ("customers.csv", b"GIF89a\x01\x00\x01\x00", "but a GIF image"),
    "pdf": ("customers.csv", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "but a PDF document"),
    "html": (
        "customers.csv",
        b"\xef\xbb\xbf\n  <!DOCTYPE html><html><body><script>alert(1)</script></body></html>\n",
        "but an HTML or XML document",
    ),
    "svg": (
        "customers.csv",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "an HTML or XML",
    ),
    "zip": ("customers.xlsx", zip_of(**{"client_id.csv": CUSTOMERS}), "a ZIP archive but not an XLSX"),
    "docx": (
        "customers.xlsx",
        zip_of(**{"[Content_Types].xml": DOCX_TYPES}),
        "a ZIP archive but not an XLSX",
    ),
    "xls": ("customers.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "Excel 97–2003 file (.xls)"),
    "utf-16": ("customers.csv", CUSTOMERS.encode("utf-16"), "UTF-16 text; save it as CSV in UTF-8"),
    "zero byte": ("customers.csv", CUSTOMERS.encode().replace(b"mass", b"ma\x00ss", 1), "binary data"),
}
# Text in neither encoding: told when the rows are read (for a background import, by the job).
UNDECODABLE = CUSTOMERS.encode() + b"C9,\x98\x98,1,2020-01-01,,\n"
UNDECODABLE_PROBLEM = {
    "file": "customers",
    "row": None,
    "column": None,
    "message": "The file cannot be read: the text is neither UTF-8 nor Windows-1251",
}


def _stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def _post(api, audit, name: str, raw: bytes, *, query: str = ""):
    return api.post(
        f"/api/v1/assessments/{audit.pk}/customer-data/{query}",
        # The declared type says a table: only the content may decide.
        {"customers": SimpleUploadedFile(name, raw, content_type="text/csv")},
        format="multipart",
    )


@pytest.mark.parametrize("query", ["", "?background=1"], ids=["inline", "background"])
@pytest.mark.parametrize("sample", NOT_TABLES)
def test_customer_file_that_is_no_table_is_refused_at_once(consultant_api, audit, tmp_path, sample, query):
    name, raw, says = NOT_TABLES[sample]

    response = _post(consultant_api, audit, name, raw, query=query)

    assert response.status_code == 400, response.content[:300]
    [problem] = response.json()["errors"]
    assert (problem["file"], problem["row"], problem["column"]) == ("customers", None, None)
    assert problem["message"].startswith("The file cannot be read: ")
    assert says in problem["message"]
    assert not CustomerDataset.objects.filter(assessment=audit).exists()
    assert not CustomerDataImport.objects.exists()
    assert _stored_files(tmp_path) == []


def test_text_in_neither_encoding_is_refused(consultant_api, audit, tmp_path):
    response = _post(consultant_api, audit, "customers.csv", UNDECODABLE)
    assert response.status_code == 400
    assert response.json() == {"errors": [UNDECODABLE_PROBLEM], "error_count": 1}
    assert _stored_files(tmp_path) == []


def test_text_in_neither_encoding_fails_a_background_import_and_leaves_nothing(
    consultant_api, audit, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(consultant_api, audit, "customers.csv", UNDECODABLE, query="?background=1")

    assert response.status_code == 202
    job = CustomerDataImport.objects.get(pk=response.json()["id"])
    assert (job.status, job.problems["errors"]) == ("failed", [UNDECODABLE_PROBLEM])
    assert not CustomerDataset.objects.filter(assessment=audit).exists()
    assert _stored_files(tmp_path) == []  # the staged upload is deleted


def _consultant_client(audit) -> Client:
    client = Client()
    client.force_login(consultant_of(audit.organization))
    return client


def test_workspace_upload_of_no_table_names_the_file_and_stores_nothing(audit, tmp_path):
    client = _consultant_client(audit)
    name, raw, _says = NOT_TABLES["pdf"]

    response = client.post(
        f"/assessments/{audit.pk}/customer-data/",
        {"customers": SimpleUploadedFile(name.replace(".csv", ".xlsx"), raw, content_type="text/csv")},
    )

    assert response.status_code == 400
    assert "The file cannot be read: it is not a CSV or XLSX file but a PDF document" in response.text
    assert not CustomerDataset.objects.filter(assessment=audit).exists()
    assert _stored_files(tmp_path) == []


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("customers.csv", xlsx_of(CUSTOMERS)),  # a workbook under a CSV name
        ("customers.xlsx", CUSTOMERS.encode("cp1251")),  # text under a workbook name
    ],
    ids=["xlsx named .csv", "csv named .xlsx"],
)
def test_a_real_table_is_read_whatever_its_name(consultant_api, audit, name, raw):
    response = _post(consultant_api, audit, name, raw)
    assert response.status_code == 201, response.json()
    assert response.json()["files"]["customers"] == {"name": name, "rows": 4}


# --- downloads and stored files --------------------------------------------------------------


def _attachment(response, *, content_type: str, filename: str) -> None:
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def stored(consultant_api, audit):
    """The customers file accepted, and a rendered report; both in storage."""
    assert _post(consultant_api, audit, "customers.csv", CUSTOMERS.encode()).status_code == 201
    path = default_storage.save(f"reports/{audit.pk}/0123456789abcdef-full.pdf", io.BytesIO(b"%PDF-1.7\n"))
    report = Report.objects.create(
        assessment=audit,
        kind=ReportKind.FULL,
        language="en",
        status="ready",
        file_path=path,
        file_name="data-bank-cx-report-full-en-2026-06-30.pdf",
        size=9,
    )
    return [CustomerDataset.objects.get(assessment=audit).files["customers"]["path"], report.file_path]


def test_downloads_are_attachments_the_browser_may_not_sniff(consultant_api, audit, stored):
    _attachment(
        consultant_api.get(f"/api/v1/reports/{audit.reports.get().pk}/download/"),
        content_type="application/pdf",
        filename="data-bank-cx-report-full-en-2026-06-30.pdf",
    )
    _attachment(
        consultant_api.get(f"/api/v1/assessments/{audit.pk}/customers/?export=csv"),
        content_type="text/csv",
        filename=f"customers-{audit.pk}.csv",
    )
    _attachment(
        consultant_api.get("/api/v1/customer-data/templates/survey/"),
        content_type="text/csv",
        filename="survey-template.csv",
    )
    client = _consultant_client(audit)
    for dataset in ("answers", "scores", "metrics", "customers", "audit"):
        for file_format, content_type in (("csv", "text/csv"), ("xlsx", "application/vnd.openxmlformats")):
            _attachment(
                client.get(f"/assessments/{audit.pk}/export/{dataset}.{file_format}"),
                content_type=content_type,
                filename=f"data-bank-{dataset}-2026-06-30.{file_format}",
            )


def test_stored_files_have_no_public_url(consultant_api, audit, stored):
    assert all(default_storage.exists(path) for path in stored)
    client = _consultant_client(audit)
    for path in stored:
        for url in (f"/media/{path}", f"/static/{path}", f"/{path}", f"/static/../var/media/{path}"):
            assert client.get(url).status_code == 404, url


def test_media_root_is_outside_the_static_roots():
    media = Path(django_settings.MEDIA_ROOT).resolve()
    static_roots = [Path(django_settings.STATIC_ROOT), *map(Path, django_settings.STATICFILES_DIRS)]
    for root in (root.resolve() for root in static_roots):
        assert not media.is_relative_to(root) and not root.is_relative_to(media), root
    assert django_settings.MEDIA_URL in ("", "/")  # no URL maps onto MEDIA_ROOT
