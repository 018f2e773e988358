"""The languages of settings.LANGUAGES as model choices: a callable, so that a migration names
it rather than copying the list, and offering a language needs no migration."""

from django.conf import settings


def language_choices() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)
