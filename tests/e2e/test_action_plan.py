"""The action plan in the browser: the consultant invites a client manager, who follows the link
on a phone, sets a password and moves the initiative they own to 60 % with a note; the
executive then sees the plan's health on the desktop."""

import os
import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from reports.models import Initiative
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_workspace import _sign_in, demo  # noqa: F401 - a fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_client_manager_updates_an_initiative_on_a_phone(live_server, new_context, demo, settings):  # noqa: F811
    settings.SITE_URL = base = live_server.url
    audit = demo.baseline
    consultant = new_context(viewport=DESKTOP).new_page()
    _sign_in(consultant, base, "consultant")
    consultant.goto(f"{base}/organizations/{audit.organization_id}/")
    invite = consultant.locator("#client-users form.form")
    invite.get_by_label("E-mail", exact=True).fill("ops@demo-bank.example")
    invite.get_by_label("Name", exact=True).fill("Dana")
    invite.get_by_label("Role").select_option("client_manager")
    invite.get_by_role("button", name="Send the invitation").click()
    expect(consultant.locator("#client-users")).to_contain_text("Client manager")
    (message,) = [message for message in mail.outbox if message.to == ["ops@demo-bank.example"]]
    link = re.search(rf"{re.escape(base)}/accounts/invitation/[\w-]+/", message.body).group(0)
    initiative = audit.initiatives.order_by("position").first()
    Initiative.objects.filter(pk=initiative.pk).update(
        owner=audit.organization.memberships.get(user__email="ops@demo-bank.example").user
    )

    phone = new_context(viewport=PHONE).new_page()
    phone.goto(link)
    phone.get_by_label("New password", exact=True).fill("demo-ops-2027!")
    phone.get_by_label("New password confirmation").fill("demo-ops-2027!")
    phone.get_by_role("button", name="Set the password and sign in").click()
    expect(phone).to_have_url(f"{base}/")
    phone.goto(f"{base}/assessments/{audit.pk}/action-plan/")
    mine = phone.locator(f"#initiative-{initiative.pk}")
    mine.locator("summary", has_text="Update the progress").click()
    mine.get_by_role("spinbutton", name="Per cent complete").fill("60")
    mine.get_by_label("Status").select_option("in_progress")
    mine.get_by_label("What happened").fill("Pilot running in two branches")
    mine.get_by_role("button", name="Save the progress").click()
    expect(phone.locator("ul.messages")).to_contain_text("The progress is saved.")
    mine = phone.locator(f"#initiative-{initiative.pk}")
    expect(mine.locator(".initiative__progress")).to_contain_text("60 %")
    expect(mine.locator(".initiative__updates")).to_contain_text("Pilot running in two branches")
    assert phone.locator("summary", has_text="Update the progress").count() == 1  # their own only
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    if os.environ.get("SCREENSHOTS") == "1":
        shots = Path(os.environ.get("SHOTS_DIR", "/tmp/shots"))  # noqa: S108
        shots.mkdir(exist_ok=True)
        phone.screenshot(path=shots / "action-plan-phone.png", full_page=True)

    executive = new_context(viewport=DESKTOP).new_page()
    _sign_in(executive, base, "client executive")
    executive.goto(f"{base}/assessments/{audit.pk}/action-plan/")
    health = executive.locator("#plan-health")
    expect(health).to_contain_text("on track")
    expect(executive.locator(f"#initiative-{initiative.pk}")).to_contain_text("60 %")
    expect(executive.locator("summary", has_text="Update the progress")).to_have_count(0)
