"""The method's own texts as a translation workbook (config.translation_workbook): both catalog
editions, the recommendation library and the finding templates, as their data files hold them
(config.yaml_texts). An import is checked row by row, then every changed file is checked by its
own loader before any is written, and the catalog editions it changed are loaded as new catalog
versions; a refusal anywhere leaves every file as it was. Keys are `<file>:<path>`, the file
named without `.yaml` (`cx_maturity_v2:areas.staff.indicators.STF-07.question`)."""

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from config.exceptions import ItemErrors
from config.translation_workbook import (
    Completeness,
    Text,
    completeness,
    workbook_bytes,
    workbook_changes,
    workbook_rows,
)
from config.yaml_texts import YamlText, YamlTextsError, yaml_texts, yaml_texts_replaced
from reports.findings import TEMPLATES_PATH, templates_load
from reports.recommendations import LIBRARY_PATH, library_load
from reports.texts import LANGUAGES
from surveys.services import CATALOG_FILES, CatalogError, catalog_load, catalog_validate

# The longest text the method's files hold is a catalog note of about 1,200 characters.
METHOD_TEXT_MAX = 4000


class MethodTextsInvalid(ValueError):
    """A changed data file its loader refuses: nothing was written."""


def _catalog_check(path: Path) -> None:
    catalog_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


# Each data file with the loader that checks it.
METHOD_FILES: dict[Path, Callable[[Path], object]] = {
    **dict.fromkeys(CATALOG_FILES, _catalog_check),
    LIBRARY_PATH: lambda path: library_load(path=path),
    TEMPLATES_PATH: lambda path: templates_load(path=path),
}


@dataclass(frozen=True)
class MethodTranslationsImported:
    source: str
    target: str
    changed: int
    files: list[str]
    catalog_versions: list[int]


def _file_texts(path: Path) -> list[YamlText]:
    try:
        return yaml_texts(path.read_text(encoding="utf-8"), languages=LANGUAGES)
    except YamlTextsError as error:
        raise MethodTextsInvalid(f"{path.name}: {error}") from error


def method_texts() -> dict[str, tuple[Path, YamlText]]:
    """Every text of the method's files by its key."""
    return {f"{path.stem}:{text.key}": (path, text) for path in METHOD_FILES for text in _file_texts(path)}


def _texts(found: dict[str, tuple[Path, YamlText]]) -> dict[str, Text]:
    return {key: Text(key, text.texts, METHOD_TEXT_MAX) for key, (_path, text) in found.items()}


def method_translations_workbook(*, source: str, target: str) -> bytes:
    return workbook_bytes(texts=_texts(method_texts()).values(), source=source, target=target)


def method_translations_completeness() -> list[Completeness]:
    return completeness(texts=_texts(method_texts()).values(), languages=LANGUAGES)


def _rewritten(
    found: dict[str, tuple[Path, YamlText]], changes: dict[str, str], target: str
) -> dict[Path, str]:
    """The new content of each file a change touches."""
    replacements: dict[Path, dict[tuple[int, int], str]] = {}
    for key, value in changes.items():
        path, text = found[key]
        replacements.setdefault(path, {})[text.spans[target]] = value
    return {
        path: yaml_texts_replaced(path.read_text(encoding="utf-8"), replacements=spans)
        for path, spans in replacements.items()
    }


def _checked(path: Path, content: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        candidate = Path(folder) / path.name
        candidate.write_text(content, encoding="utf-8")
        try:
            METHOD_FILES[path](candidate)
        except (CatalogError, ImproperlyConfigured, yaml.YAMLError) as error:
            raise MethodTextsInvalid(f"{path.name}: {error}") from error


@transaction.atomic
def method_translations_import(*, raw: bytes) -> MethodTranslationsImported:
    """Apply a workbook of the method's texts (UnreadableTable for a file that is none,
    ItemErrors by row number, MethodTextsInvalid for a file its loader refuses): files written
    only when all pass, then every catalog edition loaded in order, a changed one as a new
    version."""
    read = workbook_rows(raw, languages=LANGUAGES)
    found = method_texts()
    # A text without the target language has no place to write it: the files give every language.
    texts = {key: text for key, text in _texts(found).items() if read.target in found[key][1].spans}
    changes, problems = workbook_changes(read=read, texts=texts)
    if problems:
        raise ItemErrors(problems, field="rows")
    rewritten = _rewritten(found, changes, read.target)
    for path, content in rewritten.items():
        _checked(path, content)
    for path, content in rewritten.items():
        path.write_text(content, encoding="utf-8")
    versions = [
        result.version.number for path in CATALOG_FILES if (result := catalog_load(path=path)).created
    ]
    return MethodTranslationsImported(
        source=read.source,
        target=read.target,
        changed=len(changes),
        files=sorted(path.name for path in rewritten),
        catalog_versions=versions,
    )
