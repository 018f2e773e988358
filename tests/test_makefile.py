"""`make run` serves where HOST and PORT say, and the links it prints and the server shows lead
there: the Makefile hands SITE_URL to the demo, the server and the worker. Read with `make -n`,
which prints the commands without running them."""

import os
import shutil
import subprocess

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _dry_run(*arguments: str, **environment: str) -> list[str]:
    base = {name: value for name, value in os.environ.items() if name not in {"SITE_URL", "HOST", "PORT"}}
    result = subprocess.run(  # noqa: S603 (make with our own arguments)
        ["make", "--no-print-directory", "-n", *arguments],  # noqa: S607
        cwd=settings.BASE_DIR,
        env={**base, **environment},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.splitlines()


def test_make_run_sets_site_url_from_host_and_port():
    commands = _dry_run("run", "worker", "PORT=8611")
    assert "SITE_URL=http://127.0.0.1:8611 .venv/bin/python manage.py seed_demo" in commands
    assert "SITE_URL=http://127.0.0.1:8611 .venv/bin/python manage.py runserver 127.0.0.1:8611" in commands
    assert "SITE_URL=http://127.0.0.1:8611 .venv/bin/celery -A config worker --loglevel INFO" in commands


def test_make_run_keeps_a_site_url_the_environment_gives():
    """Behind a proxy the address people open is not the one the server binds."""
    commands = _dry_run("run", "HOST=0.0.0.0", SITE_URL="https://cx.example.com")
    assert "SITE_URL=https://cx.example.com .venv/bin/python manage.py runserver 0.0.0.0:8000" in commands
