"""Safe defaults: a server started with no environment runs with DEBUG off, refuses to start
without a SECRET_KEY or a SITE_URL, and will not create the demo's known logins. The settings
are read afresh in a subprocess with an environment of the test's own, the way a server starts."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from assessment.models import Organization

SHOW = "import config.settings as s; print(s.DEBUG, s.EMAIL_BACKEND, s.SECURE_SSL_REDIRECT)"


def _settings_read(**environment: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", SHOW],
        cwd=settings.BASE_DIR,
        env={"PATH": "", **environment},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_debug_is_off_unless_asked_for():
    result = _settings_read(SECRET_KEY="k" * 50, SITE_URL="https://cx.example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "config.redaction.MaskedConsoleEmailBackend", "True"]


def test_without_debug_a_missing_secret_key_refuses_to_start():
    result = _settings_read()
    assert result.returncode == 1
    assert "django.core.exceptions.ImproperlyConfigured: SECRET_KEY must be set when DEBUG is off" in (
        result.stderr
    )


def test_without_debug_a_missing_site_url_refuses_to_start():
    """Links in e-mails would otherwise lead respondents to http://127.0.0.1:8000."""
    result = _settings_read(SECRET_KEY="k" * 50)
    assert result.returncode == 1
    assert "ImproperlyConfigured: SITE_URL must be set: the address people open" in result.stderr


def test_development_runs_without_a_secret_key():
    result = _settings_read(DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"


@pytest.mark.django_db
def test_the_demo_refuses_to_run_with_debug_off(catalog_v2, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match=r"DEBUG is off: .* add --force to create them anyway"):
        call_command("seed_demo")
    assert not Organization.objects.exists()
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_the_demo_runs_with_debug_off_when_forced(catalog_v2, settings, capsys):
    settings.DEBUG = False
    call_command("seed_demo", "--force", "--no-reports")
    assert Organization.objects.filter(name="Demo Bank").exists()
    assert "consultant / consultant-demo-2026" in capsys.readouterr().out
