"""A new consultant sets up a client in the browser: creates the organization, invites its
executive by e-mail; the executive follows the link on a phone, sets a password and is in."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from assessment.models import Organization
from tests.e2e.conftest import PHONE
from tests.factories import consultant_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_consultant_sets_up_a_client_whose_executive_signs_in(live_server, page, new_context, settings):
    settings.SITE_URL = live_server.url
    base = live_server.url
    consultant_of(username="newcomer")
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill("newcomer")
    page.locator("#id_password").fill("pass-word-123")
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".empty")).to_contain_text("No organization yet")

    page.get_by_role("link", name="New organization").click()
    page.get_by_label("Organization name").fill("Steppe Telecom")
    page.get_by_label("Industry").select_option("telecom")
    page.get_by_label("Size").select_option("large")
    page.get_by_label("Country").fill("Kazakhstan")
    page.get_by_role("button", name="Create the organization").click()
    expect(page.locator(".messages")).to_contain_text("The organization is set up")
    organization = Organization.objects.get(name="Steppe Telecom")
    assert organization.industry == "telecom"

    page.get_by_role("link", name="Steppe Telecom").click()
    invite = page.locator("#client-users form.form")
    invite.get_by_label("E-mail", exact=True).fill("ceo@steppe.example")
    invite.get_by_label("Name", exact=True).fill("Ерлан")
    invite.get_by_label("Language of the e-mail").select_option("ru")
    invite.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".messages")).to_contain_text("The invitation is on its way to ceo@steppe.example.")
    expect(page.locator("#client-users")).to_contain_text("Invited: link sent")

    [message] = mail.outbox
    assert message.subject == "Steppe Telecom: доступ к аудиту клиентского опыта"
    link = re.search(rf"{re.escape(base)}/accounts/invitation/[\w-]+/", message.body).group(0)

    phone = new_context(viewport=PHONE, locale="ru-RU").new_page()
    phone.goto(link)
    # In Russian, the language of the executive's browser.
    phone.get_by_label("Новый пароль", exact=True).fill("steppe-board-2027!")
    phone.get_by_label("Подтверждение нового пароля").fill("steppe-board-2027!")
    phone.get_by_role("button", name="Задать пароль и войти").click()
    expect(phone).to_have_url(f"{base}/")
    expect(phone.locator(".messages")).to_contain_text("Пароль задан")
    expect(phone.get_by_role("link", name="Steppe Telecom")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.reload()
    expect(page.locator("#client-users")).to_contain_text("Active")
