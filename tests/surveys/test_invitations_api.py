import hashlib

import pytest

from assessment.models import Status
from surveys.models import Invitation, InvitationToken
from surveys.services import invitation_row_normalize
from tests.factories import UserFactory, executive_of
from tests.surveys.conftest import invite


def _url(assessment):
    return f"/api/v1/assessments/{assessment.pk}/invitations/"


def test_create_one_returns_token_once_and_stores_only_its_hash(consultant_api, assessment, settings):
    settings.SITE_URL = "https://cx.example.com"
    response = consultant_api.post(
        _url(assessment),
        {
            "email": " Aida@Bank.KZ ",
            "name": "Aida",
            "department": "Retail",
            "role": "frontline",
            "language": "ru",
        },
        format="json",
    )
    assert response.status_code == 201
    [body] = response.json()
    assert set(body) == {"id", "email", "name", "department", "role", "language", "status", "url", "token"}
    assert body["email"] == "aida@bank.kz"
    assert body["status"] == "invited"
    assert body["url"] == f"https://cx.example.com/r/{body['token']}/"
    assert len(body["token"]) >= 43  # 256 bits in URL-safe base64
    link = InvitationToken.objects.get(invitation_id=body["id"])
    assert link.token_hash == hashlib.sha256(body["token"].encode()).hexdigest()
    assert not InvitationToken.objects.filter(token_hash=body["token"]).exists()


def test_create_list_and_list_never_shows_tokens(consultant_api, assessment):
    rows = [
        {"email": "a@bank.kz", "role": "executive", "department": "Board"},
        {"email": "b@bank.kz", "role": "back_office", "department": "Operations"},
    ]
    created = consultant_api.post(_url(assessment), rows, format="json")
    assert created.status_code == 201
    assert [row["email"] for row in created.json()] == ["a@bank.kz", "b@bank.kz"]
    listing = consultant_api.get(_url(assessment)).json()
    assert [(row["email"], row["status"]) for row in listing] == [
        ("a@bank.kz", "invited"),
        ("b@bank.kz", "invited"),
    ]
    assert all("token" not in row and "url" not in row for row in listing)


def test_duplicate_emails_are_refused_per_item_and_nothing_is_created(consultant_api, assessment):
    invite(assessment, email="taken@bank.kz")
    rows = [
        {"email": "new@bank.kz", "role": "manager"},
        {"email": "TAKEN@bank.kz", "role": "manager"},
        {"email": "new@bank.kz", "role": "frontline"},
    ]
    response = consultant_api.post(_url(assessment), rows, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "items": [
            {"index": 1, "email": ["taken@bank.kz is already invited to this assessment."]},
            {"index": 2, "email": ["new@bank.kz appears twice (also in item 0)."]},
        ]
    }
    assert Invitation.objects.filter(assessment=assessment).count() == 1


def test_invalid_fields_are_reported_per_item(consultant_api, assessment):
    rows = [{"email": "ok@bank.kz", "role": "frontline"}, {"email": "not-an-email", "role": "ceo"}]
    response = consultant_api.post(_url(assessment), rows, format="json")
    assert response.status_code == 400
    [item] = response.json()["items"]
    assert item["index"] == 1
    assert set(item) == {"index", "email", "role"}
    assert not Invitation.objects.exists()


def test_invitations_refused_once_collection_is_over(consultant_api, assessment):
    assessment.status = Status.SCORING
    assessment.save()
    response = consultant_api.post(
        _url(assessment), {"email": "late@bank.kz", "role": "frontline"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "assessment_not_collecting"


def test_csv_upload_in_windows_1251_with_semicolons(consultant_api, assessment):
    content = (
        "Email;Name;Department;Role;Language\n"
        "ivanov@bank.kz;Иванов Иван;Розничный блок;Frontline;ru\n"
        "petrova@bank.kz;Петрова Анна;Колл-центр;Back office;\n"
        ";;;;\n"
    ).encode("cp1251")
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("staff.csv", content, content_type="text/csv")
    response = consultant_api.post(_url(assessment), {"file": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    stored = {i.email: (i.name, i.department, i.role, i.language) for i in Invitation.objects.all()}
    assert stored == {
        "ivanov@bank.kz": ("Иванов Иван", "Розничный блок", "frontline", "ru"),
        "petrova@bank.kz": ("Петрова Анна", "Колл-центр", "back_office", "en"),
    }


def test_xlsx_upload(consultant_api, assessment, tmp_path):
    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile

    book = openpyxl.Workbook()
    book.active.append(["email", "name", "department", "role"])
    book.active.append(["x1@bank.kz", "Xeniya", "IT", "manager"])
    book.active.append(["x2@bank.kz", "Xan", "IT", "executive"])
    path = tmp_path / "staff.xlsx"
    book.save(path)
    upload = SimpleUploadedFile("staff.xlsx", path.read_bytes())
    response = consultant_api.post(_url(assessment), {"file": upload}, format="multipart")
    assert response.status_code == 201
    assert sorted(Invitation.objects.values_list("email", "role")) == [
        ("x1@bank.kz", "manager"),
        ("x2@bank.kz", "executive"),
    ]


@pytest.mark.parametrize(
    ("row", "defaults", "expected"),
    [
        (
            {"email": " Aida@Bank.KZ ", "name": " Aida ", "department": " Retail ", "role": "Back office"},
            {},
            {
                "email": "aida@bank.kz",
                "name": "Aida",
                "department": "Retail",
                "role": "back_office",
                "language": "en",
            },
        ),
        (
            {"email": "b@bank.kz", "role": "Бэк-офис", "language": "RU"},
            {},
            {"email": "b@bank.kz", "name": "", "department": "", "role": "back_office", "language": "ru"},
        ),
        (
            {"email": "c@bank.kz", "role": "", "language": ""},
            {"role": "manager", "language": "ru"},
            {"email": "c@bank.kz", "name": "", "department": "", "role": "manager", "language": "ru"},
        ),
        (
            {"email": "d@bank.kz", "role": "Chief Officer"},
            {},
            {"email": "d@bank.kz", "name": "", "department": "", "role": "Chief Officer", "language": "en"},
        ),
    ],
)
def test_one_normalization_for_every_way_of_inviting(row, defaults, expected):
    assert invitation_row_normalize(row, **defaults) == expected


def test_upload_without_required_column_is_400(consultant_api, assessment):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("staff.csv", b"email,name\na@bank.kz,A\n")
    response = consultant_api.post(_url(assessment), {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"file": ["Missing column(s): role."]}


def test_oversized_upload_is_413(consultant_api, assessment, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    monkeypatch.setattr("surveys.importing.MAX_BYTES", 10)
    upload = SimpleUploadedFile("staff.csv", b"email,role\na@bank.kz,frontline\n")
    response = consultant_api.post(_url(assessment), {"file": upload}, format="multipart")
    assert response.status_code == 413


@pytest.mark.parametrize("who", ["executive", "stranger"])
def test_only_the_assessment_consultants_manage_invitations(api, assessment, who):
    assessment.status = Status.PUBLISHED
    assessment.save()
    user = executive_of(assessment.organization) if who == "executive" else UserFactory()
    api.force_authenticate(user)
    expected = 403 if who == "executive" else 404
    assert api.get(_url(assessment)).status_code == expected
    assert (
        api.post(_url(assessment), {"email": "x@y.kz", "role": "frontline"}, format="json").status_code
        == expected
    )


def test_response_rate_by_department_and_role(consultant_api, assessment):
    from surveys.services import answers_save, response_submit

    for n, (department, role) in enumerate(
        [("Retail", "frontline"), ("Retail", "frontline"), ("Retail", "manager"), ("IT", "back_office")]
    ):
        new = invite(assessment, email=f"p{n}@bank.kz", department=department, role=role)
        if n < 2:
            answers_save(invitation=new.invitation, items=[{"indicator": "ORG-01", "level": 3}])
        if n == 0:
            response_submit(invitation=new.invitation)
    body = consultant_api.get(f"/api/v1/assessments/{assessment.pk}/response-rate/").json()
    assert body["overall"] == {"invited": 2, "started": 1, "submitted": 1, "total": 4, "rate": 25.0}
    assert body["by_department"] == [
        {"department": "IT", "invited": 1, "started": 0, "submitted": 0, "total": 1, "rate": 0.0},
        {"department": "Retail", "invited": 1, "started": 1, "submitted": 1, "total": 3, "rate": 33.3},
    ]
    assert [(r["role"], r["submitted"], r["total"]) for r in body["by_role"]] == [
        ("back_office", 0, 1),
        ("frontline", 1, 2),
        ("manager", 0, 1),
    ]


def test_response_rate_of_an_assessment_without_invitations(consultant_api, assessment):
    body = consultant_api.get(f"/api/v1/assessments/{assessment.pk}/response-rate/").json()
    assert body == {
        "overall": {"invited": 0, "started": 0, "submitted": 0, "total": 0, "rate": 0.0},
        "by_department": [],
        "by_role": [],
    }
