"""Sign-in behind the lockout every way to authenticate shares (assessment.lockout): past the
limit the form answers 429 without checking the password."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError

from assessment.lockout import (
    SignInLocked,
    client_address,
    sign_in_failure_record,
    sign_in_lock_check,
    sign_in_success_record,
)


class _LoginThrottleMixin:
    retry_after = 0  # seconds, while the sign-in is locked

    def clean(self):
        username = self.cleaned_data.get("username")
        if not username or not self.cleaned_data.get("password"):
            return super().clean()
        address = client_address(self.request)
        try:
            sign_in_lock_check(username=username, address=address)
        except SignInLocked as locked:
            self.retry_after = locked.retry_after
            raise ValidationError(locked.message, code="throttled") from locked
        try:
            cleaned_data = super().clean()
        except ValidationError:
            # Only a wrong password counts: a right one refused here (the admin's sign-in for
            # someone who is not staff) is no guess, and must not lock the workspace sign-in.
            if self.user_cache is None:
                sign_in_failure_record(username=username, address=address)
            raise
        sign_in_success_record(username=username)
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
        if form.retry_after:
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response
