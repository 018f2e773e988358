"""Files in storage go with their rows: deleting an assessment (or one report, dataset or
import) deletes its customer files, staged uploads and rendered PDFs, once committed."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from assessment.customer_data import customer_data_import_create, customer_data_replace
from config.jobs import JobStatus
from reports.models import Report
from tests.assessment.test_customer_data import CUSTOMERS, SURVEY
from tests.factories import consultant_of
from tests.stored_files import stored_names


@pytest.fixture
def stored(audit):
    """Customer files (two kinds), a staged background import and a rendered report."""
    user = consultant_of(audit.organization)
    audit.refresh_from_db()  # the reference date as a date
    customer_data_replace(
        assessment=audit,
        user=user,
        uploads={
            "customers": SimpleUploadedFile("customers.csv", CUSTOMERS.encode()),
            "survey": SimpleUploadedFile("survey.csv", SURVEY.encode()),
        },
    )
    # The test's transaction never commits: the import stays queued with its upload staged.
    job = customer_data_import_create(
        assessment=audit, user=user, uploads={"customers": SimpleUploadedFile("big.csv", CUSTOMERS.encode())}
    )
    report = Report.objects.create(
        assessment=audit,
        kind="full",
        language="en",
        status=JobStatus.READY,
        file_path=default_storage.save(f"reports/{audit.pk}/rendered.pdf", ContentFile(b"%PDF-1.7")),
    )
    return job, report


def test_deleting_an_assessment_deletes_all_its_files(
    audit, stored, settings, django_capture_on_commit_callbacks
):
    assert [path.split("/")[0] for path in stored_names()] == [
        "customer-data",
        "customer-data",
        "customer-imports",
        "reports",
    ]

    with django_capture_on_commit_callbacks(execute=True):
        audit.delete()

    assert stored_names() == []


def test_deleting_one_report_deletes_only_its_file(
    audit, stored, settings, django_capture_on_commit_callbacks
):
    job, report = stored
    before = stored_names()

    with django_capture_on_commit_callbacks(execute=True):
        report.delete()

    assert stored_names() == [path for path in before if not path.startswith("reports/")]
    assert default_storage.exists(job.uploads["customers"]["path"])


def test_a_rolled_back_delete_keeps_the_files(audit, stored, settings, django_capture_on_commit_callbacks):
    before = stored_names()

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        audit.delete()
        raise RuntimeError("changed my mind")

    assert stored_names() == before
    assert audit.customer_data.files.keys() == {"customers", "survey"}
