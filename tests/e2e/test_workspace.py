"""The workspace in a real browser, one test per role journey, on the demo's data: the
consultant runs an audit from creating it to downloading its PDF, the client executive
reads their organization's results and downloads a report once the consultant released it,
and an executive of another organization finds none of it. Plus the pages' phone layout,
and screenshots on request."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect
from pypdf import PdfReader

from assessment.branding import firm_branding_update
from assessment.demo import DEMO_LOGINS, DEMO_PROFILES, demo_customer_files, demo_seed
from assessment.models import Assessment, InterviewScore, Status
from assessment.selectors import assessment_scores
from reports.demo import demo_narrative_write
from reports.models import RecommendationItem, Report
from reports.services import report_release
from surveys.selectors import indicator_ids
from surveys.services import answers_save, catalog_load, invitation_by_token, response_submit
from tests.e2e.conftest import DESKTOP, PHONE
from tests.factories import OrganizationFactory, executive_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LOGINS = {login.role: login for login in DEMO_LOGINS}
RENDER_TIMEOUT_MS = 120_000
TABS = (
    "respondents",
    "interviews",
    "customer-data",
    "analytics",
    "scores",
    "comparison",
    "findings",
    "recommendations",
    "translations",
    "reports",
    "action-plan",
    "audit",
)


@pytest.fixture
def demo() -> Assessment:
    """The demo of `make run`; returns its re-assessment (its baseline is published)."""
    catalog_load()
    return demo_seed(before_publish=demo_narrative_write)


def _sign_in(page, base: str, role: str) -> None:
    login = LOGINS[role]
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(login.username)
    page.locator("#id_password").fill(login.password)
    page.locator("form.form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")


def _generate(page) -> None:
    """Without a broker the report renders while the request waits: seconds on a loaded machine."""
    with page.expect_navigation(timeout=RENDER_TIMEOUT_MS):
        page.get_by_role("button", name="Generate").click(no_wait_after=True)


def _pdf_text(path: str) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def _answer_everything(token: str, level: int) -> None:
    """A respondent's whole questionnaire, the indicators asked of their role; the respondent's
    own journey is tested in the browser in test_respondent.py."""
    invitation = invitation_by_token(token=token)
    codes = indicator_ids(version_id=invitation.assessment.catalog_version_id, role=invitation.role)
    answers_save(
        invitation=invitation, items=[{"indicator": c, "level": level, "comment": ""} for c in codes]
    )
    response_submit(invitation=invitation)


def test_consultant_runs_an_audit_from_creating_it_to_downloading_the_pdf(
    live_server, page, tmp_path, demo, settings
):
    baseline = demo.baseline
    base = live_server.url
    settings.SITE_URL = base  # as `make run` sets it from HOST and PORT
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations of status changes
    _sign_in(page, base, "consultant")

    # A re-assessment of the demo bank against its published audit, its people copied.
    page.get_by_role("link", name="Demo Bank").click()
    page.get_by_role("link", name="New assessment").click()
    page.get_by_label("Title", exact=True).fill("CX audit 2027")
    page.get_by_label("Reference date").fill("2027-03-31")
    page.get_by_label("Baseline", exact=True).select_option(str(baseline.pk))
    page.get_by_label("Invite the baseline's respondents again").check()
    page.get_by_role("button", name="Create the assessment").click()
    expect(page.locator(".messages")).to_contain_text("40 respondents copied from the baseline.")
    audit = Assessment.objects.get(title="CX audit 2027")
    assert audit.baseline == baseline and audit.status == Status.DRAFT

    # Respondents: one more person, whose personal link is shown once; collection opens, and the
    # link opens the questionnaire.
    page.get_by_label("E-mail", exact=True).fill("new.hire@demo-bank.example")
    page.locator("#add_role").select_option("frontline")
    page.get_by_role("button", name="Invite", exact=True).click()
    link = page.locator(".new-links__url").first.inner_text()
    token = re.search(rf"^{re.escape(base)}/r/([^/]+)/$", link).group(1)
    page.get_by_role("button", name="Open collection").first.click()
    expect(page.locator(".assessment-head")).to_contain_text("Collecting answers")
    respondent = page.context.new_page()
    respondent.goto(link)
    expect(respondent.locator("h1")).to_have_text("CX audit 2027")
    respondent.close()
    _answer_everything(token, level=4)
    page.reload()
    expect(page.locator(".assessment-head")).to_contain_text("1 / 41")

    # Interviews: a level picked is saved at once, without a button.
    page.get_by_role("link", name="Interviews").click()
    item = page.locator("#ind-ORG-01")
    item.locator("summary").click()
    item.locator('input[name="ORG-01-level"][value="5"]').check()
    expect(page.locator(".autosave")).to_contain_text("All changes saved")
    assert InterviewScore.objects.get(assessment=audit, indicator__code="ORG-01").level == 5

    # Customer data: the demo bank's files, validated and turned into metrics.
    page.get_by_role("link", name="Customer data").click()
    for kind, content in demo_customer_files(profile=DEMO_PROFILES["reassessment"], clients=600).items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(content, encoding="utf-8")
        page.locator(f'input[name="{kind}"]').set_input_files(str(path))
    page.get_by_role("button", name="Upload and validate").click()
    expect(page.locator(".messages")).to_contain_text("Customer data imported")
    expect(page.locator(".kpi").first).to_contain_text("NPS")

    # Collection closes; the scores page shows what the API computes.
    page.locator(".assessment-head").get_by_role("button", name="Close collection").click()
    expect(page.locator(".assessment-head")).to_contain_text("Scoring")
    page.get_by_role("link", name="Scores").click()
    overall = assessment_scores(assessment=audit)["overall"]["score"]
    expect(page.locator(".assessment-head")).to_contain_text(f"{overall:.1f}")

    # Recommendations: the first proposal accepted; publishing waits for the others, then all
    # of them are accepted at once.
    page.get_by_role("link", name="Recommendations").click()
    page.get_by_role("button", name="Accept", exact=True).first.click()
    expect(page.locator(".messages")).to_be_visible()
    assert RecommendationItem.objects.filter(assessment=audit, status="accepted").count() == 1
    page.get_by_role("link", name="Reports").click()
    expect(page.locator(".publish__roadmap")).to_contain_text("await your review")
    page.locator(".publish__roadmap").get_by_role("link", name="Review the roadmap").click()
    page.get_by_role("button", name=re.compile(r"^Accept all \d+ awaiting review$")).click()
    expect(page.locator(".messages")).to_contain_text("Every proposed recommendation is accepted.")
    assert not RecommendationItem.objects.filter(assessment=audit, status="proposed").exists()

    # Reports: published to the client (one response is preliminary evidence: with a reason), a
    # full report generated and downloaded.
    page.get_by_role("link", name="Reports").click()
    expect(page.locator(".publish__reasons")).to_contain_text("1 response is submitted")
    reason = page.get_by_label("Reason for publishing preliminary scores")
    reason.fill("The board asked for a first reading now.")
    page.locator(".tab-panel").get_by_role("button", name="Publish to the client").click()
    expect(page.locator(".assessment-head")).to_contain_text("Published")
    page.get_by_label("Report", exact=True).select_option("full")
    page.get_by_label("Language", exact=True).select_option("en")
    _generate(page)
    download_link = page.get_by_role("link", name="Download PDF").first
    expect(download_link).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    with page.expect_download() as download:
        download_link.click()
    path = download.value.path()
    assert download.value.suggested_filename == "demo-bank-cx-report-full-en-2027-03-31.pdf"
    text = _pdf_text(path)
    assert "Demo Bank" in text and "CX audit 2027" in text
    assert Report.objects.get(assessment=audit).status == "ready"


def test_executive_sees_only_their_published_results_and_downloads_a_report(live_server, page, demo):
    reassessment = demo
    published = reassessment.baseline
    base = live_server.url
    _sign_in(page, base, "client executive")

    home = page.locator("main")
    expect(home).to_contain_text("CX maturity audit 2025")
    expect(home).not_to_contain_text("CX maturity re-assessment 2026")  # still collecting
    expect(home).not_to_contain_text("New assessment")
    page.get_by_role("link", name="CX maturity audit 2025").click()
    expect(page).to_have_url(f"{base}/assessments/{published.pk}/scores/")
    tabs = page.locator(".tabs__link")
    expect(tabs).to_have_text(["Scores", "Reports", "Action plan"])
    expect(page.locator(".assessment-head")).to_contain_text("57.9")
    expect(page.locator(".assessment-head")).to_contain_text("Customer-Aware")
    assert "@" not in page.locator(".tab-panel").inner_text()  # no respondent appears by e-mail

    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("button", name="Publish to the client")).to_have_count(0)
    page.get_by_label("Report", exact=True).select_option("executive")
    page.get_by_label("Language", exact=True).select_option("ru")
    _generate(page)
    # Theirs once the consultant has looked at it and released it.
    expect(page.locator(".messages")).to_contain_text("released it to you")
    expect(page.get_by_role("link", name="Download PDF")).to_have_count(0)
    report = Report.objects.get(
        assessment=published, requested_by__username=LOGINS["client executive"].username
    )
    report_release(report=report, user=published.organization.memberships.get(role="consultant").user)
    page.reload()
    link = page.get_by_role("link", name="Download PDF").first
    expect(link).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "demo-bank-cx-report-executive-ru-2025-12-31.pdf"
    text = _pdf_text(download.value.path())
    assert "Demo Bank" in text and "57,9" in text  # Russian: a decimal comma

    for tab in ("respondents", "interviews", "customer-data", "recommendations"):
        assert page.goto(f"{base}/assessments/{published.pk}/{tab}/").status == 404
    assert page.goto(f"{base}/assessments/{reassessment.pk}/scores/").status == 404


def test_an_executive_of_another_organization_gets_404_on_the_first_ones_pages(
    live_server, new_context, demo
):
    reassessment = demo
    published = reassessment.baseline
    report = Report.objects.create(assessment=published, kind="executive", language="en")
    outsider = executive_of(OrganizationFactory(name="Other Bank"), username="other-exec")
    outsider.set_password("other-exec-2026")
    outsider.save()
    base = live_server.url
    page = new_context().new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("other-exec")
    page.get_by_label("Password").fill("other-exec-2026")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("main")).not_to_contain_text("Demo Bank")

    organization = published.organization
    urls = [
        f"/organizations/{organization.pk}/",
        f"/organizations/{organization.pk}/assessments/new/",
        f"/assessments/{published.pk}/",
        *(f"/assessments/{published.pk}/{tab}/" for tab in TABS),
        f"/assessments/{published.pk}/export/scores.csv",
        f"/assessments/{published.pk}/export/metrics.xlsx",
        f"/api/v1/assessments/{published.pk}/scores/",
        f"/api/v1/reports/{report.pk}/",
        f"/api/v1/reports/{report.pk}/download/",
    ]
    statuses = {url: page.goto(f"{base}{url}").status for url in urls}
    assert statuses == dict.fromkeys(urls, 404)
    expect(page.locator("body")).not_to_contain_text("Demo Bank")


def _workspace_urls(reassessment: Assessment) -> list[str]:
    return [
        "/",
        f"/organizations/{reassessment.organization_id}/",
        f"/organizations/{reassessment.organization_id}/assessments/new/",
        *(f"/assessments/{reassessment.pk}/{tab}/" for tab in TABS),
    ]


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_every_page_fits_a_phone_without_sideways_scrolling(live_server, new_context, language, demo):
    reassessment = demo
    base = live_server.url
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    page = context.new_page()
    _sign_in(page, base, "consultant")
    for url in _workspace_urls(reassessment):
        assert page.goto(f"{base}{url}").status == 200
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{url} is {width} px wide on a {PHONE['width']} px phone"
        assert page.locator("html").get_attribute("lang") == language


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_the_executive_reads_everything_on_a_phone_without_a_table_scrolling(
    live_server, new_context, language, demo, tmp_path, settings
):
    """With the firm's branding in the header: the executive's pages fit a 390 px phone and
    every table stacks instead of scrolling sideways."""
    settings.MEDIA_ROOT = tmp_path
    logo = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 90 30"><rect width="90" height="30"/></svg>'
    firm_branding_update(
        name="Qadam Customer Experience Advisory", colour="#0b6e4f", logo=SimpleUploadedFile("q.svg", logo)
    )
    baseline = demo.baseline
    base = live_server.url
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    page = context.new_page()
    _sign_in(page, base, "client executive")
    stacked = charts = 0
    urls = ["/", f"/organizations/{baseline.organization_id}/"] + [
        f"/assessments/{baseline.pk}/{tab}/" for tab in ("scores", "reports")
    ]
    for url in urls:
        assert page.goto(f"{base}{url}").status == 200
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{url} is {width} px wide on a {PHONE['width']} px phone"
        scrolling = page.evaluate(
            "() => [...document.querySelectorAll('.table-wrap')]"
            ".filter(frame => frame.scrollWidth > frame.clientWidth + 1).map(frame => frame.scrollWidth)"
        )
        assert scrolling == [], f"{url}: tables {scrolling} px wide scroll sideways"
        stacked += page.locator("table.table--stack td[data-label]").count()
        # Each chart's smallest text, at the size the chart is shown: 10 px at least.
        smallest = page.evaluate(
            "() => [...document.querySelectorAll('figure.chart svg')].map(svg =>"
            " parseFloat(svg.dataset.minTextPt) * svg.getBoundingClientRect().width"
            " / svg.viewBox.baseVal.width)"
        )
        assert all(size >= 9.99 for size in smallest), f"{url}: chart text of {smallest} px"
        charts += len(smallest)
    assert stacked > 100  # the scores' tables, with their columns named in every cell
    assert charts == 3  # the score history, the level scale and the radar
    assert page.locator(".brand").inner_text() == "Qadam Customer Experience Advisory"


@pytest.mark.skipif(os.environ.get("SCREENSHOTS") != "1", reason="screenshots only with SCREENSHOTS=1")
def test_workspace_screenshots(live_server, new_context, demo):
    """Every main page as the consultant and the executive, desktop and phone, in every language,
    in /tmp/shots/ (or SHOTS_DIR), to look at."""
    shots = Path(os.environ.get("SHOTS_DIR", "/tmp/shots"))  # noqa: S108
    shots.mkdir(exist_ok=True)
    reassessment = demo
    base = live_server.url
    pages = {
        "consultant": _workspace_urls(reassessment),
        "client executive": ["/", f"/assessments/{reassessment.baseline_id}/scores/"],
    }
    for size, options in {"desktop": {"viewport": DESKTOP}, "phone": {"viewport": PHONE}}.items():
        for language, _name in settings.LANGUAGES:
            for role, urls in pages.items():
                context = new_context(**options)
                context.add_cookies([{"name": "django_language", "value": language, "url": base}])
                page = context.new_page()
                _sign_in(page, base, role)
                for url in urls:
                    page.goto(f"{base}{url}")
                    name = re.sub(r"[^a-z0-9]+", "-", f"{role} {url}".lower()).strip("-")
                    page.screenshot(path=shots / f"ws-{name}-{size}-{language}.png", full_page=True)
        page = new_context(**options).new_page()
        page.goto(f"{base}/accounts/login/")
        page.screenshot(path=shots / f"ws-login-{size}.png", full_page=True)
