"""Every FILE_STORAGE backend keeps files the same way: local (a folder), database (chunked rows
any node reads) and s3 (an S3-compatible store; moto plays the server)."""

import datetime
import os
import re
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage
from django.utils import timezone
from moto import mock_aws
from storages.backends.s3 import S3Storage

from assessment.customer_data import STAGED_ORPHAN_AGE, STAGED_UPLOADS, customer_imports_sweep
from config.filestore.models import StoredChunk, StoredFile
from config.filestore.storage import CHUNK_SIZE, DatabaseStorage
from tests.conftest import STORAGE_MODULES

pytestmark = pytest.mark.django_db
BIG = os.urandom(3 * CHUNK_SIZE + 17)  # spans four chunks, the last a short one


@pytest.fixture(params=["local", "database", "s3"])
def storage(request, tmp_path):
    if request.param == "local":
        yield FileSystemStorage(location=tmp_path)
    elif request.param == "database":
        yield DatabaseStorage()
    else:
        with mock_aws():
            boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="cx-files")
            yield S3Storage(
                bucket_name="cx-files",
                region_name="us-east-1",
                access_key="test",
                secret_key="test",
                default_acl="private",
                file_overwrite=False,
            )


def _listing(storage, folder: str) -> tuple[list[str], list[str]]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return [], []
    return sorted(folders), sorted(files)


def test_a_file_reads_back_byte_for_byte_whole_in_chunks_and_from_any_offset(storage):
    name = storage.save("reports/7/report.pdf", ContentFile(BIG))
    assert name == "reports/7/report.pdf"
    assert storage.size(name) == len(BIG)
    with storage.open(name, "rb") as stored:
        assert stored.read() == BIG
    with storage.open(name, "rb") as stored:
        assert b"".join(stored.chunks(chunk_size=300_000)) == BIG
    with storage.open(name, "rb") as stored:
        stored.seek(CHUNK_SIZE - 3)
        assert stored.read(10) == BIG[CHUNK_SIZE - 3 : CHUNK_SIZE + 7]  # across a chunk's edge


def test_a_taken_name_gives_a_new_one_and_both_files_stay(storage):
    first = storage.save("customer-data/1/customers.parquet", ContentFile(b"first"))
    second = storage.save("customer-data/1/customers.parquet", ContentFile(b"second"))
    assert first != second and second.startswith("customer-data/1/customers_")
    assert storage.open(first).read() == b"first" and storage.open(second).read() == b"second"


def test_folders_list_delete_and_exist(storage):
    storage.save("customer-imports/3/a.csv", ContentFile(b"a"))
    storage.save("customer-imports/3/b.csv", ContentFile(b"b"))
    storage.save("customer-imports/4/c.csv", ContentFile(b"c"))
    assert _listing(storage, "customer-imports") == (["3", "4"], [])
    assert _listing(storage, "customer-imports/3") == ([], ["a.csv", "b.csv"])
    assert _listing(storage, "nothing-here") == ([], [])

    storage.delete("customer-imports/3/a.csv")
    storage.delete("customer-imports/3/never-saved.csv")  # no error: already gone
    assert not storage.exists("customer-imports/3/a.csv")
    assert storage.exists("customer-imports/3/b.csv")
    assert _listing(storage, "customer-imports/3") == ([], ["b.csv"])


def test_the_modified_time_is_aware_and_now(storage):
    name = storage.save("logos/x.png", ContentFile(b"png"))
    modified = storage.get_modified_time(name)
    assert timezone.is_aware(modified)
    assert abs(modified - timezone.now()) < datetime.timedelta(minutes=1)


def test_the_sweep_deletes_staged_uploads_nothing_refers_to(storage, monkeypatch, catalog):
    monkeypatch.setattr("assessment.customer_data.default_storage", storage)
    name = storage.save(f"{STAGED_UPLOADS}/9/orphan.csv", ContentFile(b"id\n1\n"))
    soon = timezone.now() + datetime.timedelta(minutes=5)
    assert customer_imports_sweep(now=soon, requeue=False)["files_deleted"] == 0  # may be an import's
    later = timezone.now() + STAGED_ORPHAN_AGE + datetime.timedelta(minutes=5)
    assert customer_imports_sweep(now=later, requeue=False)["files_deleted"] == 1
    assert not storage.exists(name)


class _BrokenUpload(File):
    """An upload whose stream fails half-way, as a dropped connection does."""

    def __init__(self):
        super().__init__(None, name="upload.csv")
        self.sent = 0

    def seekable(self) -> bool:
        return False

    def read(self, size: int = -1) -> bytes:
        if self.sent >= 2 * CHUNK_SIZE:
            raise OSError("connection reset")
        self.sent += size
        return b"x" * size


def test_the_database_keeps_nothing_of_a_save_that_failed_half_way():
    with pytest.raises(OSError, match="connection reset"):
        DatabaseStorage().save("customer-imports/1/upload.csv", _BrokenUpload())
    assert not StoredFile.objects.exists() and not StoredChunk.objects.exists()


def test_the_database_reads_lazily_one_chunk_per_query(django_assert_num_queries):
    storage = DatabaseStorage()
    name = storage.save("reports/1/big.pdf", ContentFile(BIG))
    assert StoredChunk.objects.filter(file__name=name).count() == 4
    with django_assert_num_queries(2):  # the file's row, then its first chunk only
        stored = storage.open(name)
        assert stored.read(10) == BIG[:10]
    with pytest.raises(ValueError, match="reading only"):
        storage.open(name, "wb")


def _setting(**environment: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.STORAGES['default']['BACKEND'])"],
        cwd=django_settings.BASE_DIR,
        env={"PATH": "", "DEBUG": "true", **environment},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    return result.stdout.strip() or result.stderr.strip().splitlines()[-1]


def test_file_storage_selects_the_backend_and_refuses_what_it_cannot_use():
    assert _setting() == "django.core.files.storage.FileSystemStorage"
    assert _setting(FILE_STORAGE="database") == "config.filestore.storage.DatabaseStorage"
    assert _setting(FILE_STORAGE="s3", S3_BUCKET="cx-files") == "storages.backends.s3.S3Storage"
    assert "FILE_STORAGE=s3 needs S3_BUCKET" in _setting(FILE_STORAGE="s3")
    assert "FILE_STORAGE='ftp' is not one of local, database, s3" in _setting(FILE_STORAGE="ftp")


# Modules that store files only on the way to their own subject (a rendered page, a report's
# numbers, a browser journey): the backends are the modules in STORAGE_MODULES' concern.
INCIDENTAL = {
    "tests/assessment/test_operational_data.py",  # only that a refused upload stored nothing
    "tests/e2e/test_collection_control.py",
    "tests/e2e/test_workspace.py",
    "tests/reports/test_churn_report.py",  # the model's page, from data stored as usual
    "tests/reports/test_demo_deliverable.py",
    "tests/reports/test_plan_results.py",  # the comparison report's page, read back
    "tests/reports/test_quotes.py",
    "tests/reports/test_sufficiency_display.py",
    "tests/surveys/test_invitation_upload_sniffing.py",
    "tests/surveys/test_invitations_api.py",
    "tests/test_api_fuzz.py",
    "tests/test_isolation.py",
    "tests/test_number_consistency.py",
    "tests/test_topology.py",  # its own processes, FILE_STORAGE=database whatever the run's
    "tests/workspace/test_analytics.py",
    "tests/workspace/test_findings_pages.py",
    "tests/workspace/test_xss.py",
}
TOUCHES_STORAGE = re.compile(
    r"default_storage|MEDIA_ROOT|/download/|customer_data_replace|SimpleUploadedFile|logo="
)


def test_every_module_that_touches_storage_runs_on_every_backend_or_says_why_not():
    root = Path(django_settings.BASE_DIR)
    touching = {
        str(path.relative_to(root))
        for path in (root / "tests").rglob("test_*.py")
        if TOUCHES_STORAGE.search(path.read_text(encoding="utf-8"))
    }
    assert touching - STORAGE_MODULES - INCIDENTAL == set()
    assert touching >= STORAGE_MODULES
    assert not STORAGE_MODULES & INCIDENTAL
