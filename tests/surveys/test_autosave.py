"""The autosave's single write: every rule kept (all or nothing, read-only once submitted, closed
outside collection) in two database round trips once the respondent has started."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment.models import Status
from config.exceptions import ItemErrors, StateConflict
from surveys.models import Answer, Response
from surveys.services import answers_save, invitation_by_token, response_submit
from tests.conftest import require_service

pytestmark = pytest.mark.django_db


def _patch(api, token, answers):
    return api.patch(f"/api/v1/respond/{token}/answers/", {"answers": answers}, format="json")


def test_a_save_with_one_unknown_indicator_writes_nothing(api, new_invitation):
    assert _patch(api, new_invitation.token, [{"indicator": "ORG-01", "level": 2}]).status_code == 200
    touched = Response.objects.get().updated_at

    response = _patch(
        api, new_invitation.token, [{"indicator": "ORG-01", "level": 5}, {"indicator": "ORG-99", "level": 3}]
    )
    assert response.status_code == 400
    assert response.json()["answers"] == [{"index": 1, "indicator": ["Unknown indicator ORG-99."]}]
    assert dict(Answer.objects.values_list("indicator__code", "level")) == {"ORG-01": 2}
    assert Response.objects.get().updated_at == touched


def test_an_indicator_of_another_catalog_version_is_unknown(api, new_invitation, assessment):
    from surveys.models import CatalogVersion, Indicator

    other = CatalogVersion.objects.create(number=99, name={"en": "other"}, content_hash="x" * 64)
    area = assessment.catalog_version.areas.first()
    area.pk, area.version = None, other
    area.save()
    Indicator.objects.create(
        version=other, area=area, code="NEW-01", position=1, title={}, question={}, levels={"en": ["a"] * 5}
    )

    response = _patch(api, new_invitation.token, [{"indicator": "NEW-01", "level": 3}])
    assert response.status_code == 400
    assert not Answer.objects.exists()


def test_a_save_racing_a_submission_is_refused_whole(new_invitation):
    answers_save(
        invitation=invitation_by_token(token=new_invitation.token),
        items=[{"indicator": "ORG-01", "level": 2}],
    )
    looked_up = invitation_by_token(token=new_invitation.token)  # the autosave's lookup…
    response_submit(invitation=invitation_by_token(token=new_invitation.token))  # …then another tab submits
    with pytest.raises(StateConflict) as refused:
        answers_save(
            invitation=looked_up,
            items=[{"indicator": "ORG-01", "level": 5}, {"indicator": "ORG-02", "level": 4}],
        )
    assert refused.value.code == "submitted"
    assert dict(Answer.objects.values_list("indicator__code", "level")) == {"ORG-01": 2}


def test_repeats_and_unsavable_text_are_named_before_anything_is_written(new_invitation):
    invitation = invitation_by_token(token=new_invitation.token)
    with pytest.raises(ItemErrors) as refused:
        answers_save(
            invitation=invitation,
            items=[
                {"indicator": "ORG-01", "level": 2},
                {"indicator": "ORG-01", "level": 3},
                {"indicator": "ORG-02", "level": 3, "comment": "a\x00b"},
            ],
        )
    assert set(refused.value.errors) == {1, 2}
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_outside_collection_nothing_is_written(api, new_invitation, assessment):
    assessment.status = Status.SCORING
    assessment.save(update_fields=["status"])
    assert _patch(api, new_invitation.token, [{"indicator": "ORG-01", "level": 2}]).status_code == 409
    assert not Response.objects.exists()


def test_an_autosave_costs_two_round_trips_once_started(api, new_invitation):
    require_service(
        connection.vendor == "postgresql",
        "one statement writes on PostgreSQL; SQLite takes the portable path",
    )
    assert _patch(api, new_invitation.token, [{"indicator": "ORG-01", "level": 2}]).status_code == 200
    answers = [{"indicator": f"ORG-{n:02d}", "level": 3, "comment": "ok"} for n in range(1, 11)]
    with CaptureQueriesContext(connection) as queries:
        assert _patch(api, new_invitation.token, answers).json() == {"saved": 10}
    assert len(queries) == 2, [query["sql"][:80] for query in queries]
    assert Answer.objects.filter(level=3, comment="ok").count() == 10
