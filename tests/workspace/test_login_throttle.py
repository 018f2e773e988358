"""Sign-in throttling at /accounts/login/ (and the admin's sign-in page): failures counted per
username and per client address; past the limit the password is not even checked. The policy
itself (locks growing, expiring, shared with the API token) is in tests/test_lockout.py."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"
TOO_MANY = "Too many failed sign-in attempts."


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 3
    settings.LOGIN_FAILURES_PER_IP = 5
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 600


@pytest.fixture
def user():
    return UserFactory(username="alice")


def _sign_in(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_after_the_username_limit_even_the_right_password_is_refused_with_429(user, monkeypatch):
    client = Client()
    for _ in range(3):
        response = _sign_in(client, "alice", "wrong")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.text

    checked = []
    monkeypatch.setattr("django.contrib.auth.forms.authenticate", lambda *a, **kw: checked.append(kw))
    response = _sign_in(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "Too many failed sign-in attempts. Try again in 1 minute." in response.text
    assert checked == []  # the password was not checked
    assert "_auth_user_id" not in client.session


def test_the_username_is_counted_across_addresses_and_letter_case(user):
    client = Client()
    for n, name in enumerate(["alice", "ALICE", "Alice"]):
        _sign_in(client, name, "wrong", ip=f"10.0.0.{n}")
    assert _sign_in(client, "alice", PASSWORD, ip="10.9.9.9").status_code == 429


def test_a_success_resets_the_username_count(user):
    client = Client()
    for _ in range(2):
        _sign_in(client, "alice", "wrong")
    assert _sign_in(client, "alice", PASSWORD).status_code == 302
    client.logout()
    for _ in range(2):
        assert _sign_in(client, "alice", "wrong").status_code == 200
    assert _sign_in(client, "alice", PASSWORD).status_code == 302


def test_the_address_limit_covers_every_username_and_a_success_does_not_reset_it(user):
    client = Client()
    for n in range(4):
        _sign_in(client, f"nobody{n}", "wrong")
    assert _sign_in(client, "alice", PASSWORD).status_code == 302  # the 5th attempt, checked
    client.logout()
    _sign_in(client, "nobody9", "wrong")  # the 5th failure from this address
    response = _sign_in(client, "alice", PASSWORD)
    assert response.status_code == 429 and TOO_MANY in response.text
    # Another address is not affected.
    assert _sign_in(Client(), "alice", PASSWORD, ip="10.0.0.2").status_code == 302


def test_the_wait_counts_down_from_the_lock_and_the_lock_ends(user, settings):
    settings.LOGIN_LOCK_FIRST_SECONDS = 600
    client = Client()
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with freeze_time(start) as clock:
        for _ in range(3):
            _sign_in(client, "alice", "wrong")
        clock.move_to(start + datetime.timedelta(seconds=299))
        response = _sign_in(client, "alice", PASSWORD)
        assert "Try again in 6 minutes." in response.text
        clock.move_to(start + datetime.timedelta(seconds=601))
        assert _sign_in(client, "alice", PASSWORD).status_code == 302


def test_the_message_is_translated(user):
    client = Client()
    for _ in range(3):
        _sign_in(client, "alice", "wrong")
    response = client.post(
        reverse("login"),
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.status_code == 429
    assert "Слишком много неудачных попыток входа. Повторите через 1 минуту." in response.text


def test_the_admin_sign_in_shares_the_counts(user):
    user.is_staff = True
    user.save()
    client = Client()
    for _ in range(3):
        _sign_in(client, "alice", "wrong")
    response = client.post(
        "/admin/login/",
        {"username": "alice", "password": PASSWORD, "next": "/admin/"},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 200
    assert TOO_MANY in response.text
    assert "_auth_user_id" not in client.session


def test_the_api_token_endpoint_is_throttled_per_address(user, api, settings):
    # The request rate alone, below the lockout's limits.
    settings.LOGIN_FAILURES_PER_USERNAME = settings.LOGIN_FAILURES_PER_IP = 100
    url = reverse("api:token-obtain")
    statuses = [
        api.post(url, {"username": "alice", "password": "wrong"}, REMOTE_ADDR="10.0.0.1").status_code
        for _ in range(11)
    ]
    assert statuses == [400] * 10 + [429]  # REST_FRAMEWORK's "auth" rate: 10/min
    # A forged X-Forwarded-For is no new identity (REST_FRAMEWORK["NUM_PROXIES"] is 0 off a proxy).
    response = api.post(
        url,
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="1.2.3.4",
    )
    assert response.status_code == 429
