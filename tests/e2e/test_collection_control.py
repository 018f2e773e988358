"""A consultant runs collection in the browser: a client with its logo, an assessment with a
deadline and weights set on the settings page, the invitation read in Russian before collection
opens, the honest confirmation, reminding those who have not submitted, removing one who left."""

import datetime
import io

import pytest
from django.core import mail
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from assessment.models import AuditEvent, Organization
from surveys.models import Invitation
from tests.factories import consultant_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _logo(tmp_path) -> str:
    path = tmp_path / "steppe.png"
    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), (10, 90, 60)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_a_consultant_sets_up_and_runs_collection(live_server, page, settings, tmp_path, catalog):
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    consultant_of(username="newcomer")
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    dialogs: list[str] = []
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill("newcomer")
    page.locator("#id_password").fill("pass-word-123")
    page.locator("form.form button[type=submit]").click()

    page.get_by_role("link", name="New organization").click()
    page.get_by_label("Organization name").fill("Steppe Telecom")
    page.get_by_label("Industry").select_option("telecom")
    page.get_by_label("Currency").select_option("KZT")
    page.get_by_label("Logo", exact=True).set_input_files(_logo(tmp_path))
    page.get_by_role("button", name="Create the organization").click()
    organization = Organization.objects.get(name="Steppe Telecom")
    assert organization.logo.name.endswith(".png") and organization.currency == "KZT"

    page.get_by_label("Title").fill("Steppe 2026")
    page.get_by_label("Reference date").fill("2026-06-30")
    page.get_by_role("button", name="Create the assessment").click()
    assessment = organization.assessments.get()

    page.goto(f"{base}/assessments/{assessment.pk}/respondents/")
    page.locator("#paste_lines").fill(
        "ann@steppe.example, Ann, Sales, manager\nbob@steppe.example, Bob, Sales, frontline\n"
    )
    page.locator("#paste_lines").locator("xpath=ancestor::form").locator("button[type=submit]").click()
    assert Invitation.objects.filter(assessment=assessment).count() == 2

    page.goto(f"{base}/assessments/{assessment.pk}/settings/")
    deadline = timezone.localtime() + datetime.timedelta(days=10)
    page.get_by_label("Collection deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#collection").get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Collection settings saved.")
    page.get_by_label("Questionnaire").fill("0.6")
    page.get_by_label("Leadership interviews").fill("0.3")
    page.get_by_label("Customer data").fill("0.1")
    page.get_by_role("button", name="Save the weights").click()
    expect(page.locator(".messages")).to_contain_text("Weights saved.")
    assessment.refresh_from_db()
    assert (float(assessment.weight_survey), assessment.collection_deadline is not None) == (0.6, True)

    page.goto(f"{base}/assessments/{assessment.pk}/respondents/")
    page.locator("#reminders").get_by_role("link", name="invitation", exact=True).click()
    page.get_by_role("link", name="Invitation · Russian").click()
    preview = page.frame_locator("iframe")
    expect(preview.locator("body")).to_contain_text("Пожалуйста, ответьте до")
    expect(preview.locator("body")).to_contain_text("Steppe Telecom")

    page.goto(f"{base}/assessments/{assessment.pk}/respondents/")
    page.get_by_role("button", name="Open collection (sends the invitations)").click()
    expect(page.locator(".messages")).to_contain_text("The assessment is now “Collecting answers”.")
    assert dialogs[-1] == "Open collection? 2 invitation e-mails will be sent now."
    assert sorted(message.to[0] for message in mail.outbox) == ["ann@steppe.example", "bob@steppe.example"]

    page.get_by_role("button", name="Remind everyone who has not submitted").click()
    expect(page.locator(".messages")).to_contain_text(
        "A reminder is on its way to 2 people who have not submitted."
    )
    expect(page.locator("#reminders")).to_contain_text("Everyone was reminded less than a day ago")
    assert len(mail.outbox) == 4

    bob = Invitation.objects.get(email="bob@steppe.example")
    page.get_by_role("button", name="Remove bob@steppe.example").click()
    expect(page.locator(".messages")).to_contain_text("bob@steppe.example is removed, with 0 answers")
    assert dialogs[-1].startswith("Remove bob@steppe.example? Their answers are deleted")
    assert not Invitation.objects.filter(pk=bob.pk).exists()
    assert AuditEvent.objects.filter(assessment=assessment, action="respondent_removed").count() == 1
