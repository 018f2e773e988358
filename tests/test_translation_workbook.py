"""The translation workbook (config.translation_workbook): written as a translator reads it,
read back row by row, every problem named with its row."""

import io

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.spreadsheets import UnreadableTable
from config.translation_workbook import (
    Text,
    completeness,
    placeholders,
    workbook_bytes,
    workbook_changes,
    workbook_rows,
)

LANGUAGES = ("en", "ru", "kk", "uz")
TEXTS = [
    Text("finding.1", {"en": "Complaints go to three systems.", "kk": "Шағымдар үш жүйеге түседі."}, 100),
    Text("finding.2", {"en": "%(count)d branches of {total} answer in a day.", "ru": "Да"}, 100),
    Text("commentary", {"en": "=SUM(A1) is not a formula here.\n\nSecond paragraph."}, 100),
    Text("quote.4", {"ru": "Только по-русски."}, 100),
]


def _sheet(raw: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(raw)).active.iter_rows(values_only=True))


def _edited(raw: bytes, edits: dict[int, dict[int, str]]) -> bytes:
    """The workbook with cells replaced: {row: {column: value}} (1-based, as a sheet counts)."""
    book = openpyxl.load_workbook(io.BytesIO(raw))
    for row, cells in edits.items():
        for column, value in cells.items():
            book.active.cell(row=row, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_workbook_has_a_row_per_text_to_translate():
    rows = _sheet(workbook_bytes(texts=TEXTS, source="en", target="kk"))
    assert rows == [
        ("key", "en", "kk", "status"),
        ("finding.1", "Complaints go to three systems.", "Шағымдар үш жүйеге түседі.", "translated"),
        ("finding.2", "%(count)d branches of {total} answer in a day.", None, "missing"),
        # A spreadsheet would run it: it is quoted, and read back without the quote.
        ("commentary", "'=SUM(A1) is not a formula here.\n\nSecond paragraph.", None, "missing"),
    ]


def test_a_workbook_read_back_unchanged_changes_nothing():
    raw = workbook_bytes(texts=TEXTS, source="en", target="kk")
    read = workbook_rows(raw, languages=LANGUAGES)
    assert (read.source, read.target) == ("en", "kk")
    assert read.rows[2] == (4, "commentary", TEXTS[2].texts["en"], "")
    assert workbook_changes(read=read, texts={text.key: text for text in TEXTS}) == ({}, {})


def test_translations_written_are_the_changes():
    raw = _edited(
        workbook_bytes(texts=TEXTS, source="en", target="kk"),
        {3: {3: "%(count)d бөлімшенің {total} бөлімшесі бір күнде жауап береді."}, 4: {3: "-Екі абзац."}},
    )
    changes, problems = workbook_changes(
        read=workbook_rows(raw, languages=LANGUAGES), texts={text.key: text for text in TEXTS}
    )
    assert problems == {}
    assert changes == {
        "finding.2": "%(count)d бөлімшенің {total} бөлімшесі бір күнде жауап береді.",
        "commentary": "-Екі абзац.",
    }


def test_every_faulty_row_is_named_and_nothing_is_changed():
    raw = _edited(
        workbook_bytes(texts=TEXTS, source="en", target="kk"),
        {
            2: {3: ""},  # a translation emptied
            3: {3: "%(cnt)d бөлімше бір күнде жауап береді."},  # a placeholder broken
            4: {2: "A source rewritten by the translator.", 3: "Аударма."},
            5: {1: "finding.99", 2: "Anything", 3: "Бірдеңе"},
            6: {1: "finding.1", 2: "Complaints go to three systems.", 3: "Басқа аударма."},
        },
    )
    changes, problems = workbook_changes(
        read=workbook_rows(raw, languages=LANGUAGES), texts={text.key: text for text in TEXTS}
    )
    assert changes == {}
    assert problems == {
        2: {"kk": ["The translation is empty, but the text has one; write it again or restore it."]},
        3: {"kk": ["The placeholders differ: the source has %(count)d {total}, the translation %(cnt)d."]},
        4: {"en": ["The source text has changed since the workbook was exported; export it again."]},
        5: {"key": ["Unknown key: no such text here."]},
        6: {"key": ["This key is given twice (also in row 2)."]},
    }


def test_a_translation_longer_than_its_text_may_be_is_refused():
    text = Text("finding.1", {"en": "Short."}, 10)
    raw = _edited(workbook_bytes(texts=[text], source="en", target="ru"), {2: {3: "Слишком длинный текст."}})
    _changes, problems = workbook_changes(
        read=workbook_rows(raw, languages=LANGUAGES), texts={"finding.1": text}
    )
    assert problems == {2: {"ru": ["The translation is longer than 10 characters."]}}


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["name", "en", "kk"], "it is not a translation workbook"),
        (["key", "en", "xx"], "it is not a translation workbook"),
        (["key", "en", "en"], 'the column "en" appears more than once'),
    ],
)
def test_a_file_that_is_not_a_translation_workbook_is_refused(header, message):
    book = openpyxl.Workbook()
    book.active.append(header)
    book.active.append(["finding.1", "Text", "Текст"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(UnreadableTable, match=message):
        workbook_rows(buffer.getvalue(), languages=LANGUAGES)


def test_placeholders_of_both_kinds():
    assert placeholders("%(count)d of {total} — 50 % and %s, not {} twice {}") == [
        "%(count)d",
        "%s",
        "{total}",
        "{}",
        "{}",
    ]


def test_completeness_per_language():
    found = {
        item.language: (item.translated, item.total, item.missing, item.percent)
        for item in completeness(texts=TEXTS, languages=LANGUAGES)
    }
    assert found == {"en": (3, 4, 1, 75), "ru": (2, 4, 2, 50), "kk": (1, 4, 3, 25), "uz": (0, 4, 4, 0)}
    # 199 of 200 is not rounded up to 100 %.
    many = [Text(f"t.{n}", {"en": "x", "kk": "y" if n else ""}, 10) for n in range(200)]
    assert [item.percent for item in completeness(texts=many, languages=("kk",))] == [99]


@settings(max_examples=40, deadline=None)
@given(
    st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n=+-@"), min_size=1)
    .map(str.strip)
    .filter(bool)
)
def test_any_text_survives_the_round_trip(source):
    text = Text("finding.1", {"en": source}, 10_000)
    read = workbook_rows(workbook_bytes(texts=[text], source="en", target="uz"), languages=LANGUAGES)
    assert read.rows == [(2, "finding.1", source, "")]
    assert workbook_changes(read=read, texts={"finding.1": text}) == ({}, {})
