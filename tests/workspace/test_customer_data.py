"""The customer-data tab: upload (inline or in the background), the validation report, the
metrics dashboard with the API's numbers, and who may open it."""

import re

import pytest
from django.test import Client

from assessment.models import AuditEvent, CustomerDataImport, CustomerDataset, Status
from tests.assessment.test_customer_data import CUSTOMERS, MIXED_SURVEY, MYSTERY, SURVEY, upload

pytestmark = pytest.mark.django_db


def page(audit):
    return f"/assessments/{audit.pk}/customer-data/"


def files(**overrides):
    texts = {"customers": CUSTOMERS, "survey": SURVEY, "mystery_shopping": MYSTERY, **overrides}
    return {kind: upload(f"{kind}.csv", text) for kind, text in texts.items() if text is not None}


def kpi(html: str, metric: str) -> str:
    """The text of one KPI card of the dashboard, tags and extra spaces removed."""
    block = re.search(rf'data-metric="{metric}">(.*?)</div>', html, re.DOTALL).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", block).split())


def test_without_data_the_page_offers_the_upload_and_the_templates(consultant_client, audit):
    response = consultant_client.get(page(audit))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    for kind in ("customers", "survey", "mystery_shopping"):
        assert f'name="{kind}"' in html
        assert f"/api/v1/customer-data/templates/{kind}/" in html
    # The churn period defaults to the 12 months up to the reference date (2026-06-30).
    assert 'value="2025-07-01"' in html and 'value="2026-06-30"' in html
    assert "No customer data yet." in html
    assert 'data-metric="nps"' not in html


def test_template_links_download_csv(consultant_client):
    response = consultant_client.get("/api/v1/customer-data/templates/survey/")
    assert response.status_code == 200
    assert response.content.decode().startswith("client_id,instrument,item,dimension,value")


def test_upload_stores_the_files_and_shows_the_apis_metrics(consultant_client, audit):
    response = consultant_client.post(page(audit), {**files(), "discount_percent": "12.5"})
    assert response.status_code == 302 and response["Location"] == page(audit)
    dataset = CustomerDataset.objects.get(assessment=audit)
    assert {kind: info["rows"] for kind, info in dataset.files.items()} == {
        "customers": 4,
        "survey": 12,
        "mystery_shopping": 4,
    }
    assert str(dataset.discount_rate) == "0.1250"

    api = consultant_client.get(f"/api/v1/assessments/{audit.pk}/customer-metrics/").json()
    response = consultant_client.get(page(audit))
    html = response.content.decode()
    assert "Customer data imported" in html
    assert api["nps"]["score"] == pytest.approx(10)
    # 10 ratings: too few to be evidence (docs/methods.md §3.4), flagged beside the value.
    assert not api["nps"]["sufficient"]
    assert kpi(html, "nps").startswith(
        f"NPS (relationship) {api['nps']['score']:.0f} small sample (n = 10) 95 % interval"
    )
    assert f"{api['nps']['n']} ratings" in kpi(html, "nps")
    assert kpi(html, "churn").startswith(f"Churn rate, % {api['churn']['rate']:.1f}")  # 50.0
    assert kpi(html, "mystery_shopping").startswith(
        f"Mystery-shopping compliance, % {api['mystery_shopping']['compliance']:.1f}"
    )
    assert kpi(html, "csi").startswith(f"CSI, % {api['csi']['score']:.1f}")
    assert kpi(html, "servqual") == "SERVQUAL index – No data"  # no SERVQUAL answers: no data, not 0
    assert "Discount rate" in html and "12.5 %" in html
    # Charts, the segment table and the downloads.
    assert html.count("<svg") >= 3
    assert re.search(r"<th scope=\"row\">mass</th>", html)
    assert f"/assessments/{audit.pk}/export/customers.xlsx" in html
    assert f"/assessments/{audit.pk}/export/metrics.csv" in html


def test_invalid_files_show_the_validation_report_and_store_nothing(consultant_client, audit):
    assert consultant_client.post(page(audit), files()).status_code == 302
    before = CustomerDataset.objects.get(assessment=audit)
    bad_customers = CUSTOMERS.replace("C2,mass,4,2021-03-01", "C2,mass,many,2021-13-01")
    response = consultant_client.post(
        page(audit), files(customers=bad_customers, survey=None, mystery_shopping=None)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Validation report" in html
    assert "2 problems in the files; nothing was stored" in html
    report = html.split("Validation report", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>(.*?)</td><td class=\"num\">(.*?)</td><td><code>(.*?)</code></td>", report)
    assert ("Customers", "3", "product_count") in rows
    assert ("Customers", "3", "opened_on") in rows
    after = CustomerDataset.objects.get(assessment=audit)
    assert after.files == before.files and after.updated_at == before.updated_at


def test_the_report_lists_200_problems_and_counts_the_rest(consultant_client, audit):
    rows = "".join(f"C{n},mass,x,2020-01-01,,2026-01-01,1\n" for n in range(260))
    text = "client_id,segment,product_count,opened_on,closed_on,last_activity_on,annual_margin\n" + rows
    response = consultant_client.post(page(audit), {"customers": upload("customers.csv", text)})
    html = response.content.decode()
    assert "260 problems in the files" in html
    assert "…and 60 more problems not listed." in html
    assert not CustomerDataset.objects.filter(assessment=audit).exists()


def test_an_upload_without_files_or_with_a_backward_period_is_refused_with_field_errors(
    consultant_client, audit
):
    response = consultant_client.post(page(audit), {"period_start": "2026-01-01"})
    assert response.status_code == 400
    assert "Choose at least one file" in response.content.decode()
    response = consultant_client.post(
        page(audit),
        {**files(), "period_start": "2026-06-01", "period_end": "2026-01-01", "discount_percent": "150"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_period_end_error"' in html and "The period must end on or after its start." in html
    assert 'id="id_discount_percent_error"' in html
    assert not CustomerDataset.objects.filter(assessment=audit).exists()


def test_the_churn_basis_is_chosen_with_the_upload_and_the_dashboard_shows_the_split(
    consultant_client, audit
):
    html = consultant_client.get(page(audit)).content.decode()
    assert re.search(r'<option value="both" selected>Closed or inactive</option>', html)
    response = consultant_client.post(
        page(audit),
        {**files(), "churn_basis": "inactive", "period_start": "2026-01-01", "period_end": "2026-06-30"},
    )
    assert response.status_code == 302
    dataset = CustomerDataset.objects.get(assessment=audit)
    assert dataset.churn_basis == "inactive"
    event = AuditEvent.objects.get(assessment=audit, action=AuditEvent.Action.CUSTOMER_DATA)
    assert event.after["churn_basis"] == "inactive"
    html = consultant_client.get(page(audit)).content.decode()
    assert re.search(r'<option value="inactive" selected>', html)
    assert "<dt>What counts as churn</dt><dd>Inactive for more than 90 days</dd>" in html
    # C4 of four, never active; 25 % over 181 days is 44.0 % a year.
    assert kpi(html, "churn") == (
        "Churn rate, % 44.0 small sample (n = 4) "
        "1 of 4 clients churned between Jan. 1, 2026 and June 30, 2026; closed: 1; "
        "no activity for more than 90 days: 1; counted: inactive clients only; "
        "annualised from 181 days (25.0 % over the period)"
    )
    assert (
        "the assessment&#x27;s currency is not set" in html or "the assessment's currency is not set" in html
    )
    audit.currency = "KZT"
    audit.save()
    html = consultant_client.get(page(audit)).content.decode()
    assert "Amounts of money are in KZT; a client&#x27;s margin is its annual net margin" in html or (
        "Amounts of money are in KZT; a client's margin is its annual net margin" in html
    )
    assert "from the mean annual net margin and the annual retention" in kpi(html, "clv")


def test_an_unknown_churn_basis_is_a_field_error(consultant_client, audit):
    response = consultant_client.post(page(audit), {**files(), "churn_basis": "all"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_churn_basis_error"' in html and "Select a valid choice." in html
    assert not CustomerDataset.objects.filter(assessment=audit).exists()


def test_a_method_1_assessment_says_it_counts_closures_only(consultant_client, audit):
    audit.method_version = 1
    audit.save()
    assert consultant_client.post(page(audit), {**files(), "churn_basis": "both"}).status_code == 302
    html = consultant_client.get(page(audit)).content.decode()
    assert "<dt>What counts as churn</dt><dd>Closed accounts (method 1)</dd>" in html
    assert (
        kpi(html, "churn")
        == "Churn rate, % 25.0 small sample (n = 4) 1 of 4 clients closed between July 1, 2025 and "
        "June 30, 2026"
    )


def test_large_uploads_are_imported_in_the_background(
    consultant_client, audit, settings, django_capture_on_commit_callbacks
):
    settings.CUSTOMER_DATA_INLINE_MAX_BYTES = 100
    with django_capture_on_commit_callbacks(execute=True):
        response = consultant_client.post(page(audit), files())
    job = CustomerDataImport.objects.get(assessment=audit)
    assert response.status_code == 302 and response["Location"] == f"{page(audit)}?import={job.pk}"
    html = consultant_client.get(response["Location"]).content.decode()
    assert "Background import" in html and "Ready" in html
    assert f'data-import-url="/api/v1/customer-data-imports/{job.pk}/"' in html
    assert CustomerDataset.objects.get(assessment=audit).files["customers"]["rows"] == 4
    assert kpi(html, "nps").startswith("NPS (relationship) 10 ")


def test_a_failed_background_import_shows_its_problems(
    consultant_client, audit, settings, django_capture_on_commit_callbacks
):
    settings.CUSTOMER_DATA_INLINE_MAX_BYTES = 10
    bad = CUSTOMERS.replace("C2,mass,4", "C2,mass,-4")
    with django_capture_on_commit_callbacks(execute=True):
        response = consultant_client.post(
            page(audit), files(customers=bad, survey=None, mystery_shopping=None)
        )
    html = consultant_client.get(response["Location"]).content.decode()
    assert "Failed" in html and "Validation report" in html
    assert "<code>product_count</code>" in html
    assert not CustomerDataset.objects.filter(assessment=audit).exists()


def test_published_assessments_keep_their_data(consultant_client, audit):
    audit.status = Status.PUBLISHED
    audit.save()
    html = consultant_client.get(page(audit)).content.decode()
    assert "Customer data cannot change once the assessment is published." in html
    assert 'enctype="multipart/form-data"' not in html
    response = consultant_client.post(page(audit), files())
    assert response.status_code == 400
    assert "Customer data cannot change once the assessment is published." in response.content.decode()
    assert not CustomerDataset.objects.filter(assessment=audit).exists()


def test_executives_and_strangers_get_404(
    executive_client, stranger_consultant_client, stranger_executive_client, audit
):
    audit.status = Status.PUBLISHED
    audit.save()
    for client in (executive_client, stranger_consultant_client, stranger_executive_client):
        assert client.get(page(audit)).status_code == 404
        assert client.post(page(audit), files()).status_code == 404
    assert not CustomerDataset.objects.filter(assessment=audit).exists()


def test_the_upload_needs_a_csrf_token(consultant, audit):
    client = Client(enforce_csrf_checks=True)
    client.force_login(consultant)
    assert client.post(page(audit), files()).status_code == 403
    assert not CustomerDataset.objects.filter(assessment=audit).exists()


def test_the_dashboard_shows_each_nps_apart_and_counts_the_comments(consultant_client, audit):
    response = consultant_client.post(page(audit), files(survey=MIXED_SURVEY))
    assert response.status_code == 302
    html = consultant_client.get(page(audit)).content.decode()
    # Relationship 10, 6, 9 → 33; transactional 3, 10, 8 → 0 (tests.assessment.test_customer_data).
    assert kpi(html, "nps").startswith("NPS (relationship) 33 ")
    assert "3 ratings" in kpi(html, "nps")
    assert kpi(html, "nps_transactional").startswith("NPS (transactional) 0 95 % interval")
    assert "3 ratings" in kpi(html, "nps_transactional")
    assert kpi(html, "comments") == (
        "Survey comments 3 ratings and answers with the client's reason; clients who commented: 2 · "
        "nps 1, nps_relationship 0, nps_transactional 2, csi 0"
    )
    assert "Transactional NPS 0: promoters 33 %" in html  # its own chart
    # Per segment, a column each.
    header = re.search(r"<thead>(.*?)</thead>", html[html.index("segments-table") :], re.DOTALL).group(1)
    assert "NPS (relationship)" in header and "NPS (transactional)" in header


def test_without_transactional_ratings_the_dashboard_says_no_data(consultant_client, audit):
    consultant_client.post(page(audit), files())
    html = consultant_client.get(page(audit)).content.decode()
    assert kpi(html, "nps_transactional") == "NPS (transactional) – No data"
    # A survey without the comment column: none counted, the count shown as 0.
    assert kpi(html, "comments").startswith("Survey comments 0 ")


def test_the_operational_metrics_show_with_their_notes_and_intervals(consultant_client, audit):
    from tests.assessment.test_operational_data import CALLS, COMPLAINTS

    response = consultant_client.post(
        page(audit), files(complaints=COMPLAINTS, contact_centre=CALLS, survey=None, mystery_shopping=None)
    )
    assert response.status_code == 302
    html = consultant_client.get(page(audit)).content.decode()

    def card(key: str) -> str:
        block = re.search(rf'data-key="{key}" data-metric="[^"]*">(.*?)</div>', html, re.DOTALL).group(1)
        return " ".join(re.sub(r"<[^>]+>", " ", block).split())

    # 3 complaints over the 3 clients active at the period's end; each metric judged on its own sample.
    assert card("complaints_per_1000") == (
        "Complaints per 1,000 clients 1,000.0 small sample (n = 3) "
        "3 complaints opened in the period; 3 clients active at its end"
    )
    assert card("complaint_resolution_days").endswith(
        "7.0 small sample (n = 2) 2 complaints closed, 1 still open"
    )
    assert "1 of 3 complaints; 95 % interval 6.1 to 79.2" in card("complaints_regulator_share")
    assert card("service_level") == (
        "Contact-centre service level, % 83.3 "
        "1,000 of 1,200 calls offered answered within the target time; 95 % interval 81.1 to 85.3"
    )
    assert card("abandonment").startswith("Abandoned calls, % 4.2 50 of 1,200 calls offered abandoned")
    assert "790 of 1,100 calls answered resolved at the first contact; average handle time 355 s" in card(
        "fcr"
    )
    assert "Contact centre by channel" in html and "Complaints by channel and category" in html


def test_the_contact_centre_notes_count_the_calls_and_give_the_interval():
    from workspace.customer_data import NOTES

    calls = {
        "offered": 1200,
        "answered_within_sla": 1000,
        "abandoned": 60,
        # Wilson's intervals of 1,000 and 60 of 1,200.
        "service_level_ci95": [81.12, 85.33],
        "abandonment_ci95": [3.90, 6.38],
    }
    assert NOTES["service_level"](calls) == (
        "1,000 of 1,200 calls offered answered within the target time; 95 % interval 81.1 to 85.3"
    )
    assert NOTES["abandonment"](calls) == (
        "60 of 1,200 calls offered abandoned by the caller; 95 % interval 3.9 to 6.4"
    )
