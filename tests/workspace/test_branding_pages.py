"""The firm's branding (admins only) and the client's logo, where people see them: the pages'
header and colour, the questionnaire's welcome page, the e-mails and the PDF reports."""

import io

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from assessment.branding import firm_branding, firm_branding_update, organization_logo_set
from reports.rendering import StaticFileFetcher
from reports.selectors import report_branding
from tests.factories import UserFactory
from tests.surveys.conftest import invite

pytestmark = pytest.mark.django_db

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4" onload="alert(1)">'
    b'<rect width="4" height="4"/></svg>'
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SITE_URL = "https://cx.example.com"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 10), (200, 30, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def test_an_admin_sets_the_firms_name_colour_and_logo_and_every_page_shows_them(admin_client, client):
    response = admin_client.post(
        reverse("workspace:branding"),
        {"name": "Qadam Advisory", "colour": "#0B6E4F", "logo": SimpleUploadedFile("q.svg", SVG)},
    )
    assert response["Location"] == reverse("workspace:branding")
    branding = firm_branding()
    assert (branding.name, branding.colour) == ("Qadam Advisory", "#0b6e4f")
    logo_url = reverse("workspace:logo", args=[branding.logo.name.removeprefix("logos/")])
    page = client.get(reverse("login")).content.decode()
    assert f'<img class="brand__logo" src="{logo_url}" alt="" height="28">Qadam Advisory</span>' in page
    assert f'href="{reverse("workspace:branding-css")}?v=0b6e4f"' in page
    css = client.get(reverse("workspace:branding-css"))
    assert (
        css.content.decode() == ":root { --primary: #0b6e4f; --primary-dark: #0b6e4f; --header: #0b6e4f; }\n"
    )
    served = client.get(logo_url)
    assert served["Content-Type"] == "image/svg+xml"
    assert served["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    assert b"onload" not in served.content and b"<rect" in served.content


def test_a_new_logo_replaces_the_old_file_and_unknown_names_are_not_served(
    admin_client, client, django_capture_on_commit_callbacks
):
    firm_branding_update(name="", colour="", logo=SimpleUploadedFile("a.png", _png()))
    old = firm_branding().logo.name
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("workspace:branding"),
            {"name": "", "colour": "#1d4f91", "logo": SimpleUploadedFile("b.svg", SVG)},
        )
    new = firm_branding().logo.name
    assert new != old and new.endswith(".svg")
    assert not default_storage.exists(old) and default_storage.exists(new)
    assert client.get(reverse("workspace:logo", args=[old.removeprefix("logos/")])).status_code == 404
    assert client.get(reverse("workspace:logo", args=["0" * 32 + ".png"])).status_code == 404
    assert client.get("/logos/..%2Fdb.sqlite3").status_code == 404


def test_bad_branding_is_a_field_error_and_changes_nothing(admin_client):
    response = admin_client.post(
        reverse("workspace:branding"),
        {"name": "X", "colour": "#ffee00", "logo": SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\njunk")},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "White text on this colour is hard to read (contrast 1.2:1, at least 4.5:1 needed)" in page
    branding = firm_branding()
    assert (branding.pk, branding.name) == (None, "")


def test_only_admins_set_the_branding(consultant_client):
    assert consultant_client.get(reverse("workspace:branding")).status_code == 403
    assert consultant_client.post(reverse("workspace:branding"), {"name": "Mine"}).status_code == 403
    assert firm_branding().pk is None


def test_without_branding_pages_keep_the_products_name_and_colours(client):
    page = client.get(reverse("login")).content.decode()
    assert '<span class="brand">CX Maturity</span>' in page
    assert "branding.css" not in page
    assert client.get(reverse("workspace:branding-css")).status_code == 404


def test_the_client_logo_is_on_the_organization_form_the_welcome_page_and_the_emails(
    consultant_client, organization, audit, django_capture_on_commit_callbacks
):
    edit = reverse("workspace:organization-edit", args=[organization.pk])
    response = consultant_client.post(
        edit,
        {"name": organization.name, "industry": "banking", "logo": SimpleUploadedFile("alpha.png", _png())},
    )
    assert response.status_code == 302
    organization.refresh_from_db()
    logo_url = reverse("workspace:logo", args=[organization.logo.name.removeprefix("logos/")])
    firm_branding_update(name="Qadam Advisory", colour="#0b6e4f")
    with django_capture_on_commit_callbacks(execute=True):
        new = invite(audit, email="aida@alpha.example")
    html = mail.outbox[-1].alternatives[0][0]
    assert f'src="https://cx.example.com{logo_url}" alt="Alpha Bank"' in html
    assert ">Qadam Advisory</td>" in html
    assert "background:#0b6e4f;" in html
    welcome = Client().get(f"/r/{new.token}/").content.decode()
    assert f'<img src="{logo_url}" alt="Alpha Bank" height="48">' in welcome
    # Removing the logo takes it off.
    consultant_client.post(edit, {"name": organization.name, "remove_logo": "on"})
    organization.refresh_from_db()
    assert not organization.logo


def test_a_bad_client_logo_is_a_field_error_and_saves_nothing(consultant_client, organization):
    edit = reverse("workspace:organization-edit", args=[organization.pk])
    response = consultant_client.post(
        edit,
        {"name": "Renamed", "industry": "banking", "logo": SimpleUploadedFile("x.svg", b"<svg><b/></svg>")},
    )
    assert response.status_code == 400
    assert "This is no SVG image: its root element is not &lt;svg&gt;." in response.content.decode()
    organization.refresh_from_db()
    assert (organization.name, organization.logo.name) == ("Alpha Bank", "")


def test_the_report_carries_the_logos_inline_and_its_renderer_reads_only_images(organization):
    firm_branding_update(name="Qadam Advisory", colour="#0b6e4f", logo=SimpleUploadedFile("q.svg", SVG))
    organization = organization_logo_set(organization=organization, logo=SimpleUploadedFile("a.png", _png()))
    branding = report_branding(organization=organization, language="ru")
    assert (branding["firm_name"], branding["colour"]) == ("Qadam Advisory", "#0b6e4f")
    assert branding["firm_logo"].startswith("data:image/svg+xml;base64,")
    assert branding["client_logo"].startswith("data:image/png;base64,")
    fetched = StaticFileFetcher().fetch(branding["client_logo"])
    assert (fetched.read(), fetched.content_type) == (_png(), "image/png")
    with pytest.raises(ValueError, match="Refused to fetch"):
        StaticFileFetcher().fetch("data:text/html;base64,PHNjcmlwdD4=")
