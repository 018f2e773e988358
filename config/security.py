"""Response headers Django's SecurityMiddleware does not set: a Content-Security-Policy and a
Permissions-Policy. SecurityMiddleware already sends X-Content-Type-Options: nosniff,
Referrer-Policy: same-origin, Cross-Origin-Opener-Policy: same-origin and, in production, HSTS."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Only documents run scripts: a policy on JSON, CSV or PDF responses would protect nothing.
        if response.get("Content-Type", "").startswith("text/html"):
            if settings.CONTENT_SECURITY_POLICY:
                response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
            if settings.PERMISSIONS_POLICY:
                response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
