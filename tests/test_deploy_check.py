"""`manage.py check --deploy` is clean with production settings: the settings module is read
afresh in a subprocess with a production environment, the way a server starts it."""

import os
import re
import secrets
import subprocess
import sys

from django.conf import settings

SETTINGS_FILE = settings.BASE_DIR / "config" / "settings.py"


def _production_environment(**overrides: str) -> dict[str, str]:
    # Every variable the settings read is dropped first, so neither the developer's shell nor
    # CI's services can make the check pass or fail; the production values are then set.
    read = set(re.findall(r'env[a-z]+\(\s*"([A-Z_]+)"', SETTINGS_FILE.read_text()))
    # The browser tests switch Django's async-safety check off in this process only.
    read.add("DJANGO_ALLOW_ASYNC_UNSAFE")
    environment = {name: value for name, value in os.environ.items() if name not in read}
    environment.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="cx.example.com",
        CSRF_TRUSTED_ORIGINS="https://cx.example.com",
        SITE_URL="https://cx.example.com",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    environment.update(overrides)
    return environment


def _check_deploy(**overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=_production_environment(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


def test_the_check_would_catch_a_weakened_setting():
    """The run above really checks: switching off the HTTPS redirect and HSTS makes it fail."""
    result = _check_deploy(SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0
    assert "security.W008" in result.stderr and "security.W004" in result.stderr
