"""A respondent list is judged by its content, never by its name or declared type: an image, a
PDF, a web page, a ZIP archive that is no workbook or a CSV with zero bytes is refused with a
message on the file field (API and workspace alike), and nobody is invited."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from surveys.models import Invitation
from tests.assessment.test_upload_sniffing import NOT_TABLES, xlsx_of
from tests.factories import consultant_of

pytestmark = pytest.mark.django_db

PEOPLE = "email,name,department,role,language\naida@bank.kz,Aida,Retail,frontline,en\n"
# The same contents as the customer files, the list's own name.
SAMPLES = {
    sample: (name.replace("customers", "people"), raw, says)
    for sample, (name, raw, says) in NOT_TABLES.items()
}


def _file(name: str, raw: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, raw, content_type="text/csv")


@pytest.mark.parametrize("sample", SAMPLES)
def test_api_refuses_a_list_that_is_no_table(consultant_api, assessment, sample):
    name, raw, says = SAMPLES[sample]

    response = consultant_api.post(
        f"/api/v1/assessments/{assessment.pk}/invitations/", {"file": _file(name, raw)}, format="multipart"
    )

    assert response.status_code == 400
    [message] = response.json()["file"]
    assert message.startswith("The file cannot be read: ") and says in message
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("sample", ["png", "html", "docx", "zero byte"])
def test_workspace_refuses_a_list_that_is_no_table_on_its_file_field(assessment, sample):
    name, raw, says = SAMPLES[sample]
    client = Client()
    client.force_login(consultant_of(assessment.organization))

    response = client.post(
        f"/assessments/{assessment.pk}/respondents/", {"action": "upload", "file": _file(name, raw)}
    )

    assert response.status_code == 400
    page = response.content.decode()
    error = page[page.index('id="upload_file_error"') :]
    assert "The file cannot be read: " in error[:500] and says in error[:500]
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("name", "raw"),
    [("people.csv", xlsx_of(PEOPLE)), ("people.xlsx", PEOPLE.encode("cp1251"))],
    ids=["xlsx named .csv", "csv named .xlsx"],
)
def test_a_real_list_is_read_whatever_its_name(consultant_api, assessment, name, raw):
    response = consultant_api.post(
        f"/api/v1/assessments/{assessment.pk}/invitations/", {"file": _file(name, raw)}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert list(Invitation.objects.values_list("email", "name", "department")) == [
        ("aida@bank.kz", "Aida", "Retail")
    ]
