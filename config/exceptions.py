"""Errors services raise, and how the API answers them.

Services stay free of HTTP: they raise Django's ValidationError (400 with field
messages), ItemErrors (400 with one entry per submitted item), StateConflict (409),
TooLarge (413) or TooManyRequests (429 with Retry-After); BrokerUnavailable (config.celery)
is a 503, and so is a database that cannot serve the request now (both with Retry-After).
"""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from config.celery import BrokerUnavailable

# Seconds a client is asked to wait before retrying what the database could not serve.
DATABASE_RETRY_AFTER = 5

logger = logging.getLogger(__name__)


class ItemErrors(Exception):
    """Per-item problems in a submitted list; nothing of the request was saved."""

    def __init__(self, errors: dict[int, dict[str, list[str]]], *, field: str = "items"):
        super().__init__(errors)
        self.errors = errors
        self.field = field

    def as_detail(self) -> dict:
        return {self.field: [{"index": index, **errors} for index, errors in sorted(self.errors.items())]}


def items_validate(serializer: serializers.ListSerializer, *, field: str) -> None:
    """Validate a list, answering 400 with one entry per faulty item."""
    if serializer.is_valid():
        return
    errors = serializer.errors
    if isinstance(errors, dict) and not all(isinstance(key, int) for key in errors):
        raise exceptions.ValidationError({field: errors})  # the list itself is malformed
    indexed = errors.items() if isinstance(errors, dict) else enumerate(errors)
    raise ItemErrors({index: item for index, item in indexed if item}, field=field)


class StateConflict(Exception):
    """The request is valid but the object's state does not allow it now. `extra` goes into
    the answer beside detail and code (say, the reasons or the fields concerned)."""

    def __init__(self, message: str, *, code: str = "conflict", extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}


class TooLarge(Exception):
    """An upload over its size limit (413)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TooManyRequests(Exception):
    """The user has too much work under way to start more now (429 with Retry-After)."""

    def __init__(self, message: str, *, retry_after: int, code: str = "too_many_requests"):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.code = code


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, ItemErrors):
        return Response(exc.as_detail(), status=status.HTTP_400_BAD_REQUEST)
    elif isinstance(exc, StateConflict):
        return Response(
            {**exc.extra, "detail": exc.message, "code": exc.code}, status=status.HTTP_409_CONFLICT
        )
    elif isinstance(exc, TooLarge):
        return Response({"detail": exc.message}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    elif isinstance(exc, TooManyRequests):
        return Response(
            {"detail": exc.message, "code": exc.code},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(exc.retry_after)},
        )
    elif isinstance(exc, BrokerUnavailable):
        return Response(
            {"detail": exc.message},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(exc.retry_after)},
        )
    elif isinstance(exc, OperationalError | InterfaceError):
        # A dropped connection, a restarting or failing-over server, a deadlock: the transaction
        # under way did not commit, and the same request is likely to succeed a moment later.
        logger.warning("Database unavailable; answered 503", exc_info=exc)
        return Response(
            {"detail": _("The database is briefly unavailable. Please try again in a moment.")},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
        )
    return exception_handler(exc, context)
