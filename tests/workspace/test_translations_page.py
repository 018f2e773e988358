"""The Translations tab: completeness per language, the workbook to download, and its import
with every faulty row listed and nothing saved."""

import io

import openpyxl
import pytest
from django.urls import reverse

from reports.models import ExecutiveCommentary
from reports.narrative_services import commentary_set, findings_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def texts(audit, consultant):
    findings_review(
        assessment=audit,
        user=consultant,
        changes=[
            {"area": "staff", "kind": "strength", "text": {"en": "Every new employee learns the standards."}}
        ],
    )
    commentary_set(
        assessment=audit, user=consultant, text={"en": "Customers first.", "kk": "Клиент бірінші."}
    )
    return audit


def _upload(client, assessment, raw: bytes):
    file = io.BytesIO(raw)
    file.name = "translations.xlsx"
    return client.post(reverse("workspace:translations", args=[assessment.pk]), {"file": file})


def _workbook(client, assessment, source="en", target="kk"):
    url = reverse("workspace:translations-workbook", args=[assessment.pk])
    return client.get(url, {"source": source, "target": target})


def test_the_tab_shows_how_complete_each_language_is(consultant_client, texts):
    page = consultant_client.get(reverse("workspace:translations", args=[texts.pk])).content.decode()
    text = " ".join(page.split())
    meter = '<meter min="0" max="100" value="{}" aria-hidden="true"></meter>'.format
    assert f"English (en):</span> {meter(100)} <strong>100 %</strong> — all 2 texts written" in text
    assert f"Kazakh (kk):</span> {meter(50)} <strong>50 %</strong> — 1 text missing" in text
    assert f"Uzbek (uz):</span> {meter(0)} <strong>0 %</strong> — 2 texts missing" in text
    assert "What a report in Uzbek lacks" in text
    # The workbook offered first goes into the language that lacks the most (Russian and Uzbek
    # two each: the first of them).
    assert '<option value="ru" selected>Russian' in text and '<option value="en" selected>English' in text
    assert "Missing Uzbek text: the executive commentary." in text


def test_the_workbook_downloads_and_comes_back_translated(consultant_client, texts):
    response = _workbook(consultant_client, texts, target="uz")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="translations-{texts.pk}-en-uz.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert [row[0] for row in rows][1:] == [f"finding.{texts.findings.get(key='').pk}", "commentary"]
    book.active.cell(row=2, column=3, value="Har bir yangi xodim standartlarni oʻrganadi.")
    book.active.cell(row=3, column=3, value="Mijoz birinchi.")
    buffer = io.BytesIO()
    book.save(buffer)
    answer = _upload(consultant_client, texts, buffer.getvalue())
    assert answer.status_code == 302
    page = consultant_client.get(answer["Location"]).content.decode()
    assert "2 texts in Uzbek were imported." in page
    assert ExecutiveCommentary.objects.get(assessment=texts).text["uz"] == "Mijoz birinchi."


def test_a_faulty_workbook_lists_its_rows_and_saves_nothing(consultant_client, texts):
    book = openpyxl.load_workbook(io.BytesIO(_workbook(consultant_client, texts).content))
    book.active.cell(row=2, column=3, value="Әр жаңа қызметкер стандарттарды үйренеді.")
    book.active.cell(row=3, column=3, value="")  # the commentary's Kazakh emptied
    book.active.append(["finding.999999", "Unknown", "Белгісіз"])
    buffer = io.BytesIO()
    book.save(buffer)
    answer = _upload(consultant_client, texts, buffer.getvalue())
    assert answer.status_code == 400
    text = " ".join(answer.content.decode().split())
    assert "Nothing was imported: correct the rows below and import the workbook again." in text
    assert (
        "<tr><td>3</td><td>kk</td><td>The translation is empty, but the text has one; "
        "write it again or restore it.</td></tr>" in text
    )
    assert "<tr><td>4</td><td>key</td><td>Unknown key: no such text here.</td></tr>" in text
    assert texts.findings.get(key="").text == {"en": "Every new employee learns the standards."}


def test_a_file_that_is_no_workbook_is_refused_at_the_field(consultant_client, texts):
    answer = _upload(consultant_client, texts, b"%PDF-1.7 not a table")
    assert answer.status_code == 400
    assert "it is not a CSV or XLSX file but a PDF document" in answer.content.decode()


def test_the_same_language_twice_is_refused(consultant_client, texts):
    answer = _workbook(consultant_client, texts, source="kk", target="kk")
    assert answer.status_code == 400
    assert "Choose a language other than the one translated from." in answer.content.decode()


def test_only_the_consultant_translates(executive_client, stranger_consultant_client, texts):
    for client in (executive_client, stranger_consultant_client):
        assert client.get(reverse("workspace:translations", args=[texts.pk])).status_code == 404
        assert _workbook(client, texts).status_code == 404
