"""Bearer secrets kept out of logs. A personal link (/r/<token>/, the API's /respond/<token>/)
or an API token is the key itself, and request logs ("Not Found: /r/…/"), the development server's
access lines and e-mails printed by the console backend would otherwise hand it to whoever reads
them. Every log handler carries SecretsFilter (settings.LOGGING; the Celery worker's handlers
too, config.celery), and the console e-mail backend masks what it prints."""

import io
import logging
import re

from django.core.mail.backends import console

MASK = "[token]"
# The path segment after /r/ or /respond/, whatever it holds (a mistyped token is still most of
# one), and any free-standing 43-character URL-safe string: the shape of config.tokens' secrets.
_SECRETS = re.compile(r"(?<=/r/)[^/\s?#\"'<>]+|(?<=/respond/)[^/\s?#\"'<>]+|(?<![\w-])[\w-]{43}(?![\w-])")


def secrets_mask(text: str) -> str:
    return _SECRETS.sub(MASK, text)


class SecretsFilter(logging.Filter):
    """Masks secrets in a record's message (formatted with its arguments) and lets it through."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: the logging module reports it
            return True
        masked = secrets_mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class MaskedConsoleEmailBackend(console.EmailBackend):
    """Django's console backend (e-mails printed, for development) with the links masked: in a
    Celery worker, printed text ends up in the worker's log."""

    def write_message(self, message) -> None:
        stream, self.stream = self.stream, io.StringIO()
        try:
            super().write_message(message)
        finally:
            printed, self.stream = self.stream.getvalue(), stream
        self.stream.write(secrets_mask(printed))
