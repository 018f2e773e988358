"""Sign-in with a limit on guessing: failed attempts are counted in the cache per username and
per client address, and past either limit the form refuses without checking the password, so
a guesser learns nothing until the window has passed. The API's token endpoint has its own
limit (the "auth" throttle rate)."""

import hashlib
import math
import time

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import ngettext
from rest_framework.throttling import BaseThrottle

_PREFIX = "login-failures"


def _username_key(username: str) -> str:
    # Hashed: the cache is no place for what people typed as their username.
    digest = hashlib.sha256(username.casefold().encode()).hexdigest()
    return f"{_PREFIX}:username:{digest}"


def _ip_key(request: HttpRequest) -> str:
    # The same client address as the API's throttles (REST_FRAMEWORK["NUM_PROXIES"]).
    return f"{_PREFIX}:ip:{BaseThrottle().get_ident(request)}"


def _limits(*, request: HttpRequest, username: str) -> list[tuple[str, int]]:
    return [
        (_username_key(username), settings.LOGIN_FAILURES_PER_USERNAME),
        (_ip_key(request), settings.LOGIN_FAILURES_PER_IP),
    ]


def login_wait_seconds(*, request: HttpRequest, username: str) -> int:
    """Seconds until a sign-in as `username` from this client is checked again; 0 if now."""
    now = time.time()
    waits = [
        cache.get(f"{key}:until", now) - now
        for key, limit in _limits(request=request, username=username)
        if cache.get(key, 0) >= limit
    ]
    return max(0, math.ceil(max(waits, default=0)))


def login_failure_record(*, request: HttpRequest, username: str) -> None:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for key, _limit in _limits(request=request, username=username):
        # A fixed window from the first failure: later failures do not prolong it.
        if cache.add(key, 0, timeout=window):
            cache.set(f"{key}:until", time.time() + window, timeout=window)
        try:
            cache.incr(key)
        except ValueError:  # the window ended between add and incr
            cache.set(key, 1, timeout=window)


def login_failures_reset(*, username: str) -> None:
    """After a successful sign-in; the address's count stays, or a guesser with an account of
    their own could clear it."""
    key = _username_key(username)
    cache.delete_many([key, f"{key}:until"])


class _LoginThrottleMixin:
    throttled = False

    def clean(self):
        username = self.cleaned_data.get("username")
        if not username or not self.cleaned_data.get("password"):
            return super().clean()
        wait = login_wait_seconds(request=self.request, username=username)
        if wait:
            self.throttled = True
            minutes = math.ceil(wait / 60)
            raise ValidationError(
                ngettext(
                    "Too many failed sign-in attempts. Try again in %(minutes)d minute.",
                    "Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
                code="throttled",
            )
        try:
            cleaned_data = super().clean()
        except ValidationError as error:
            if error.code == "invalid_login":
                login_failure_record(request=self.request, username=username)
            raise
        login_failures_reset(username=username)
        return cleaned_data


class ThrottledAuthenticationForm(_LoginThrottleMixin, AuthenticationForm):
    """The workspace's sign-in form (/accounts/login/)."""


class ThrottledAdminAuthenticationForm(_LoginThrottleMixin, AdminAuthenticationForm):
    """The Django admin's own sign-in page: the same counts, so it is no way around the limit."""


class ThrottledLoginView(LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429
        return response
