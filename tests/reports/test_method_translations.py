"""The method's texts as a translation workbook (reports.method_translations, `manage.py
method_translations`): every text of the catalog editions, the recommendation library and the
finding templates out and back, written in place in copies of the data files."""

import io
import shutil

import openpyxl
import pytest
import yaml
from django.core.management import CommandError, call_command

from config.yaml_texts import YamlTextsError, yaml_texts
from reports import method_translations
from reports.method_translations import (
    METHOD_FILES,
    method_translations_completeness,
    method_translations_import,
)
from surveys.models import CatalogVersion
from surveys.selectors import catalog_version_current
from surveys.services import CATALOG_FILES, catalog_load

LANGUAGES = ("en", "ru", "kk", "uz")
STF07 = "cx_maturity_v2:areas.staff.indicators.STF-07.question"


@pytest.fixture
def data_files(tmp_path, monkeypatch, db):
    """Copies of the method's data files, which the import writes instead of the real ones;
    both catalog editions loaded from them."""
    copies = {}
    for path, check in METHOD_FILES.items():
        copy = tmp_path / path.name
        shutil.copy(path, copy)
        copies[copy] = check
    catalog_copies = tuple(tmp_path / path.name for path in CATALOG_FILES)
    monkeypatch.setattr(method_translations, "METHOD_FILES", copies)
    monkeypatch.setattr(method_translations, "CATALOG_FILES", catalog_copies)
    for path in catalog_copies:
        catalog_load(path=path)
    return {path.name: path for path in copies}


def _workbook(target: str, edits: dict[str, str] | None = None) -> bytes:
    book = openpyxl.load_workbook(
        io.BytesIO(method_translations.method_translations_workbook(source="en", target=target))
    )
    for row in book.active.iter_rows(min_row=2):
        if row[0].value in (edits or {}):
            row[2].value = edits[row[0].value]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_every_text_of_the_method_is_there_in_every_language(data_files):
    found = method_translations.method_texts()
    assert len(found) > 1200
    assert {item.language: item.percent for item in method_translations_completeness()} == dict.fromkeys(
        LANGUAGES, 100
    )
    _path, question = found[STF07]
    assert question.texts["en"].startswith("Can customers be served in either of the market")
    assert found["recommendations:recommendations.STR-01.actions.1"][1].texts["kk"]
    assert "{indicator}" in found["findings:findings.strength"][1].texts["uz"]


def test_reimporting_the_workbook_unchanged_changes_nothing(data_files):
    before = {name: path.read_bytes() for name, path in data_files.items()}
    versions = CatalogVersion.objects.count()
    imported = method_translations_import(raw=_workbook("uz"))
    assert (imported.changed, imported.files, imported.catalog_versions) == (0, [], [])
    assert {name: path.read_bytes() for name, path in data_files.items()} == before
    assert CatalogVersion.objects.count() == versions


def test_a_catalog_translation_is_written_in_place_and_makes_a_new_version(data_files):
    v2 = data_files["cx_maturity_v2.yaml"]
    before = v2.read_text(encoding="utf-8")
    current = CatalogVersion.objects.order_by("-number").first()
    question = "Mijoz istalgan kanalda bozorning ikki tilidan birida xizmat ola oladimi?"
    imported = method_translations_import(raw=_workbook("uz", {STF07: question}))
    assert (imported.changed, imported.files) == (1, ["cx_maturity_v2.yaml"])
    after = v2.read_text(encoding="utf-8")
    # One line changed, every comment and the layout kept.
    changed = [
        (old, new) for old, new in zip(before.splitlines(), after.splitlines(), strict=True) if old != new
    ]
    assert changed == [(changed[0][0], f'          uz: "{question}"')]
    [number] = imported.catalog_versions
    new = CatalogVersion.objects.get(number=number)
    assert (new.edition, number) == (2, current.number + 1)
    assert new.indicators.get(code="STF-07").question["uz"] == question
    assert current.indicators.get(code="STF-07").question["uz"] != question  # the old one unchanged


def test_a_broken_placeholder_is_refused_with_its_row_and_no_file_changes(data_files):
    before = {name: path.read_bytes() for name, path in data_files.items()}
    rows = list(openpyxl.load_workbook(io.BytesIO(_workbook("kk"))).active.iter_rows(values_only=True))
    row = next(
        number for number, values in enumerate(rows, start=1) if values[0] == "findings:findings.strength"
    )
    raw = _workbook(
        "kk",
        {
            "findings:findings.strength": "«{indicator}» — күшті жақ: 100 балдан {score}.",
            STF07: "Жаңа сұрақ?",
        },
    )
    with pytest.raises(CommandError) as refused:
        call_command("method_translations", "import", str(_saved(raw, data_files)))
    assert str(refused.value) == (
        "Nothing was imported:\n"
        f"row {row}, kk: The placeholders differ: the source has {{evidence}} {{indicator}} {{score}}, "
        "the translation {indicator} {score}."
    )
    assert {name: path.read_bytes() for name, path in data_files.items()} == before


def test_a_file_its_loader_refuses_is_not_written(data_files, monkeypatch):
    before = {name: path.read_bytes() for name, path in data_files.items()}

    def refuse(path):
        raise method_translations.CatalogError("area organization: refused for the test")

    library = data_files["recommendations.yaml"]
    monkeypatch.setitem(method_translations.METHOD_FILES, library, refuse)
    key = "recommendations:recommendations.STR-01.title"
    with pytest.raises(
        method_translations.MethodTextsInvalid, match=r"recommendations\.yaml: area organization"
    ):
        method_translations_import(raw=_workbook("ru", {key: "Стратегия"}))
    assert {name: path.read_bytes() for name, path in data_files.items()} == before


def _saved(raw: bytes, data_files) -> str:
    path = next(iter(data_files.values())).parent / "kk.xlsx"
    path.write_bytes(raw)
    return path


def test_the_status_command_counts_per_language(data_files, capsys):
    call_command("method_translations", "status")
    assert capsys.readouterr().out.splitlines()[2] == "kk: 100 % — 0 of 1247 texts missing"


def test_a_key_given_twice_in_a_data_file_is_refused():
    with pytest.raises(YamlTextsError, match="line 1: kk given more than once"):
        yaml_texts('title: {en: "A", kk: "Б", kk: "В"}', languages=LANGUAGES)


@pytest.mark.parametrize("path", list(METHOD_FILES), ids=lambda path: path.name)
def test_no_data_file_gives_a_key_twice(path):
    text = path.read_text(encoding="utf-8")
    assert yaml_texts(text, languages=LANGUAGES)
    assert yaml.safe_load(text)


def test_translating_the_first_edition_leaves_the_second_current(data_files):
    key = "cx_maturity:areas.staff.indicators.STF-07.question"
    found = method_translations.method_texts()[key][1]
    imported = method_translations_import(raw=_workbook("kk", {key: found.texts["kk"] + " (қайта қаралған)"}))
    [number] = imported.catalog_versions
    assert CatalogVersion.objects.get(number=number).edition == 1
    assert catalog_version_current().edition == 2
