import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import envbool, envint, envlist, envurl


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("TRUE", True), ("on", True), ("0", False), ("no", False)]
)
def test_envbool_reads_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert envbool("X_FLAG", not expected) is expected


def test_envbool_default_and_bad_value(monkeypatch):
    monkeypatch.delenv("X_FLAG", raising=False)
    assert envbool("X_FLAG", True) is True
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG='maybe' is not a boolean"):
        envbool("X_FLAG", False)


def test_envint(monkeypatch):
    monkeypatch.setenv("X_NUM", "42")
    assert envint("X_NUM", 1) == 42
    monkeypatch.setenv("X_NUM", "4two")
    with pytest.raises(ImproperlyConfigured, match="X_NUM='4two' is not an integer"):
        envint("X_NUM", 1)


def test_envlist(monkeypatch):
    monkeypatch.setenv("X_HOSTS", "a.example, b.example,,")
    assert envlist("X_HOSTS", []) == ["a.example", "b.example"]


def test_envurl(monkeypatch):
    monkeypatch.setenv("X_URL", " https://cx.example.com:8443/ ")
    assert envurl("X_URL", None) == "https://cx.example.com:8443"
    monkeypatch.delenv("X_URL")
    assert envurl("X_URL", "http://127.0.0.1:8611") == "http://127.0.0.1:8611"
    with pytest.raises(ImproperlyConfigured, match="X_URL must be set"):
        envurl("X_URL", None)


@pytest.mark.parametrize(
    "raw", ["cx.example.com", "ftp://cx.example.com", "https://", "https://cx.example.com/cx"]
)
def test_envurl_refuses_what_is_not_a_site_address(monkeypatch, raw):
    monkeypatch.setenv("X_URL", raw)
    with pytest.raises(ImproperlyConfigured, match=r"is not a site address such as https://cx\.example\.com"):
        envurl("X_URL", None)


def test_production_settings_refuse_a_missing_secret_key():
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        env={"DEBUG": "false", "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
