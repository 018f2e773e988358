"""Request bodies over their limit are refused (413) on their declared Content-Length, before
a byte of them is read: neither Django's CSRF check, which parses a form, nor a view reads them.

A view that takes uploads declares its own limit for them (multipart forms) with `body_limit`;
any other body may have at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes, the limit Django applies
when it reads one whole (Django REST framework's JSON parser included), here said with 413 and
the limit instead of a bare 400. A body without a Content-Length is not read at all (WSGI)."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from config.numbers import number_text

_MEGABYTE = 1024 * 1024


def body_limit(max_bytes: Callable[[], int]):
    """Let a view (function or API view class) take uploads (multipart bodies) of up to
    `max_bytes()` bytes, asked on each request so that settings changed at run time apply."""

    def declare(view):
        view.body_max_bytes = max_bytes
        return view

    return declare


class RequestBodyLimitMiddleware:
    """Listed before CsrfViewMiddleware, whose view check reads a form's fields."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None  # Django reads no body of an unreadable length either
        api_view = getattr(view_func, "cls", None)  # what Django REST framework's as_view() sets
        declared = getattr(view_func, "body_max_bytes", None) or getattr(api_view, "body_max_bytes", None)
        if request.content_type != "multipart/form-data":
            declared = None
        limit = declared() if declared else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is None or size <= limit:
            return None
        message = _("The request is larger than %(mb)s MB, the most this address accepts.") % {
            "mb": number_text(limit / _MEGABYTE, digits=-1)
        }
        if api_view is not None:
            return JsonResponse({"detail": message}, status=413)  # as config.exceptions answers TooLarge
        return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
