"""Security headers on every HTML page (config.security plus Django's SecurityMiddleware); the
browser's view of the policy is in tests/e2e/test_csp.py."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def test_an_html_page_carries_the_policy_and_the_other_headers():
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=()"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_error_pages_carry_it_too():
    response = Client().get("/r/no-such-token/")
    assert response.status_code == 404
    assert response["Content-Security-Policy"] == POLICY


def test_json_responses_carry_no_policy():
    response = Client().get("/api/v1/catalog/", HTTP_ACCEPT="application/json")
    assert response["Content-Type"].startswith("application/json")
    assert "Content-Security-Policy" not in response
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_deployment_can_set_its_own_policy(settings):
    settings.CONTENT_SECURITY_POLICY = "default-src 'self' https://cdn.example.com"
    settings.PERMISSIONS_POLICY = ""
    response = Client().get("/accounts/login/")
    assert response["Content-Security-Policy"] == "default-src 'self' https://cdn.example.com"
    assert "Permissions-Policy" not in response


def test_the_api_docs_load_their_start_up_script_as_a_file():
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY
    html = response.text
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.DOTALL)
    assert scripts and all('src="' in attributes and not body.strip() for attributes, body in scripts)
    assert "<style" not in html
    script_url = re.findall(r'<script src="([^"]*script=[^"]*)"', html)[0].replace("&amp;", "&")
    script = Client().get(script_url)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.text
