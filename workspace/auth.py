"""Sign-in behind the lockout every way to authenticate shares (assessment.lockout): past the
limit the form answers 429 without checking the password. And a client user's first visit: the
invitation link that sets their password."""

from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import login
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assessment.client_users import client_invitation_accept, client_invitation_by_token
from assessment.lockout import (
    SignInLocked,
    client_address,
    sign_in_failure_record,
    sign_in_lock_check,
    sign_in_success_record,
)
from config.exceptions import StateConflict


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


@require_http_methods(["GET", "POST"])
def client_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """A client user's one-time link: set a password, then signed in. A link replaced, used,
    expired or of a deactivated account answers 410 with what to do."""
    invitation = client_invitation_by_token(token=token, now=timezone.now())
    if invitation is None:
        response = render(request, "registration/invitation_invalid.html", status=410)
        add_never_cache_headers(response)
        return response
    form = SetPasswordForm(invitation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = client_invitation_accept(
                invitation=invitation, password=form.cleaned_data["new_password1"]
            )
        except StateConflict:
            return render(request, "registration/invitation_invalid.html", status=410)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Your password is set. Welcome!"))
        return redirect("workspace:home")
    response = render(
        request,
        "registration/invitation.html",
        {"form": form, "invitation": invitation},
        status=400 if form.errors else 200,
    )
    add_never_cache_headers(response)  # the page's address is the credential
    return response
