"""One sign-in lockout for every way to authenticate: the workspace's sign-in, the admin's and the
API's token endpoint. Wrong passwords are counted per username and per client address; past
either limit that username or address is locked for a short time that doubles with each further
lock (1, 2, 4 … minutes, capped). While locked, sign-ins are refused without checking the
password, so a guesser learns nothing; a right password is never counted and does not extend a
lock, and it clears the username's failures (not the address's: a guesser with an account of
their own could clear those). Counts live in the database, so the lockout holds while the
cache is away."""

import datetime
import hashlib
import math

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Max, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import ngettext
from rest_framework.throttling import BaseThrottle

from assessment.models import SignInLockout
from config.exceptions import TooManyRequests


class SignInLocked(TooManyRequests):
    """Sign-ins as this username or from this address are refused for `retry_after` seconds."""

    def __init__(self, *, retry_after: int):
        minutes = math.ceil(retry_after / 60)
        super().__init__(
            ngettext(
                "Too many failed sign-in attempts. Try again in %(minutes)d minute.",
                "Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes},
            retry_after=retry_after,
            code="sign_in_locked",
        )


def client_address(request: HttpRequest) -> str:
    """The client address the API's throttles see too (REST_FRAMEWORK["NUM_PROXIES"])."""
    return BaseThrottle().get_ident(request)


def _keys(*, username: str, address: str | None) -> list[tuple[str, str, int]]:
    """(scope, key hash, failures allowed) of what a sign-in attempt counts against."""
    keys = [
        (
            SignInLockout.Scope.USERNAME,
            hashlib.sha256(username.casefold().encode()).hexdigest(),
            settings.LOGIN_FAILURES_PER_USERNAME,
        )
    ]
    if address is not None:
        keys.append(
            (
                SignInLockout.Scope.ADDRESS,
                hashlib.sha256(address.encode()).hexdigest(),
                settings.LOGIN_FAILURES_PER_IP,
            )
        )
    return keys


def sign_in_lock_check(*, username: str, address: str) -> None:
    """Raise SignInLocked while the username or the address is locked."""
    now = timezone.now()
    keys = Q()
    for scope, key_hash, _limit in _keys(username=username, address=address):
        keys |= Q(scope=scope, key_hash=key_hash)
    until = SignInLockout.objects.filter(keys, locked_until__gt=now).aggregate(until=Max("locked_until"))
    if until["until"]:
        raise SignInLocked(retry_after=math.ceil((until["until"] - now).total_seconds()))


def _lock_seconds(locks: int) -> int:
    return min(settings.LOGIN_LOCK_FIRST_SECONDS * 2 ** (locks - 1), settings.LOGIN_LOCK_MAX_SECONDS)


@transaction.atomic
def sign_in_failure_record(*, username: str, address: str) -> None:
    """A wrong password for `username` from `address`."""
    now = timezone.now()
    # Forgotten after a quiet day: the next lock is a short one again.
    SignInLockout.objects.filter(
        last_failure_at__lt=now - datetime.timedelta(seconds=settings.LOGIN_FAILURE_MEMORY_SECONDS)
    ).delete()
    window = datetime.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    for scope, key_hash, limit in _keys(username=username, address=address):
        lockout, _created = SignInLockout.objects.select_for_update().get_or_create(
            scope=scope, key_hash=key_hash, defaults={"last_failure_at": now}
        )
        if lockout.locked_until and lockout.locked_until > now:
            continue  # checked before the lock began: a lock is never extended
        # Failures count while they come less than the window apart.
        if now - lockout.last_failure_at >= window:
            lockout.failures = 0
        lockout.failures += 1
        lockout.last_failure_at = now
        if lockout.failures >= limit:
            lockout.locks += 1
            lockout.failures = 0
            lockout.locked_until = now + datetime.timedelta(seconds=_lock_seconds(lockout.locks))
        lockout.save()


def sign_in_success_record(*, username: str) -> None:
    """A right password for `username`: its failures and lock history are cleared."""
    for scope, key_hash, _limit in _keys(username=username, address=None):
        SignInLockout.objects.filter(scope=scope, key_hash=key_hash).delete()


def sign_in_authenticate(*, request: HttpRequest, username: str, password: str) -> AbstractBaseUser | None:
    """Django's authenticate() behind the lockout: raises SignInLocked without checking the
    password while locked; a wrong password (None) is counted."""
    address = client_address(request)
    sign_in_lock_check(username=username, address=address)
    user = authenticate(request, username=username, password=password)
    if user is None:
        sign_in_failure_record(username=username, address=address)
    else:
        sign_in_success_record(username=username)
    return user
