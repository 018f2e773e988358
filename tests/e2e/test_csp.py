"""The Content-Security-Policy (no inline scripts or styles) breaks no page: Chromium reports
each refused script, style or resource as a console error naming the policy, and there is
none on the sign-in page, every workspace tab, the respondent's questionnaire, the API docs,
the browsable API and the Django admin."""

import pytest
from playwright.sync_api import expect

from assessment.demo import demo_respondent_link
from tests.e2e.test_workspace import TABS, _sign_in, demo  # noqa: F401 - demo is a fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _violations(page) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    return messages


def _csp(messages: list[str]) -> list[str]:
    return [message for message in messages if "Content Security Policy" in message]


def test_the_browser_reports_a_refused_inline_script(live_server, page):
    """What the other tests look for really appears when the policy refuses something."""
    messages = _violations(page)
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.body.append(s); }"
    )
    assert page.evaluate("() => window.ran") is None
    expect(page.locator("body")).to_be_visible()
    assert _csp(messages), messages


def test_no_page_breaks_the_policy(live_server, new_context, demo):  # noqa: F811
    reassessment = demo
    base = live_server.url
    visited: dict[str, int] = {}

    def visit(page, url: str) -> None:
        visited[url] = page.goto(f"{base}{url}").status

    # Signed out: the sign-in page and the respondent's questionnaire.
    page = new_context().new_page()
    messages = _violations(page)
    visit(page, "/accounts/login/")
    respondent = f"/r/{demo_respondent_link(assessment=reassessment)}/"
    for url in (respondent, f"{respondent}area/organization/", f"{respondent}review/"):
        visit(page, url)

    # The consultant: every tab of the re-assessment and of its published baseline.
    page = new_context().new_page()
    messages += _violations(page)
    _sign_in(page, base, "consultant")
    for assessment in (reassessment, reassessment.baseline):
        visit(page, f"/assessments/{assessment.pk}/")
        for tab in TABS:
            if tab != "comparison" or assessment.baseline_id:  # only a re-assessment compares
                visit(page, f"/assessments/{assessment.pk}/{tab}/")
    visit(page, f"/organizations/{reassessment.organization_id}/")
    visit(page, "/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("CX Maturity Platform API")
    visit(page, f"/api/v1/assessments/{reassessment.pk}/")  # the browsable API
    expect(page.locator(".response-info")).to_contain_text(reassessment.title)

    # The admin: its index, a list and a change form.
    page = new_context().new_page()
    messages += _violations(page)
    _sign_in(page, base, "admin")
    for url in (
        "/admin/",
        "/admin/assessment/assessment/",
        f"/admin/assessment/assessment/{reassessment.pk}/change/",
    ):
        visit(page, url)

    assert {url: status for url, status in visited.items() if status != 200} == {}
    assert _csp(messages) == []
