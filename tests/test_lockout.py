"""One sign-in lockout for the workspace, the admin and the API token (assessment.lockout): wrong
passwords counted per username and per address, locks of 1, 2, 4 … minutes (capped) that end by
themselves, a right password never counted."""

import datetime

import pytest
from django.test import Client
from freezegun import freeze_time

from assessment.models import ApiToken, SignInLockout
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"
TOKEN_URL = "/api/v1/auth/token/"
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _policy(settings):
    # The defaults, stated here so the numbers below follow from them.
    settings.LOGIN_FAILURES_PER_USERNAME = 5
    settings.LOGIN_FAILURES_PER_IP = 20
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
    settings.LOGIN_LOCK_FIRST_SECONDS = 60
    settings.LOGIN_LOCK_MAX_SECONDS = 15 * 60
    settings.LOGIN_FAILURE_MEMORY_SECONDS = 24 * 60 * 60


@pytest.fixture
def alice():
    return UserFactory(username="alice")


def _workspace(username: str, password: str, ip: str = "10.0.0.1", client: Client | None = None):
    return (client or Client()).post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _admin(username: str, password: str, ip: str = "10.0.0.1"):
    return Client().post(
        "/admin/login/", {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip
    )


def _token(api, username: str, password: str, ip: str = "10.0.0.1"):
    return api.post(TOKEN_URL, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip)


def test_the_token_endpoint_is_refused_after_the_workspace_lockout(alice, api):
    for _ in range(5):
        assert _workspace("alice", "wrong").status_code == 200
    response = _token(api, "alice", PASSWORD, ip="10.0.0.2")
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert response.json() == {
        "detail": "Too many failed sign-in attempts. Try again in 1 minute.",
        "code": "sign_in_locked",
    }
    assert not ApiToken.objects.exists()


def test_the_workspace_and_the_admin_are_refused_after_failures_at_the_token_endpoint(alice, api):
    alice.is_staff = True
    alice.save()
    statuses = [_token(api, "alice", "wrong").status_code for _ in range(6)]
    assert statuses == [400] * 5 + [429]
    workspace = _workspace("alice", PASSWORD, ip="10.0.0.2")
    assert workspace.status_code == 429
    assert "Too many failed sign-in attempts. Try again in 1 minute." in workspace.text
    admin = _admin("alice", PASSWORD, ip="10.0.0.3")
    assert "Too many failed sign-in attempts." in admin.text
    assert "_auth_user_id" not in admin.wsgi_request.session


def test_failures_are_counted_per_address_across_usernames(alice):
    for n in range(19):
        _workspace(f"nobody{n}", "wrong", ip="10.0.0.9")
    assert _workspace("alice", PASSWORD, ip="10.0.0.9").status_code == 302  # 19 failures: open
    _workspace("nobody19", "wrong", ip="10.0.0.9")  # the 20th from this address
    assert _workspace("alice", PASSWORD, ip="10.0.0.9").status_code == 429
    assert _workspace("alice", PASSWORD, ip="10.0.0.8").status_code == 302  # another address
    # The 20 usernames were tried once each: none of them is locked elsewhere.
    assert SignInLockout.objects.get(scope="address").locks == 1
    assert set(SignInLockout.objects.filter(scope="username").values_list("locks", flat=True)) == {0}


def test_the_lock_ends_by_itself_and_each_further_lock_lasts_twice_as_long_up_to_the_cap(alice, settings):
    settings.LOGIN_LOCK_MAX_SECONDS = 180
    waits = []
    with freeze_time(START) as clock:
        for _lock in range(4):
            for _ in range(5):
                assert _workspace("alice", "wrong").status_code == 200
            locked = _workspace("alice", PASSWORD)
            assert locked.status_code == 429
            waits.append(int(locked["Retry-After"]))
            clock.tick(waits[-1] - 1)
            assert _workspace("alice", PASSWORD).status_code == 429  # a second before the end
            clock.tick(1)
        # The last lock has just ended: the right password signs in.
        assert _workspace("alice", PASSWORD).status_code == 302
    assert waits == [60, 120, 180, 180]


def test_a_right_password_is_never_counted_and_does_not_extend_a_lock(alice):
    with freeze_time(START) as clock:
        for _ in range(4):
            _workspace("alice", "wrong")
        # Right passwords between failures: never counted; each clears the username's failures.
        client = Client()
        for _ in range(10):
            assert _workspace("alice", PASSWORD, client=client).status_code == 302
            client.logout()
        for _ in range(4):
            assert _workspace("alice", "wrong").status_code == 200
        assert _workspace("alice", PASSWORD).status_code == 302
        for _ in range(5):
            _workspace("alice", "wrong")
        # During the lock the right password is refused, and the lock keeps its end.
        for second in (10, 30, 50):
            clock.move_to(START + datetime.timedelta(seconds=second))
            refused = _workspace("alice", PASSWORD)
            assert refused.status_code == 429
            assert refused["Retry-After"] == str(60 - second)
        clock.move_to(START + datetime.timedelta(seconds=60))
        assert _workspace("alice", PASSWORD).status_code == 302


def test_failures_far_apart_are_not_added_up(alice):
    with freeze_time(START) as clock:
        for _ in range(4):
            _workspace("alice", "wrong")
        clock.tick(15 * 60)
        for _ in range(4):
            _workspace("alice", "wrong")
        assert _workspace("alice", PASSWORD).status_code == 302


def test_a_non_staff_users_attempts_at_the_admin_do_not_lock_their_workspace_sign_in(alice):
    for _ in range(10):
        response = _admin("alice", PASSWORD)
        assert response.status_code == 200
        assert "Please enter the correct username and password for a staff account." in response.text
    assert _workspace("alice", PASSWORD).status_code == 302
    assert not SignInLockout.objects.exists()


def test_a_locked_sign_in_does_not_check_the_password(alice, api, monkeypatch):
    for _ in range(5):
        _token(api, "alice", "wrong")
    checked = []
    monkeypatch.setattr("assessment.lockout.authenticate", lambda *args, **kwargs: checked.append(kwargs))
    assert _token(api, "alice", PASSWORD, ip="10.0.0.7").status_code == 429
    assert checked == []


def test_usernames_and_addresses_are_stored_hashed(alice):
    _workspace("Alice", "wrong", ip="10.1.2.3")
    stored = " ".join(f"{row.scope} {row.key_hash}" for row in SignInLockout.objects.all())
    assert "alice" not in stored.lower() and "10.1.2.3" not in stored
    assert SignInLockout.objects.count() == 2
