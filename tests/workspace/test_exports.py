"""Exports of an assessment as CSV and XLSX: who may download which table, the numbers
(those of the API), and formula neutralization of every text cell."""

import csv
import datetime
import io

import openpyxl
import pandas as pd
import pytest
from django.utils import timezone

from assessment.models import Status
from config.spreadsheets import cell_safe
from surveys.models import Answer, Indicator, Invitation, Response
from tests.assessment.test_customer_data import CUSTOMERS, MYSTERY, SURVEY, upload
from tests.factories import OVERRIDE_REASON, assessment_published

pytestmark = pytest.mark.django_db

DANGEROUS = ['=HYPERLINK("http://evil","x")', "+1", "@x", "-2", "\tx", "\rx"]


def url(assessment, dataset, file_format):
    return f"/assessments/{assessment.pk}/export/{dataset}.{file_format}"


def read(response, file_format) -> pd.DataFrame:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if file_format == "xlsx":
        return pd.read_excel(io.BytesIO(content), engine="openpyxl", keep_default_na=False, na_values=[""])
    return pd.read_csv(io.BytesIO(content), encoding="utf-8-sig", keep_default_na=False, na_values=[""])


def xlsx_cells(response) -> list:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [cell for row in sheet.iter_rows() for cell in row]


@pytest.fixture
def answered(audit):
    """Two submitted respondents (one with dangerous texts) and one who has not submitted."""
    indicators = list(
        Indicator.objects.filter(version=audit.catalog_version).order_by("area__position", "position")
    )
    first, second = indicators[0], indicators[1]
    submitted = timezone.make_aware(datetime.datetime(2026, 6, 1, 9, 30))
    people = [
        (
            "ann@alpha.test",
            '=HYPERLINK("http://evil","x")',
            "manager",
            [(first, 4, "+1"), (second, None, "@x")],
        ),
        ("bob@alpha.test", "Retail", "frontline", [(first, 2, "-2"), (second, 3, "\tx")]),
    ]
    invitations = []
    for email, department, role, answers in people:
        invitation = Invitation.objects.create(
            assessment=audit, email=email, department=department, role=role
        )
        response = Response.objects.create(invitation=invitation, submitted_at=submitted)
        for indicator, level, comment in answers:
            Answer.objects.create(response=response, indicator=indicator, level=level, comment=comment)
        invitations.append(invitation)
    pending = Invitation.objects.create(
        assessment=audit, email="cat@alpha.test", department="IT", role="manager"
    )
    Answer.objects.create(response=Response.objects.create(invitation=pending), indicator=first, level=5)
    return invitations, first, second


@pytest.fixture
def with_customers(audit, consultant_client):
    response = consultant_client.post(
        f"/assessments/{audit.pk}/customer-data/",
        {
            "customers": upload("customers.csv", CUSTOMERS.replace("C4,premium", "C4,=SUM(A1)")),
            "survey": upload("survey.csv", SURVEY),
            "mystery_shopping": upload("mystery.csv", MYSTERY),
        },
    )
    assert response.status_code == 302
    return audit


def published(audit):
    audit.status = Status.SCORING
    audit.save()
    return assessment_published(assessment=audit, override_reason=OVERRIDE_REASON)


# --- cell_safe ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", DANGEROUS)
def test_cell_safe_quotes_every_formula_prefix(text):
    assert cell_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["Retail", "a=b", "", 5, -2.5, None])
def test_cell_safe_keeps_harmless_values(value):
    assert cell_safe(value) == value


# --- answers ------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_answers_one_row_per_submitted_answer(consultant_client, audit, answered, file_format):
    (ann, bob), first, second = answered
    response = consultant_client.get(url(audit, "answers", file_format))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="alpha-bank-answers-2026-06-30.{file_format}"'
    )
    frame = read(response, file_format)
    assert list(frame.columns) == [
        "respondent",
        "department",
        "role",
        "area",
        "indicator",
        "level",
        "dont_know",
        "comment",
        "submitted_at",
    ]
    # The respondent who has not submitted is left out, as in the scores; no e-mail is exported.
    assert len(frame) == 4
    assert "cat@alpha.test" not in frame.to_string() and "ann@alpha.test" not in frame.to_string()
    rows = {(row.respondent, row.indicator): row for row in frame.itertuples()}
    assert rows[(ann.pk, first.code)].level == 4
    assert pd.isna(rows[(ann.pk, second.code)].level)
    assert bool(rows[(ann.pk, second.code)].dont_know) is True
    assert rows[(bob.pk, first.code)].role == "frontline"
    assert rows[(bob.pk, first.code)].submitted_at == "2026-06-01T09:30:00+00:00"  # UTC, the test time zone


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_answers_neutralize_formulas_in_comments_and_departments(
    consultant_client, audit, answered, file_format
):
    response = consultant_client.get(url(audit, "answers", file_format))
    frame = read(response, file_format)
    texts = set(frame["comment"]) | set(frame["department"])
    # pandas' CSV reader keeps a quoted tab but the leading quote is what matters.
    for text in ['=HYPERLINK("http://evil","x")', "+1", "@x", "-2", "\tx"]:
        assert "'" + text in texts
        assert text not in texts
    if file_format == "xlsx":
        cells = xlsx_cells(response)
        assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
        assert all(
            not (isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@", "\t", "\r")))
            for cell in cells
        )
    else:
        lines = response.content.decode("utf-8-sig").splitlines()
        assert all(not cell.startswith(("=", "+", "@")) for line in lines[1:] for cell in line.split(","))


def test_answers_are_for_consultants_only(executive_client, stranger_consultant_client, audit, answered):
    published(audit)
    assert executive_client.get(url(audit, "answers", "csv")).status_code == 404
    assert stranger_consultant_client.get(url(audit, "answers", "csv")).status_code == 404


# --- scores ---------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_scores_equal_the_api(consultant_client, audit, answered, file_format):
    (_ann, _bob), first, _second = answered
    api = consultant_client.get(f"/api/v1/assessments/{audit.pk}/scores/?lang=en").json()
    response = consultant_client.get(url(audit, "scores", file_format))
    assert response.status_code == 200
    frame = read(response, file_format)
    assert list(frame.columns)[:7] == ["scope", "code", "area", "name", "score", "level", "level_name"]
    overall = frame[frame["scope"] == "overall"].iloc[0]
    assert overall["score"] == pytest.approx(api["overall"]["score"])
    assert overall["scored"] == api["coverage"]["scored"] and overall["total"] == api["coverage"]["total"]
    areas = frame[frame["scope"] == "area"].set_index("code")
    assert list(areas.index) == [area["code"] for area in api["areas"]]
    indicators = frame[frame["scope"] == "indicator"].set_index("code")
    assert len(indicators) == len(api["indicators"])
    expected = next(item for item in api["indicators"] if item["code"] == first.code)
    row = indicators.loc[first.code]
    # Answers 4 and 2: mean level 3, score (3 − 1) × 25 = 50.
    assert expected["score"] == pytest.approx(50)
    assert row["score"] == pytest.approx(expected["score"])
    assert row["n"] == expected["n"] == 2
    assert row["mean_level"] == pytest.approx(3)
    assert row["confidence"] == expected["confidence"] == "low"
    assert row["evidence_survey"] == pytest.approx(50)
    assert row["name"] == first.title["en"]


def test_scores_in_russian(consultant_client, audit, answered):
    frame = read(consultant_client.get(url(audit, "scores", "csv") + "?lang=ru"), "csv")
    first = answered[1]
    assert frame.set_index("code").loc[first.code, "name"] == first.title["ru"]


def test_executives_download_scores_of_a_published_assessment_only(executive_client, audit, answered):
    assert executive_client.get(url(audit, "scores", "xlsx")).status_code == 404  # still collecting
    published(audit)
    response = executive_client.get(url(audit, "scores", "xlsx"))
    assert response.status_code == 200
    assert read(response, "xlsx")["scope"].iloc[0] == "overall"


def test_strangers_get_404(stranger_consultant_client, stranger_executive_client, audit, answered):
    published(audit)
    for client in (stranger_consultant_client, stranger_executive_client):
        for dataset in ("answers", "scores", "metrics", "customers"):
            assert client.get(url(audit, dataset, "csv")).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, audit):
    response = client.get(url(audit, "scores", "csv"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "path", ["scores.pdf", "scores.json", "passwords.csv", "invitations.xlsx", "scores.CSV"]
)
def test_unknown_datasets_and_formats_are_404(consultant_client, audit, path):
    assert consultant_client.get(f"/assessments/{audit.pk}/export/{path}").status_code == 404


# --- metrics and customers ----------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_metrics_as_metric_value_rows_equal_the_api(consultant_client, with_customers, file_format):
    audit = with_customers
    api = consultant_client.get(f"/api/v1/assessments/{audit.pk}/customer-metrics/").json()
    frame = read(consultant_client.get(url(audit, "metrics", file_format)), file_format)
    assert list(frame.columns) == ["metric", "value"]
    values = dict(zip(frame["metric"], frame["value"], strict=True))
    assert float(values["nps.score"]) == pytest.approx(api["nps"]["score"]) == pytest.approx(10)
    assert float(values["nps.ci95.0"]) == pytest.approx(api["nps"]["ci95"][0])
    assert float(values["churn.rate"]) == pytest.approx(50)  # C3 closed, C4 never active
    assert float(values["churn.inactive"]) == 1 and values["churn.basis"] == "both"
    assert values["churn.annualised"] in (False, "False")
    assert float(values["mystery_shopping.compliance"]) == pytest.approx(200 / 3)
    assert float(values["by_segment.mass.product_load"]) == pytest.approx(3)
    # No SERVQUAL answers: the row is there, its value empty (no data, not 0).
    assert pd.isna(values["servqual"])


def test_metrics_without_customer_data_are_all_empty(consultant_client, audit):
    frame = read(consultant_client.get(url(audit, "metrics", "csv")), "csv")
    assert set(frame["metric"]) >= {"nps", "csi", "churn", "clv"}
    assert frame["value"].isna().all()


def test_executives_download_metrics_but_not_customers(executive_client, with_customers):
    audit = published(with_customers)
    assert executive_client.get(url(audit, "metrics", "csv")).status_code == 200
    assert executive_client.get(url(audit, "customers", "csv")).status_code == 404
    assert executive_client.get(url(audit, "customers", "xlsx")).status_code == 404


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_customers_are_the_classified_clients_of_the_api(consultant_client, with_customers, file_format):
    audit = with_customers
    api = consultant_client.get(f"/api/v1/assessments/{audit.pk}/customers/").json()
    response = consultant_client.get(url(audit, "customers", file_format))
    assert response.status_code == 200
    frame = read(response, file_format)
    assert list(frame.columns)[:3] == ["client_id", "segment", "product_count"]
    assert "type" in frame.columns
    assert sorted(frame["client_id"]) == sorted(row["client_id"] for row in api["results"])
    by_id = frame.set_index("client_id")
    for row in api["results"]:
        assert by_id.loc[row["client_id"], "type"] == row["type"]
        assert by_id.loc[row["client_id"], "product_count"] == row["product_count"]
    # A segment named like a formula is exported as text.
    assert "'=SUM(A1)" in set(frame["segment"])


def test_customers_without_customer_data_are_404(consultant_client, audit):
    assert consultant_client.get(url(audit, "customers", "csv")).status_code == 404


# --- the customer survey's comments ------------------------------------------------------------


@pytest.fixture
def with_comments(audit, consultant_client):
    """A survey whose comments start with every formula prefix, and a plain one."""
    text = io.StringIO()
    # CRLF lines, so that the writer quotes the comment holding a lone CR.
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(["client_id", "instrument", "item", "dimension", "value", "comment"])
    writer.writerows(
        [f"C{1 + n % 4}", "nps_transactional", "visit", "", n, comment] for n, comment in enumerate(DANGEROUS)
    )
    writer.writerow(["C1", "nps", "r", "", 9, "Plain"])
    survey = text.getvalue()
    response = consultant_client.post(
        f"/assessments/{audit.pk}/customer-data/",
        {"customers": upload("customers.csv", CUSTOMERS), "survey": upload("survey.csv", survey)},
    )
    assert response.status_code == 302
    return audit


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_comments_are_exported_with_every_formula_neutralized(consultant_client, with_comments, file_format):
    response = consultant_client.get(url(with_comments, "comments", file_format))
    assert response.status_code == 200
    frame = read(response, file_format)
    assert list(frame.columns) == ["client_id", "instrument", "item", "value", "comment"]
    # Cells are trimmed on import: "\tx" and "\rx" arrive as "x".
    imported = [text.strip() for text in DANGEROUS]
    assert frame["comment"].tolist() == [cell_safe(text) for text in imported] + ["Plain"]
    assert all(not text.startswith(("=", "+", "-", "@")) for text in frame["comment"])
    if file_format == "xlsx":
        assert all(cell.data_type != "f" for cell in xlsx_cells(response))


def test_comments_are_for_consultants_only(executive_client, consultant_client, with_comments):
    audit = published(with_comments)
    assert executive_client.get(url(audit, "comments", "csv")).status_code == 404
    page = consultant_client.get(f"/assessments/{audit.pk}/customer-data/").content.decode()
    assert url(audit, "comments", "xlsx") in page


def test_comments_without_customer_data_are_an_empty_table(consultant_client, audit):
    frame = read(consultant_client.get(url(audit, "comments", "csv")), "csv")
    assert list(frame.columns) == ["client_id", "instrument", "item", "value", "comment"]
    assert frame.empty
