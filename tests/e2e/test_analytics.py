"""The analytics as a consultant meets them in the browser: the customer-data tab follows the
churn-risk model from fitting to ready without a reload, and the Analytics tab explains it."""

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessment.models import ChurnModelRun
from config.jobs import JobStatus
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_workspace import _sign_in, demo  # noqa: F401 - a fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_customer_data_tab_follows_the_model_until_it_is_ready(live_server, new_context, demo):  # noqa: F811
    fitted = ChurnModelRun.objects.filter(assessment=demo).first()
    assert fitted.status == JobStatus.READY
    assert fitted.result["auc"] > 0.65  # the demo's attributes carry a signal
    running = ChurnModelRun.objects.create(
        assessment=demo,
        data_updated_at=fitted.data_updated_at,
        status=JobStatus.RUNNING,
        progress=30,
        started_at=timezone.now(),
    )
    base = live_server.url
    page = new_context(viewport=DESKTOP).new_page()
    _sign_in(page, base, "consultant")
    page.goto(f"{base}/assessments/{demo.pk}/customer-data/")
    state = page.locator("[data-churn-model] .churn-model__state")
    expect(state).to_have_text("being fitted: 30 % done")
    ChurnModelRun.objects.filter(pk=running.pk).update(progress=80)
    expect(state).to_have_text("being fitted: 80 % done")
    ChurnModelRun.objects.filter(pk=running.pk).update(
        status=JobStatus.READY, progress=100, result=fitted.result, risk_path=fitted.risk_path
    )
    expect(state).to_have_text("ready")
    expect(page.locator("[data-churn-model] progress")).to_be_hidden()
    page.locator("[data-churn-model] a", has_text="Analytics").click()
    percent = round(100 * fitted.result["auc"])
    expect(page.locator("#churn-model")).to_contain_text(
        f"ranks a leaving client above a staying one in {percent} % of pairs"
    )
    expect(page.locator("#churn-model tr[data-feature]").first).to_have_attribute(
        "data-feature", "x_monthly_fee"
    )


def test_a_consultant_names_and_hides_a_theme_on_a_phone(live_server, new_context, demo):  # noqa: F811
    base = live_server.url
    page = new_context(viewport=PHONE).new_page()
    _sign_in(page, base, "consultant")
    page.goto(f"{base}/assessments/{demo.pk}/analytics/")
    themes = page.locator('ol.themes[data-source="customers"] > li.theme')
    first, second = themes.nth(0), themes.nth(1)
    first.locator("summary", has_text="Name, hide or merge").click()
    first.get_by_label("Name (English)").fill("Fees and the app")
    first.get_by_label("Name (Russian)").fill("Комиссии и приложение")
    first.get_by_role("button", name="Save the theme").click()
    expect(page.locator("ul.messages")).to_contain_text("The theme is saved.")
    expect(themes.nth(0).locator(".theme__head strong")).to_have_text("Fees and the app")
    quotes = themes.nth(0).locator(".theme__quote").all_inner_texts()
    assert len(quotes) == len(set(quotes))  # the same words are quoted once
    second = themes.nth(1)
    hidden_title = second.locator(".theme__head strong").inner_text()
    second.locator("summary", has_text="Name, hide or merge").click()
    second.get_by_label("Leave it out of the reports").check()
    second.get_by_role("button", name="Save the theme").click()
    hidden = page.locator("li.theme--hidden")
    expect(hidden).to_have_count(1)
    expect(hidden.locator(".theme__head strong")).to_have_text(hidden_title)
    expect(hidden).to_contain_text("Left out of the reports")
    # The page does not scroll sideways on a phone with a form open.
    hidden.locator("summary", has_text="Name, hide or merge").click()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    if os.environ.get("SCREENSHOTS") == "1":
        shots = Path(os.environ.get("SHOTS_DIR", "/tmp/shots"))  # noqa: S108
        shots.mkdir(exist_ok=True)
        hidden.screenshot(path=shots / "theme-edit-phone.png")
