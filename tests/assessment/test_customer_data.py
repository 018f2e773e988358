import io

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from assessment.customer_data import dataset_frames
from assessment.customer_files import MAX_CELL_CHARS, MAX_COMMENT_CHARS, customer_files_parse
from assessment.models import CustomerDataset, Status
from assessment.selectors import customer_comments_frame
from tests.factories import executive_of

CUSTOMERS = (
    "client_id,segment,product_count,opened_on,closed_on,last_activity_on,annual_margin\n"
    "C1,mass,2,2020-01-10,,2026-06-20,100\n"
    "C2,mass,4,2021-03-01,,2026-05-01,300\n"
    "C3,premium,5,2019-07-07,2026-02-01,2026-01-20,900\n"
    "C4,premium,3,2022-02-02,,,500\n"
)
# NPS: the methods example (10, 9, 9, 8, 7, 7, 6, 5, 10, 3 → NPS 10).
SURVEY = (
    "client_id,instrument,item,dimension,value\n"
    + "".join(
        f"C{1 + n % 4},nps,recommend,,{value}\n" for n, value in enumerate([10, 9, 9, 8, 7, 7, 6, 5, 10, 3])
    )
    + "C1,csi,branch,,4\nC2,csi,branch,,5\n"
)
MYSTERY = (
    "visit_id,branch,visited_on,standard,result\n"
    "V1,Central,2026-05-02,greeting,yes\nV1,Central,2026-05-02,offer,no\nV1,Central,2026-05-02,farewell,n/a\n"
    "V2,North,2026-05-03,greeting,yes\n"
)


def customers_of(ids) -> str:
    """A customers file of these clients, all active mass clients since 2020."""
    rows = "".join(f"{client},mass,1,2020-01-01,,2026-06-01\n" for client in ids)
    return "client_id,segment,product_count,opened_on,closed_on,last_activity_on\n" + rows


def upload(name, text, encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def _post(api, audit, **files):
    return api.post(f"/api/v1/assessments/{audit.pk}/customer-data/", files, format="multipart")


def test_upload_stores_files_and_metrics(consultant_api, audit):
    response = _post(
        consultant_api,
        audit,
        customers=upload("customers.csv", CUSTOMERS),
        survey=upload("survey.csv", SURVEY),
        mystery_shopping=upload("mystery.csv", MYSTERY),
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["files"] == {
        "customers": {"name": "customers.csv", "rows": 4},
        "survey": {"name": "survey.csv", "rows": 12},
        "mystery_shopping": {"name": "mystery.csv", "rows": 4},
    }
    assert (body["period_start"], body["period_end"]) == ("2025-07-01", "2026-06-30")
    metrics = consultant_api.get(f"/api/v1/assessments/{audit.pk}/customer-metrics/").json()
    assert metrics["nps"]["score"] == pytest.approx(10)
    assert metrics["nps"]["n"] == 10
    assert metrics["mystery_shopping"]["compliance"] == pytest.approx(200 / 3)
    assert metrics["mystery_shopping"]["visits"] == 2
    # Method 2, closed or inactive: C3 closed, C4 has no activity recorded → 2 of 4.
    assert metrics["churn"]["closed"] == 1
    assert metrics["churn"]["inactive"] == 1
    assert metrics["churn"]["active_at_start"] == 4
    assert metrics["churn"]["rate"] == pytest.approx(50)
    assert (metrics["churn"]["basis"], metrics["churn"]["annualised"]) == ("both", False)
    assert metrics["product_load"]["overall"] == pytest.approx((2 + 4 + 3) / 3)
    assert metrics["servqual"] is None  # no SERVQUAL answers: null, not 0


def test_windows_1251_with_semicolons_and_decimal_commas(consultant_api, audit):
    text = (
        "client_id;segment;product_count;opened_on;closed_on;last_activity_on;annual_margin\n"
        "К-1;массовый;2;10.01.2020;;20.06.2026;100,5\n"
    )
    response = _post(consultant_api, audit, customers=upload("клиенты.csv", text, "cp1251"))
    assert response.status_code == 201, response.json()
    metrics = consultant_api.get(f"/api/v1/assessments/{audit.pk}/customer-metrics/").json()
    assert metrics["product_load"]["by_segment"] == {"массовый": 2.0}
    assert metrics["clv"]["by_segment"]["массовый"] is not None


def test_xlsx_upload(consultant_api, audit):
    book = openpyxl.Workbook()
    for line in CUSTOMERS.strip().split("\n"):
        book.active.append(line.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    response = _post(consultant_api, audit, customers=SimpleUploadedFile("customers.xlsx", buffer.getvalue()))
    assert response.status_code == 201
    assert response.json()["files"]["customers"]["rows"] == 4


def test_every_problem_is_reported_with_file_row_and_column_and_nothing_is_stored(consultant_api, audit):
    customers = (
        "client_id,segment,product_count,opened_on,closed_on,last_activity_on\n"
        "C1,mass,2,2020-01-10,,2026-06-20\n"
        "C1,mass,two,2020-13-45,,\n"
    )
    survey = (
        "client_id,instrument,item,dimension,value\n"
        "C1,nps,recommend,,11\n"
        "C9,csi,branch,,4\n"
        "C1,loyalty,x,,3\n"
        "C1,servqual_perception,R1,beauty,4\n"
    )
    mystery = "visit_id,branch,standard,result\nV1,Central,greeting,maybe\n"
    response = _post(
        consultant_api,
        audit,
        customers=upload("c.csv", customers),
        survey=upload("s.csv", survey),
        mystery_shopping=upload("m.csv", mystery),
    )
    assert response.status_code == 400
    problems = [(e["file"], e["row"], e["column"], e["message"]) for e in response.json()["errors"]]
    assert problems == [
        ("customers", 2, "client_id", "Duplicate client id."),
        ("customers", 3, "client_id", "Duplicate client id."),
        ("customers", 3, "opened_on", "Not a date (use YYYY-MM-DD or DD.MM.YYYY)."),
        ("customers", 3, "product_count", "A whole number of 0 or more is required."),
        (
            "survey",
            2,
            "value",
            "Out of range for the instrument (nps/nps_relationship/nps_transactional 0–10, others 1–5).",
        ),
        ("survey", 3, "client_id", "No such client in the customers file."),
        (
            "survey",
            4,
            "instrument",
            "Unknown instrument (use nps, nps_relationship, nps_transactional, csi, servqual_expectation, "
            "servqual_perception).",
        ),
        (
            "survey",
            5,
            "dimension",
            "Unknown dimension (use reliability, responsiveness, assurance, empathy, tangibles).",
        ),
        ("mystery_shopping", 1, "visited_on", "Missing column."),
    ]
    assert response.json()["error_count"] == 9
    assert not CustomerDataset.objects.exists()
    assert not default_storage.exists(f"customer-data/{audit.pk}")


def test_a_failing_upload_leaves_the_previous_data_intact(consultant_api, audit):
    _post(consultant_api, audit, customers=upload("customers.csv", CUSTOMERS), survey=upload("s.csv", SURVEY))
    before = CustomerDataset.objects.get()
    bad = _post(
        consultant_api, audit, customers=upload("new.csv", CUSTOMERS.replace("C4,premium,3", "C4,premium,-3"))
    )
    assert bad.status_code == 400
    after = CustomerDataset.objects.get()
    assert after.files == before.files
    assert after.metrics == before.metrics
    assert all(default_storage.exists(info["path"]) for info in after.files.values())


def test_uploading_one_kind_keeps_the_others_and_deletes_replaced_files(
    consultant_api, audit, django_capture_on_commit_callbacks
):
    _post(consultant_api, audit, customers=upload("customers.csv", CUSTOMERS), survey=upload("s.csv", SURVEY))
    old = CustomerDataset.objects.get().files
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            consultant_api,
            audit,
            survey=upload("s2.csv", "client_id,instrument,item,dimension,value\nC1,nps,r,,10\n"),
        )
    assert response.status_code == 201
    new = CustomerDataset.objects.get().files
    assert new["customers"] == old["customers"]
    assert new["survey"]["name"] == "s2.csv"
    assert not default_storage.exists(old["survey"]["path"])
    assert CustomerDataset.objects.get().metrics["nps"]["score"] == 100


def test_survey_needs_customers(consultant_api, audit):
    response = _post(consultant_api, audit, survey=upload("s.csv", SURVEY))
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Upload the customers file first (or together)."


def test_oversized_file_is_413(consultant_api, audit, settings):
    settings.CUSTOMER_DATA_MAX_BYTES = 100
    response = _post(consultant_api, audit, customers=upload("customers.csv", CUSTOMERS))
    assert response.status_code == 413
    assert not CustomerDataset.objects.exists()


def test_no_file_is_400(consultant_api, audit):
    response = _post(consultant_api, audit, period_start="2026-01-01")
    assert response.status_code == 400


def test_metrics_without_data_are_null_not_zero(consultant_api, audit):
    metrics = consultant_api.get(f"/api/v1/assessments/{audit.pk}/customer-metrics/").json()
    assert metrics["nps"] is None
    assert metrics["churn"] is None
    assert metrics["loyalty_types"] is None


def test_customer_metrics_feed_data_evidence_into_scores(consultant_api, audit):
    _post(consultant_api, audit, customers=upload("customers.csv", CUSTOMERS), survey=upload("s.csv", SURVEY))
    url = f"/api/v1/assessments/{audit.pk}/scores/"
    # Ten ratings are fewer than the 100 an NPS needs to be evidence (docs/methods.md §3.4).
    assert all(item["evidence"]["data"] is None for item in consultant_api.get(url).json()["indicators"])
    audit.sufficiency = {"min_sample": {"nps": 10}}
    audit.save()
    scores = consultant_api.get(url).json()
    bound = {i["code"]: i for i in scores["indicators"]}
    nps_indicator = next(code for code, item in bound.items() if item["evidence"]["data"] is not None)
    # NPS 10 → level 3 (docs/methods.md §8: [0, 20)) → 50 points of data evidence.
    assert bound[nps_indicator]["evidence"]["data"] == 50.0
    assert bound[nps_indicator]["score"] == 50.0


def test_customer_list_filters_and_exports_without_formulas(consultant_api, audit):
    customers = CUSTOMERS + '=HYPERLINK("http://x"),mass,9,2020-01-01,,2026-06-01,10\n'
    _post(consultant_api, audit, customers=upload("c.csv", customers), survey=upload("s.csv", SURVEY))
    url = f"/api/v1/assessments/{audit.pk}/customers/"
    body = consultant_api.get(url, {"page_size": 2}).json()
    assert body["count"] == 4  # active clients: C3 closed
    assert body["pages"] == 2
    assert len(body["results"]) == 2
    segment = consultant_api.get(url, {"segment": "premium"}).json()
    assert [row["client_id"] for row in segment["results"]] == ["C4"]
    export = consultant_api.get(url, {"export": "csv"})
    assert export["Content-Type"].startswith("text/csv")
    text = export.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert "\n=HYPERLINK" not in text
    assert consultant_api.get(url, {"type": "nonsense"}).status_code == 400


def test_templates_download(api, catalog):
    response = api.get("/api/v1/customer-data/templates/survey/")
    assert response.status_code == 200
    assert response.content.decode().startswith("client_id,instrument,item,dimension,value,comment\n")
    assert api.get("/api/v1/customer-data/templates/other/").status_code == 404


def test_permissions(api, audit):
    api.force_authenticate(executive_of(audit.organization))
    assert _post(api, audit, customers=upload("c.csv", CUSTOMERS)).status_code == 404  # draft: not visible
    audit.status = Status.PUBLISHED
    audit.save()
    assert _post(api, audit, customers=upload("c.csv", CUSTOMERS)).status_code == 403
    assert api.get(f"/api/v1/assessments/{audit.pk}/customers/").status_code == 403
    assert api.get(f"/api/v1/assessments/{audit.pk}/customer-metrics/").status_code == 200


def test_published_assessment_data_is_locked(consultant_api, audit):
    audit.status = Status.PUBLISHED
    audit.save()
    assert _post(consultant_api, audit, customers=upload("c.csv", CUSTOMERS)).status_code == 409


def test_kpis_come_from_metrics_and_the_consultant_can_override(consultant_api, audit):
    _post(consultant_api, audit, customers=upload("customers.csv", CUSTOMERS), survey=upload("s.csv", SURVEY))
    url = f"/api/v1/assessments/{audit.pk}/kpis/"
    kpis = consultant_api.get(url).json()["kpis"]
    assert kpis["churn_rate"] == {"label": "Churn rate, %", "value": 50.0, "source": "metrics"}
    assert kpis["nps"]["value"] == pytest.approx(10)
    assert kpis["average_deposit"] == {"label": "Average deposit", "value": None, "source": None}
    put = consultant_api.put(url, {"kpis": {"average_deposit": 1200, "churn_rate": 9.8}}, format="json")
    assert put.json()["kpis"]["average_deposit"]["value"] == 1200
    assert put.json()["kpis"]["churn_rate"] == {
        "label": "Churn rate, %",
        "value": 9.8,
        "source": "consultant",
    }
    cleared = consultant_api.put(url, {"kpis": {"churn_rate": None}}, format="json").json()["kpis"]
    assert cleared["churn_rate"]["source"] == "metrics"
    assert cleared["average_deposit"]["value"] == 1200
    bad = consultant_api.put(url, {"kpis": {"revenue": 1}}, format="json")
    assert bad.status_code == 400
    assert bad.json() == {"kpis": ["Unknown KPI(s): revenue."]}


def test_instrument_and_dimension_are_case_insensitive(consultant_api, audit):
    survey = (
        "client_id,instrument,item,dimension,value\n"
        "C1,NPS,r,,9\nC1,nps,r2,,7\nC2,ServQual_Perception,R1,Reliability,4\n"
    )
    response = _post(
        consultant_api, audit, customers=upload("c.csv", CUSTOMERS), survey=upload("s.csv", survey)
    )
    assert response.status_code == 201, response.json()
    assert CustomerDataset.objects.get().metrics["nps"]["n"] == 2


def test_period_must_be_ordered(consultant_api, audit):
    response = _post(
        consultant_api,
        audit,
        customers=upload("c.csv", CUSTOMERS),
        period_start="2026-06-30",
        period_end="2026-01-01",
    )
    assert response.status_code == 400
    assert response.json() == {"period_end": ["The period must end on or after its start."]}
    assert not CustomerDataset.objects.exists()
    assert not default_storage.exists(f"customer-data/{audit.pk}")


def test_churn_basis_and_a_half_year_are_set_with_the_upload(consultant_api, audit):
    """At 2026-01-01 C1–C4 are active; to 2026-06-30 (181 days) C3 closes and C4 has no
    activity: on the closed basis 1 of 4 churned, 25 % over the period, annualised."""
    response = _post(
        consultant_api,
        audit,
        customers=upload("customers.csv", CUSTOMERS),
        period_start="2026-01-01",
        period_end="2026-06-30",
        churn_basis="closed",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["churn_basis"] == "closed"
    assert (
        consultant_api.get(f"/api/v1/assessments/{audit.pk}/customer-data/").json()["churn_basis"] == "closed"
    )
    churn = consultant_api.get(f"/api/v1/assessments/{audit.pk}/customer-metrics/").json()["churn"]
    assert {key: churn[key] for key in ("closed", "inactive", "churned", "basis", "days", "annualised")} == {
        "closed": 1,
        "inactive": 1,
        "churned": 1,
        "basis": "closed",
        "days": 181,
        "annualised": True,
    }
    assert churn["period_rate"] == pytest.approx(25.0)
    # 1 − 0.75^(365.25 / 181) = 44.0 % a year.
    assert churn["rate"] == pytest.approx(100 * (1 - 0.75 ** (365.25 / 181)))
    assert churn["rate"] == pytest.approx(44.04, abs=0.01)
    # A later upload without a basis keeps the stored one.
    assert _post(consultant_api, audit, survey=upload("s.csv", SURVEY)).status_code == 201
    assert CustomerDataset.objects.get().churn_basis == "closed"


def test_an_unknown_churn_basis_is_refused_and_nothing_stored(consultant_api, audit):
    response = _post(consultant_api, audit, customers=upload("c.csv", CUSTOMERS), churn_basis="all")
    assert response.status_code == 400
    assert response.json() == {"churn_basis": ['"all" is not a valid choice.']}
    assert not CustomerDataset.objects.exists()


def test_a_method_1_assessment_keeps_churn_by_closure(consultant_api, audit):
    """Method 1 counts closures only, whatever the basis: C3 of four, 25 %, the old fields."""
    audit.method_version = 1
    audit.save()
    response = _post(consultant_api, audit, customers=upload("c.csv", CUSTOMERS), churn_basis="both")
    assert response.status_code == 201, response.json()
    churn = consultant_api.get(f"/api/v1/assessments/{audit.pk}/customer-metrics/").json()["churn"]
    assert {key: churn[key] for key in ("rate", "closed", "active_at_start", "period")} == {
        "rate": 25.0,
        "closed": 1,
        "active_at_start": 4,
        "period": ["2025-07-01", "2026-06-30"],
    }
    assert not {"inactive", "churned", "basis", "annualised"} & set(churn)
    # CLV reads that rate: m = mean of 100, 300, 500 = 300, r 0.75, d 10 % → 225 / 0.35.
    clv = consultant_api.get(f"/api/v1/assessments/{audit.pk}/customer-metrics/").json()["clv"]
    assert clv["overall"] == pytest.approx(300 * 0.75 / 0.35)


def test_data_thresholds_are_set_per_assessment(consultant_api, audit):
    # Method 1 reads the NPS's value; method 2 would read its interval, which is wide on the
    # ten ratings here (tests.assessment.test_sufficiency reads one).
    audit.method_version = 1
    audit.save(update_fields=["method_version"])
    _post(consultant_api, audit, customers=upload("customers.csv", CUSTOMERS), survey=upload("s.csv", SURVEY))
    url = f"/api/v1/assessments/{audit.pk}/"
    # Ten NPS ratings count as evidence only with a minimum sample this small.
    assert (
        consultant_api.patch(url, {"sufficiency": {"min_sample": {"nps": 10}}}, format="json").status_code
        == 200
    )

    def nps_evidence():
        scores = consultant_api.get(f"/api/v1/assessments/{audit.pk}/scores/").json()
        return next(i["evidence"]["data"] for i in scores["indicators"] if i["evidence"]["data"] is not None)

    assert nps_evidence() == 50.0  # NPS 10 → level 3 by the default thresholds
    patched = consultant_api.patch(url, {"data_thresholds": {"nps": [-50, -10, 5, 10]}}, format="json")
    assert patched.status_code == 200
    assert patched.json()["data_thresholds"] == {"nps": [-50.0, -10.0, 5.0, 10.0]}
    assert nps_evidence() == 100.0  # NPS 10 → level 5 by these more lenient edges
    for bad in ({"nps": [0, 0, 1, 2]}, {"nps": [1, 2, 3]}, {"revenue": [1, 2, 3, 4]}):
        assert consultant_api.patch(url, {"data_thresholds": bad}, format="json").status_code == 400


# --- the NPS of the relationship and of single interactions, and the survey's comments ---------

# Relationship ratings under both its names, transactional ones under their own, some commented.
MIXED_SURVEY = (
    "client_id,instrument,item,dimension,value,comment\n"
    'C1,nps,recommend,,10,"Fair fees, good app"\n'
    "C2,nps_relationship,recommend,,6,\n"
    "C3,NPS_Relationship,recommend,,9,\n"
    "C1,nps_transactional,branch_visit,,3,Waited 40 minutes\n"
    "C2,nps_transactional,branch_visit,,10,\n"
    "C4,nps_transactional,call,,8,=SUM(A1:A9)\n"
    "C4,csi,branch,,5,\n"
)


def test_each_nps_comes_from_its_own_rows_and_only_the_relationship_is_evidence(consultant_api, audit):
    response = _post(
        consultant_api, audit, customers=upload("c.csv", CUSTOMERS), survey=upload("s.csv", MIXED_SURVEY)
    )
    assert response.status_code == 201, response.json()
    metrics = consultant_api.get(f"/api/v1/assessments/{audit.pk}/customer-metrics/").json()
    # Relationship 10, 6, 9: 2 promoters, 1 detractor of 3 → 33.3. Transactional 3, 10, 8: one
    # of each → 0. Pooled, the six would read 16.7.
    assert metrics["nps"]["score"] == pytest.approx(100 / 3)
    assert metrics["nps"]["n"] == 3
    assert metrics["nps_transactional"]["score"] == 0.0
    assert metrics["nps_transactional"]["n"] == 3
    assert "sufficient" not in metrics["nps_transactional"]  # never evidence, so never judged
    mass, premium = metrics["by_segment"]["mass"], metrics["by_segment"]["premium"]
    assert (mass["nps"]["score"], mass["nps_transactional"]["score"]) == (0.0, 0.0)  # 10, 6 and 3, 10
    assert (premium["nps"]["score"], premium["nps"]["n"]) == (100.0, 1)  # 9
    assert (premium["nps_transactional"]["score"], premium["nps_transactional"]["n"]) == (0.0, 1)  # 8
    assert metrics["comments"] == {
        "count": 3,
        "clients": 2,
        "by_instrument": {"nps": 1, "nps_relationship": 0, "nps_transactional": 2, "csi": 0},
    }
    # The KPI and the data evidence read the relationship NPS: 33.3 → level 4 → 75 points (the
    # transactional 0 or the pooled 16.7 would read level 3, 50).
    kpis = consultant_api.get(f"/api/v1/assessments/{audit.pk}/kpis/").json()["kpis"]
    assert kpis["nps"]["value"] == pytest.approx(100 / 3)
    assert kpis["nps"]["label"] == "NPS (relationship)"
    assert "nps_transactional" not in kpis
    url = f"/api/v1/assessments/{audit.pk}/"
    consultant_api.patch(url, {"sufficiency": {"min_sample": {"nps": 3}}}, format="json")
    # Read by the value (method 1): method 2 would read three ratings' wide interval as level 3.
    audit.method_version = 1
    audit.save(update_fields=["method_version"])
    scores = consultant_api.get(f"/api/v1/assessments/{audit.pk}/scores/").json()
    assert [i["evidence"]["data"] for i in scores["indicators"] if i["evidence"]["data"] is not None] == [
        75.0
    ]


def test_comments_are_stored_with_the_survey_and_read_through_the_selector(consultant_api, audit):
    _post(consultant_api, audit, customers=upload("c.csv", CUSTOMERS), survey=upload("s.csv", MIXED_SURVEY))
    stored = dataset_frames(CustomerDataset.objects.get())["survey"]
    assert stored["comment"].tolist() == [
        "Fair fees, good app",
        "",
        "",
        "Waited 40 minutes",
        "",
        "=SUM(A1:A9)",
        "",
    ]
    comments = customer_comments_frame(assessment=audit)
    assert comments.to_dict("records") == [
        {
            "client_id": "C1",
            "instrument": "nps",
            "item": "recommend",
            "value": 10.0,
            "comment": "Fair fees, good app",
        },
        {
            "client_id": "C1",
            "instrument": "nps_transactional",
            "item": "branch_visit",
            "value": 3.0,
            "comment": "Waited 40 minutes",
        },
        {
            "client_id": "C4",
            "instrument": "nps_transactional",
            "item": "call",
            "value": 8.0,
            "comment": "=SUM(A1:A9)",
        },
    ]


def test_a_survey_without_the_comment_column_is_accepted():
    frames = customer_files_parse(
        {"customers": CUSTOMERS.encode(), "survey": SURVEY.encode()}, stored_client_ids=None
    )
    assert set(frames["survey"]["comment"]) == {""}


def test_a_comment_over_the_limit_refuses_the_upload_naming_its_row_and_column(consultant_api, audit):
    longest = "я" * MAX_COMMENT_CHARS  # characters, not bytes
    survey = (
        "client_id,instrument,item,dimension,value,comment\n"
        f"C1,nps,recommend,,9,{longest}\n"
        f"C2,nps,recommend,,7,{longest}!\n"
    )
    response = _post(
        consultant_api, audit, customers=upload("c.csv", CUSTOMERS), survey=upload("s.csv", survey)
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"file": "survey", "row": 3, "column": "comment", "message": "Too long: at most 2000 characters."}
    ]
    assert not CustomerDataset.objects.exists()
    # Other cells keep their limit of MAX_CELL_CHARS.
    item = "x" * (MAX_CELL_CHARS + 1)
    survey = f"client_id,instrument,item,dimension,value,comment\nC1,nps,{item},,9,{longest}\n"
    response = _post(
        consultant_api, audit, customers=upload("c.csv", CUSTOMERS), survey=upload("s.csv", survey)
    )
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [(2, "item")]


def test_the_survey_template_lists_the_comment_and_imports_as_it_is(api, consultant_api, audit):
    template = api.get("/api/v1/customer-data/templates/survey/").content.decode()
    header, *rows = template.splitlines()
    assert header == "client_id,instrument,item,dimension,value,comment"
    assert {row.split(",")[1] for row in rows} >= {"nps_relationship", "nps_transactional"}
    customers = api.get("/api/v1/customer-data/templates/customers/").content.decode()
    response = _post(
        consultant_api, audit, customers=upload("c.csv", customers), survey=upload("s.csv", template)
    )
    assert response.status_code == 201, response.json()
    metrics = consultant_api.get(f"/api/v1/assessments/{audit.pk}/customer-metrics/").json()
    assert (metrics["nps"]["score"], metrics["nps"]["n"]) == (100.0, 2)  # 9 and 10
    assert (metrics["nps_transactional"]["score"], metrics["nps_transactional"]["n"]) == (-100.0, 1)  # 6
    assert metrics["comments"]["count"] == 2


def test_stored_metrics_are_computed_again_until_publication(consultant_api, audit, capsys):
    from django.core.management import call_command

    _post(consultant_api, audit, customers=upload("customers.csv", CUSTOMERS), survey=upload("s.csv", SURVEY))
    dataset = CustomerDataset.objects.get()
    computed = dataset.metrics
    # As an earlier version stored them: no intervals, closures only.
    earlier = {**computed, "nps": {k: v for k, v in computed["nps"].items() if k != "ci95"}}
    earlier["churn"] = {k: computed["churn"][k] for k in ("rate", "closed", "active_at_start", "period")}
    CustomerDataset.objects.filter(pk=dataset.pk).update(metrics=earlier)
    call_command("refresh_customer_metrics")
    assert capsys.readouterr().out == "Customer metrics computed again for 1 assessment(s).\n"
    refreshed = CustomerDataset.objects.get()
    assert refreshed.metrics == computed
    assert refreshed.updated_at == dataset.updated_at  # the data themselves did not change
    # Published: the numbers its client read stay.
    type(audit).objects.filter(pk=audit.pk).update(status=Status.PUBLISHED)
    CustomerDataset.objects.filter(pk=dataset.pk).update(metrics=earlier)
    call_command("refresh_customer_metrics")
    assert capsys.readouterr().out == "Customer metrics computed again for 0 assessment(s).\n"
    assert CustomerDataset.objects.get().metrics == earlier


ATTRIBUTES = (
    "client_id,segment,product_count,opened_on,closed_on,last_activity_on,annual_margin,X_Contract,x_monthly_fee\n"
    'C1,mass,2,2020-01-10,,2026-06-20,100,salary,"2,5"\n'
    "C2,mass,4,2021-03-01,,2026-05-01,300,,9.9\n"
    "C3,premium,5,2019-07-07,2026-02-01,2026-01-20,900,standard,\n"
    "C4,premium,3,2022-02-02,,,500,salary,0\n"
)


def test_attribute_columns_are_stored_as_numbers_or_categories(consultant_api, audit):
    response = _post(consultant_api, audit, customers=upload("c.csv", ATTRIBUTES))
    assert response.status_code == 201, response.json()
    stored = dataset_frames(CustomerDataset.objects.get())["customers"]
    assert stored["x_monthly_fee"].tolist()[:2] == [2.5, 9.9]
    assert stored["x_monthly_fee"].isna().tolist() == [False, False, True, False]
    assert stored["x_contract"].tolist()[0::2] == ["salary", "standard"]
    assert stored["x_contract"].isna().tolist() == [False, True, False, False]


def test_an_attribute_of_too_many_categories_or_a_bad_name_is_refused_naming_the_column(
    consultant_api, audit
):
    rows = "".join(f"C{n},mass,1,2020-01-01,,2026-01-01,10,branch {n}\n" for n in range(101))
    many = (
        "client_id,segment,product_count,opened_on,closed_on,last_activity_on,annual_margin,x_branch\n" + rows
    )
    response = _post(consultant_api, audit, customers=upload("c.csv", many))
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "file": "customers",
            "row": None,
            "column": "x_branch",
            "message": "Not a number in every row, so read as categories, of which there may be at most 100; "
            "this column has 101 different values.",
        }
    ]
    badly_named = many.replace(",x_branch\n", ",x_\n", 1)
    response = _post(consultant_api, audit, customers=upload("c.csv", badly_named))
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [(1, "x_")]
    assert not CustomerDataset.objects.exists()
    fewer = many.replace("branch 100\n", "branch 99\n")
    assert _post(consultant_api, audit, customers=upload("c.csv", fewer)).status_code == 201


def test_the_customers_template_shows_attribute_columns_and_imports_as_it_is(api, consultant_api, audit):
    template = api.get("/api/v1/customer-data/templates/customers/").content.decode()
    assert template.splitlines()[0].endswith(",annual_margin,x_contract,x_monthly_fee")
    assert _post(consultant_api, audit, customers=upload("c.csv", template)).status_code == 201
    stored = dataset_frames(CustomerDataset.objects.get())["customers"]
    assert stored["x_monthly_fee"].tolist() == [2.5, 9.9]
