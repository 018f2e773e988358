import hashlib

from assessment.models import ApiToken
from tests.factories import OrganizationFactory, consultant_of

TOKEN_URL = "/api/v1/auth/token/"


def test_token_flow_and_only_the_hash_is_stored(api, catalog):
    user = consultant_of(OrganizationFactory(name="Token Bank"), username="alice")
    response = api.post(TOKEN_URL, {"username": "alice", "password": "pass-word-123"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) >= 43  # 32 random bytes, URL-safe base64

    stored = ApiToken.objects.get(user=user)
    assert stored.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.key_hash

    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    body = api.get("/api/v1/organizations/").json()
    assert [o["name"] for o in body] == ["Token Bank"]
    stored.refresh_from_db()
    assert stored.last_used_at is not None


def test_wrong_password_is_400_without_token(api, catalog):
    consultant_of(username="bob")
    response = api.post(TOKEN_URL, {"username": "bob", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Wrong username or password."]}
    assert not ApiToken.objects.exists()


def test_unknown_token_is_401(api, catalog):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api.get("/api/v1/organizations/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_inactive_user_token_is_refused(api, catalog):
    user = consultant_of(username="carol")
    token = api.post(TOKEN_URL, {"username": "carol", "password": "pass-word-123"}, format="json").json()[
        "token"
    ]
    user.is_active = False
    user.save()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/organizations/").status_code == 401


def test_login_attempts_are_throttled(api, catalog, settings):
    # The request rate alone, below the sign-in lockout's limits (tests/test_lockout.py).
    settings.LOGIN_FAILURES_PER_USERNAME = settings.LOGIN_FAILURES_PER_IP = 100
    consultant_of(username="dave")
    statuses = [
        api.post(TOKEN_URL, {"username": "dave", "password": "guess"}, format="json").status_code
        for _ in range(12)
    ]
    assert statuses[:10] == [400] * 10
    assert statuses[10:] == [429, 429]
