"""Upload bombs (tests/hostile_files.py), each in a process forked for it alone: read by
spreadsheet_read under a customer file's limits, and uploaded as a customer file through the API
with the test client (imported inline, as uploads under 5 MB are), each refused with its 400.
Measured per file: the seconds until the refusal, and the peak resident memory above an idle
forked process. Targets: 2 s and 300 MB.

The floor is the same measure of a normal small file (a workbook of 1,000 clients, read, or
uploaded and stored), in the same run; since the targets are absolute, each is stated over the
floor (target = 2 s / floor), so that a ratio within the target is a file within 2 s or 300 MB."""

import io
import logging
import tempfile

import pandas as pd
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import override_settings
from rest_framework.test import APIClient

from assessment.demo import DEMO_PROFILES, demo_customer_files
from assessment.models import Status
from bench.harness import Result, in_child
from config.spreadsheets import UnreadableTable, spreadsheet_read
from surveys.services import catalog_load
from tests.factories import AssessmentFactory, OrganizationFactory, consultant_of
from tests.hostile_files import HOSTILE, SAYS

SECONDS_TARGET = 2.0
MEGABYTES_TARGET = 300.0
# Below this the growth of a forked process is noise (pages of its allocator touched or not).
_MEGABYTES_RESOLUTION = 1.0


def _normal_workbook() -> bytes:
    customers = demo_customer_files(profile=DEMO_PROFILES["baseline"], clients=1000)["customers"]
    buffer = io.BytesIO()
    pd.read_csv(io.StringIO(customers), dtype=str, keep_default_na=False).to_excel(buffer, index=False)
    return buffer.getvalue()


def _read(raw: bytes, says: str | None) -> None:
    try:
        spreadsheet_read(raw)
    except UnreadableTable as error:
        if str(error) != says:
            raise
        return
    if says is not None:
        raise AssertionError(f"read, not refused with {says!r}")


def _upload(raw: bytes, says: str | None, *, user, assessment) -> None:
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(
        f"/api/v1/assessments/{assessment.pk}/customer-data/",
        {"customers": SimpleUploadedFile("customers.xlsx", raw)},
        format="multipart",
    )
    if says is None:
        refused = response.status_code != 201
    else:
        refused = response.status_code == 400 and response.json()["errors"][0]["message"].endswith(says)
    if refused == (says is None):
        raise AssertionError(f"{response.status_code}: {response.content[:300]!r}")


def _measured(run) -> tuple[float, float]:
    """Seconds and peak megabytes of run() in a forked child."""
    connections.close_all()  # the child opens its own connection (SQLite's in-memory one stays shared)
    seconds, peak_kb = in_child(run)
    return seconds, peak_kb / 1024


def _results(name: str, *, seconds: float, megabytes: float, floor: tuple[float, float]) -> list[Result]:
    floor_seconds, floor_megabytes = floor
    return [
        Result(
            name=f"{name}_seconds",
            value=round(seconds, 3),
            unit="s",
            floor=round(floor_seconds, 3),
            ratio=round(seconds / floor_seconds, 2),
            target=round(SECONDS_TARGET / floor_seconds, 2),
        ),
        Result(
            name=f"{name}_peak_memory",
            value=round(megabytes, 1),
            unit="MB",
            floor=round(floor_megabytes, 1),
            ratio=round(megabytes / floor_megabytes, 2),
            target=round(MEGABYTES_TARGET / floor_megabytes, 2),
        ),
    ]


def run() -> list[Result]:
    catalog_load()
    assessment = AssessmentFactory(organization=OrganizationFactory(), status=Status.COLLECTING)
    user = consultant_of(assessment.organization)
    normal = _normal_workbook()
    files = {name: build() for name, build in HOSTILE.items()}
    paths = {"read": _read, "api": lambda raw, says: _upload(raw, says, user=user, assessment=assessment)}
    # Every refusal is a 400, which Django would log as a warning.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    results = []
    with (
        tempfile.TemporaryDirectory() as media,
        override_settings(MEDIA_ROOT=media, ALLOWED_HOSTS=["testserver"]),
    ):
        _seconds, idle = _measured(lambda: None)
        for path, send in paths.items():
            floor_seconds, floor_peak = _measured(lambda send=send: send(normal, None))
            print(f"upload bombs, {path}: a normal file {floor_seconds:.3f} s, {floor_peak - idle:.1f} MB")
            floor = (floor_seconds, max(floor_peak - idle, _MEGABYTES_RESOLUTION))
            for name, raw in files.items():
                seconds, peak = _measured(lambda send=send, raw=raw, name=name: send(raw, SAYS[name]))
                print(
                    f"upload bombs, {path}: {name} ({len(raw):,} bytes) {seconds:.3f} s, {peak - idle:.1f} MB"
                )
                results += _results(
                    f"upload_bomb_{name}_{path}", seconds=seconds, megabytes=peak - idle, floor=floor
                )
    return results
