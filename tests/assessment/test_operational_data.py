"""The operational files — complaints and the contact centre (docs/methods.md §7.10): their
validation, all or nothing with the other kinds, the metrics by hand, the KPI, the API and the
outcomes index."""

import datetime

import pytest
from django.core.files.storage import default_storage

from assessment.customer_files import CustomerFilesInvalid, customer_files_parse, template_csv
from assessment.loyalty import customer_metrics
from assessment.metrics import evidence_samples, metric, metrics_with_samples, registry_of
from assessment.models import CustomerDataset
from assessment.outcomes import outcomes_compute
from tests.assessment.test_customer_data import CUSTOMERS, SURVEY, _post, upload

pytestmark = pytest.mark.django_db

COMPLAINTS_HEADER = "complaint_id,opened_on,closed_on,channel,category,regulator,resolved\n"
CALLS_HEADER = (
    "date,channel,offered,answered,answered_within_sla,abandoned,avg_handle_seconds,first_contact_resolved\n"
)
# The example of docs/methods.md §7.10, in the period 2025-07-01 – 2026-06-30 of the test audit:
# three complaints in it (closed after 4 and 10 days, one open; one reached the regulator) and one
# before it; phone and chat (a phone day outside the period is left out).
COMPLAINTS = (
    COMPLAINTS_HEADER
    + "K1,2026-01-10,2026-01-14,branch,fees,no,yes\n"
    + "K2,01.03.2026,11.03.2026,phone,cards,YES,Yes\n"
    + "K3,2026-06-01,,app,cards,no,no\n"
    + "K0,2025-05-01,2025-05-02,branch,fees,no,yes\n"
)
CALLS = (
    CALLS_HEADER
    + "2026-05-01,phone,600,540,480,30,300,380\n"
    + "2026-05-02,phone,400,360,330,20,300,250\n"
    + "2026-05-01,chat,200,200,190,0,600,160\n"
    + "2025-01-01,phone,999,0,0,0,0,0\n"
)


def _clients(count: int) -> str:
    """A customers file of `count` clients, all active."""
    rows = "".join(f"C{n},mass,1,2020-01-01,,2026-06-01\n" for n in range(count))
    return "client_id,segment,product_count,opened_on,closed_on,last_activity_on\n" + rows


def _metrics(files: dict[str, str], start=datetime.date(2025, 7, 1), end=datetime.date(2026, 6, 30)) -> dict:
    frames = customer_files_parse(
        {kind: text.encode() for kind, text in files.items()}, stored_client_ids=None
    )
    return customer_metrics(
        customers=frames.get("customers"),
        survey=None,
        mystery=None,
        period_start=start,
        period_end=end,
        reference_date=end,
        complaints=frames.get("complaints"),
        contact_centre=frames.get("contact_centre"),
    )


def test_the_complaint_metrics_by_hand():
    complaints = _metrics({"customers": _clients(1000), "complaints": COMPLAINTS})["complaints"]
    assert {key: complaints[key] for key in ("count", "outside_period", "clients", "closed", "open")} == {
        "count": 3,
        "outside_period": 1,
        "clients": 1000,
        "closed": 2,
        "open": 1,
    }
    assert complaints["per_1000"] == pytest.approx(3.0)  # 1000 · 3 / 1000
    # Poisson score interval of 3: 3 + 1.96²/2 ∓ 1.96 · √(3 + 1.96²/4) = 4.9208 ∓ 3.9006.
    assert complaints["per_1000_ci95"] == pytest.approx([1.0203, 8.8214], abs=1e-3)
    assert complaints["annualised"] is False
    assert complaints["median_resolution_days"] == pytest.approx(7.0)  # median of 4 and 10
    assert complaints["regulator_share"] == pytest.approx(100 / 3)
    assert complaints["resolved_share"] == pytest.approx(200 / 3)
    # Wilson, 1 of 3: centre (1/3 + 1.96²/6) / (1 + 1.96²/3), half-width 0.4096… → 6.15 % to 79.23 %.
    assert complaints["regulator_ci95"] == pytest.approx([6.149, 79.232], abs=0.01)
    assert complaints["by_channel"] == {"app": 1, "branch": 1, "phone": 1}
    assert complaints["by_category"] == {"cards": 2, "fees": 1}


def test_complaints_per_1000_needs_customers_and_a_half_year_is_scaled_to_a_year():
    assert _metrics({"complaints": COMPLAINTS})["complaints"]["per_1000"] is None
    # 2026-01-01 – 2026-06-30: 181 days, K1–K3 in it, 500 clients → 6 per 1,000 · 365.25 / 181.
    half = _metrics(
        {"customers": _clients(500), "complaints": COMPLAINTS},
        start=datetime.date(2026, 1, 1),
    )["complaints"]
    assert half["annualised"] is True
    assert half["per_1000"] == pytest.approx(6 * 365.25 / 181)
    # The count's interval scaled alike: per 500 clients, and to a year.
    scale = 2 * 365.25 / 181
    assert half["per_1000_ci95"] == pytest.approx([1.0203 * scale, 8.8214 * scale], abs=1e-3)


def test_the_contact_centre_metrics_by_hand():
    calls = _metrics({"contact_centre": CALLS})["contact_centre"]
    assert (calls["rows"], calls["outside_period"]) == (3, 1)
    assert (calls["offered"], calls["answered"], calls["answered_within_sla"]) == (1200, 1100, 1000)
    assert (calls["abandoned"], calls["first_contact_resolved"]) == (50, 790)
    assert calls["service_level"] == pytest.approx(1000 / 1200 * 100)  # over the calls offered
    assert calls["abandonment"] == pytest.approx(50 / 1200 * 100)
    assert calls["fcr"] == pytest.approx(790 / 1100 * 100)  # over the calls answered
    assert calls["avg_handle_seconds"] == pytest.approx((900 * 300 + 200 * 600) / 1100)
    low, high = calls["service_level_ci95"]
    assert low < 1000 / 12 < high and high - low < 5
    assert calls["by_channel"]["chat"]["service_level"] == pytest.approx(95.0)
    assert calls["by_channel"]["phone"]["abandonment"] == pytest.approx(5.0)
    assert calls["by_channel"]["phone"]["avg_handle_seconds"] == pytest.approx(300.0)


def test_without_the_files_the_sections_are_null():
    metrics = _metrics({"customers": _clients(3)})
    assert metrics["complaints"] is None and metrics["contact_centre"] is None


def test_every_problem_of_the_operational_files_is_named_by_row_and_column():
    complaints = (
        COMPLAINTS_HEADER
        + "K1,2026-01-10,2026-01-09,branch,fees,maybe,yes\n"
        + "K1,30.02.2026,,,fees,no,nope\n"
    )
    calls = CALLS_HEADER + "2026-05-01,phone,100,110,120,0,-5,111\n" + "2026-05-02,,100,90,80,11,x,2.5\n"
    with pytest.raises(CustomerFilesInvalid) as refused:
        customer_files_parse(
            {"complaints": complaints.encode(), "contact_centre": calls.encode()}, stored_client_ids=None
        )
    assert [(p.file, p.row, p.column, p.message) for p in refused.value.problems] == [
        ("complaints", 2, "closed_on", "Closed before it was opened."),
        ("complaints", 2, "complaint_id", "Duplicate complaint id."),
        ("complaints", 2, "regulator", "Use yes or no."),
        ("complaints", 3, "channel", "Required."),
        ("complaints", 3, "complaint_id", "Duplicate complaint id."),
        ("complaints", 3, "opened_on", "Not a date (use YYYY-MM-DD or DD.MM.YYYY)."),
        ("complaints", 3, "resolved", "Use yes or no."),
        ("contact_centre", 2, "abandoned", "More than the calls offered less those answered."),
        ("contact_centre", 2, "answered", "More than the calls offered."),
        ("contact_centre", 2, "answered_within_sla", "More than the calls answered."),
        ("contact_centre", 2, "avg_handle_seconds", "A number of 0 or more is required."),
        ("contact_centre", 2, "first_contact_resolved", "More than the calls answered."),
        ("contact_centre", 3, "abandoned", "More than the calls offered less those answered."),
        ("contact_centre", 3, "avg_handle_seconds", "A number of 0 or more is required."),
        ("contact_centre", 3, "channel", "Required."),
        ("contact_centre", 3, "first_contact_resolved", "A whole number of 0 or more is required."),
    ]
    with pytest.raises(CustomerFilesInvalid) as missing:
        customer_files_parse(
            {"contact_centre": b"date,channel,offered\n2026-05-01,phone,1\n"}, stored_client_ids=None
        )
    assert [(p.row, p.column) for p in missing.value.problems] == [
        (1, "abandoned"),
        (1, "answered"),
        (1, "answered_within_sla"),
        (1, "avg_handle_seconds"),
        (1, "first_contact_resolved"),
    ]


def test_the_templates_import_as_they_are(api, catalog):
    for kind in ("complaints", "contact_centre"):
        response = api.get(f"/api/v1/customer-data/templates/{kind}/")
        assert response.status_code == 200
        assert response.content.decode() == template_csv(kind)
        assert len(customer_files_parse({kind: response.content}, stored_client_ids=None)[kind]) == 2


def test_a_bad_complaints_file_refuses_the_whole_upload(consultant_api, audit):
    response = _post(
        consultant_api,
        audit,
        customers=upload("customers.csv", CUSTOMERS),
        survey=upload("survey.csv", SURVEY),
        contact_centre=upload("calls.csv", CALLS),
        complaints=upload("complaints.csv", COMPLAINTS + "K9,2026-02-01,,branch,fees,no,perhaps\n"),
    )
    assert response.status_code == 400
    assert [(e["file"], e["row"], e["column"]) for e in response.json()["errors"]] == [
        ("complaints", 6, "resolved")
    ]
    assert not CustomerDataset.objects.exists()
    assert not default_storage.exists(f"customer-data/{audit.pk}")

    # With data stored, a bad contact-centre file leaves them as they were.
    _post(
        consultant_api,
        audit,
        customers=upload("customers.csv", CUSTOMERS),
        complaints=upload("k.csv", COMPLAINTS),
    )
    before = CustomerDataset.objects.get()
    bad = _post(
        consultant_api,
        audit,
        complaints=upload("k2.csv", COMPLAINTS),
        contact_centre=upload("calls.csv", CALLS.replace("600,540", "600,640")),
    )
    assert bad.status_code == 400
    after = CustomerDataset.objects.get()
    assert (after.files, after.metrics) == (before.files, before.metrics)


def test_the_api_gives_the_sections_with_each_metrics_sample(consultant_api, audit):
    response = _post(
        consultant_api,
        audit,
        customers=upload("customers.csv", CUSTOMERS),
        complaints=upload("complaints.csv", COMPLAINTS),
        contact_centre=upload("calls.csv", CALLS),
    )
    assert response.status_code == 201, response.json()
    assert response.json()["files"]["complaints"] == {"name": "complaints.csv", "rows": 4}
    metrics = consultant_api.get(f"/api/v1/assessments/{audit.pk}/customer-metrics/").json()
    # CUSTOMERS: C1, C2 and C4 are active at the period's end (C3 closed) → 1000 · 3 / 3.
    assert metrics["complaints"]["clients"] == 3
    assert metrics["complaints"]["per_1000"] == pytest.approx(1000.0)
    assert metrics["complaints"]["samples"] == {
        "complaints_per_1000": {"sample": 3, "sufficient": False},
        "complaint_resolution_days": {"sample": 2, "sufficient": False},
        "complaints_regulator_share": {"sample": 3, "sufficient": False},
    }
    assert (metrics["complaints"]["sample"], metrics["complaints"]["sufficient"]) == (3, False)
    assert metrics["contact_centre"]["service_level"] == pytest.approx(1000 / 12)
    assert metrics["contact_centre"]["samples"]["fcr"] == {"sample": 1100, "sufficient": True}
    assert metrics["contact_centre"]["samples"]["service_level"] == {"sample": 1200, "sufficient": True}


def test_the_kpi_is_the_datas_complaint_rate_unless_the_consultant_enters_one(consultant_api, audit):
    url = f"/api/v1/assessments/{audit.pk}/kpis/"
    assert consultant_api.get(url).json()["kpis"]["complaints_per_1000"]["source"] is None
    _post(
        consultant_api,
        audit,
        customers=upload("customers.csv", CUSTOMERS),
        complaints=upload("complaints.csv", COMPLAINTS),
    )
    kpi = consultant_api.get(url).json()["kpis"]["complaints_per_1000"]
    assert (kpi["value"], kpi["source"]) == (pytest.approx(1000.0), "metrics")
    entered = consultant_api.put(url, {"kpis": {"complaints_per_1000": 4.5}}, format="json").json()
    assert entered["kpis"]["complaints_per_1000"]["value"] == 4.5
    assert entered["kpis"]["complaints_per_1000"]["source"] == "consultant"
    cleared = consultant_api.put(url, {"kpis": {"complaints_per_1000": None}}, format="json").json()
    assert cleared["kpis"]["complaints_per_1000"]["source"] == "metrics"


def test_the_operational_metrics_count_in_method_2s_outcomes_index_only():
    metrics = metrics_with_samples(
        _metrics({"customers": _clients(1000), "contact_centre": CALLS, "complaints": COMPLAINTS})
    )
    samples = evidence_samples(metrics, registry=registry_of(2))
    operational = ("complaints_per_1000", "complaint_resolution_days", "complaints_regulator_share")
    operational += ("service_level", "abandonment", "fcr")
    judged = {item.key: (item.sample, item.sufficient) for item in samples if item.key in operational}
    assert judged == {
        "complaints_per_1000": (1000, True),
        "complaint_resolution_days": (2, False),
        "complaints_regulator_share": (3, False),
        "service_level": (1200, True),
        "abandonment": (1200, True),
        "fcr": (1100, True),
    }
    thresholds = {entry.key: entry.thresholds for entry in registry_of(2) if entry.thresholds}
    outcomes = outcomes_compute(
        samples=samples, thresholds=thresholds, edges=(25, 50, 75, 90), intervals=True
    )
    levels = {row["key"]: row["level"] for row in outcomes["metrics"] if row["key"] in operational}
    # 3 per 1,000 reads level 4 (≤ 5), but 3 complaints are a small count: its interval
    # 1.0–8.8 spans levels 3–5, nearest the middle 3; service level 83.3 % (interval
    # 81.1–85.3 %: level 4); abandonment 4.2 % (interval 3.2–5.5 % spans levels 3–4: 3);
    # FCR 71.8 % (interval 69.1–74.4 % spans 3–4: 3).
    assert levels == {"complaints_per_1000": 3, "service_level": 4, "abandonment": 3, "fcr": 3}
    # Method 1 reads none of them.
    assert not [item for item in evidence_samples(metrics, registry=registry_of(1)) if item.key in judged]
    assert metric("complaints_per_1000").kpi and metric("complaints_per_1000").path == (
        "complaints",
        "per_1000",
    )


def test_the_reports_customers_section_shows_them_compactly_in_both_languages():
    from django.template.loader import render_to_string
    from django.utils import translation

    metrics = _metrics({"customers": _clients(1000), "complaints": COMPLAINTS, "contact_centre": CALLS})
    context = {"customer": metrics_with_samples(metrics), "no_data": "–", "charts": {}, "assessment": None}
    with translation.override("en"):
        text = " ".join(render_to_string("reports/partials/customers.html", context).split())
    assert '3.0</span> <span class="metric__note">per 1,000 clients a year' in text
    assert (
        "3 complaints in the period, 1 still open; median days to close: 7.0; went to the regulator: 33.3 %"
        in text
    )
    assert "83.3 %" in text and "abandoned calls: 4.2 %; resolved at the first contact: 71.8 %" in text
    with translation.override("ru"):
        text = " ".join(render_to_string("reports/partials/customers.html", context).split())
    assert "Жалобы" in text and "Контакт-центр" in text and "доля потерянных вызовов: 4,2 %" in text
    # Without the files the section is left out.
    plain = render_to_string(
        "reports/partials/customers.html", {**context, "customer": _metrics({"customers": _clients(3)})}
    )
    assert 'id="complaints"' not in plain


def test_the_metrics_export_lists_them():
    from assessment.exports import metrics_export_frame

    metrics = _metrics({"customers": _clients(1000), "complaints": COMPLAINTS, "contact_centre": CALLS})
    frame = metrics_export_frame(metrics=metrics)
    rows = dict(zip(frame.iloc[:, 0], frame.iloc[:, 1], strict=True))
    assert rows["complaints.per_1000"] == pytest.approx(3.0)
    assert rows["contact_centre.by_channel.phone.abandonment"] == pytest.approx(5.0)


def test_stored_operational_files_are_read_again_when_the_customers_come_later(consultant_api, audit):
    first = _post(
        consultant_api, audit, complaints=upload("k.csv", COMPLAINTS), contact_centre=upload("c.csv", CALLS)
    )
    assert first.status_code == 201, first.json()
    url = f"/api/v1/assessments/{audit.pk}/customer-metrics/"
    assert consultant_api.get(url).json()["complaints"]["per_1000"] is None  # no customers yet
    assert _post(consultant_api, audit, customers=upload("customers.csv", CUSTOMERS)).status_code == 201
    metrics = consultant_api.get(url).json()
    assert metrics["complaints"]["per_1000"] == pytest.approx(1000.0)
    assert metrics["complaints"]["median_resolution_days"] == pytest.approx(7.0)
    assert metrics["contact_centre"]["fcr"] == pytest.approx(790 / 11)
