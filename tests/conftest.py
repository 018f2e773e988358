import os

import pytest
from celery import current_app
from django.core.cache import cache
from django.utils import translation
from rest_framework.test import APIClient

from config.celery import app as celery_app
from surveys.services import CATALOG_FILES, catalog_load

IN_CI = os.environ.get("CI", "").lower() == "true"

# The modules whose subject is keeping, reading or deleting files: `make test` runs them a second
# time with FILE_STORAGE=database (marker `storage`). tests/test_file_storage.py checks the list
# against the modules that touch storage.
STORAGE_MODULES = {
    "tests/assessment/test_branding.py",
    "tests/assessment/test_churn_api.py",
    "tests/assessment/test_customer_data.py",
    "tests/assessment/test_customer_fuzz.py",
    "tests/assessment/test_customer_import_job.py",
    "tests/assessment/test_file_cleanup.py",
    "tests/assessment/test_upload_sniffing.py",
    "tests/reports/test_broker_down.py",
    "tests/reports/test_release.py",
    "tests/reports/test_reports_api.py",
    "tests/reports/test_worker_killed.py",
    "tests/test_broker_outage.py",
    "tests/test_faults.py",
    "tests/test_file_storage.py",
    "tests/test_health.py",
    "tests/test_sweeps.py",
    "tests/test_upload_bombs.py",
    "tests/workspace/test_branding_pages.py",
    "tests/workspace/test_reports.py",
}


def pytest_collection_modifyitems(config, items):
    root = config.rootpath
    for item in items:
        if str(item.path.relative_to(root)) in STORAGE_MODULES:
            item.add_marker(pytest.mark.storage)


def require_service(available: bool, reason: str) -> None:
    """A test that needs a real service fails under CI=true and skips elsewhere."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"CI requires it: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fast_and_local(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()  # throttling counters must not leak between tests
    # A request in Russian leaves Russian active in the thread (LocaleMiddleware activates the
    # request's language and nothing deactivates it); each test starts in the default language.
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _celery_app_restored():
    """Creating a Celery app (a test's producer or worker) makes it the current one, through
    which every shared task is sent afterwards: each test ends with the project's app back."""
    yield
    if current_app._get_current_object() is not celery_app:
        celery_app.set_current()
        celery_app.set_default()


@pytest.fixture(autouse=True, scope="session")
def _celery_eager():
    """Tasks run in-process unless a test starts a real worker."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def catalog(db):
    """The catalog's first edition, which every respondent answers whole: most tests build their
    evidence on it. Tests of what the second edition changes take `catalog_v2`."""
    return catalog_load(path=CATALOG_FILES[0]).version


@pytest.fixture
def catalog_v2(db):
    """Both editions loaded as `load_catalog` loads them: the second is the current version."""
    catalog_load(path=CATALOG_FILES[0])
    return catalog_load(path=CATALOG_FILES[1]).version


@pytest.fixture
def api():
    return APIClient()
