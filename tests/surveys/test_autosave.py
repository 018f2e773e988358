"""The autosave's single write: every rule kept (all or nothing, read-only once submitted, closed
outside collection) in one database round trip once the respondent has started."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.models import Status
from config.exceptions import ItemErrors, StateConflict
from surveys.models import Answer, Response
from surveys.services import (
    ANSWERS_OPEN_STATUS,
    answers_save,
    answers_save_by_token,
    invitation_by_token,
    response_submit,
)
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


def _postgresql_only():
    require_service(
        connection.vendor == "postgresql",
        "one statement writes on PostgreSQL; SQLite takes the portable path",
    )


def test_an_autosave_costs_one_round_trip_once_started(api, new_invitation):
    _postgresql_only()
    assert _patch(api, new_invitation.token, [{"indicator": "ORG-01", "level": 2}]).status_code == 200
    answers = [{"indicator": f"ORG-{n:02d}", "level": 3, "comment": "ok"} for n in range(1, 11)]
    with CaptureQueriesContext(connection) as queries:
        assert _patch(api, new_invitation.token, answers).json() == {"saved": 10}
    assert len(queries) == 1, [query["sql"][:80] for query in queries]
    assert Answer.objects.filter(level=3, comment="ok").count() == 10


def test_the_open_status_is_the_assessments_collecting_status():
    assert ANSWERS_OPEN_STATUS == Status.COLLECTING


def _past_deadline(assessment):
    assessment.collection_deadline = timezone.now() - datetime.timedelta(minutes=1)
    assessment.save(update_fields=["collection_deadline"])


def _scoring(assessment):
    assessment.status = Status.SCORING
    assessment.save(update_fields=["status"])


def _submitted(assessment):
    Response.objects.update(submitted_at=timezone.now())


@pytest.mark.parametrize(
    ("change", "items", "status"),
    [
        (_past_deadline, [{"indicator": "ORG-02", "level": 4}], 409),
        (_scoring, [{"indicator": "ORG-02", "level": 4}], 409),
        (_submitted, [{"indicator": "ORG-02", "level": 4}], 409),
        (None, [{"indicator": "ORG-02", "level": 4}, {"indicator": "ORG-99", "level": 1}], 400),
    ],
    ids=["deadline passed", "not collecting", "submitted", "unknown indicator"],
)
def test_the_one_statement_refuses_what_the_long_way_refuses(
    api, new_invitation, assessment, change, items, status
):
    _postgresql_only()
    assert _patch(api, new_invitation.token, [{"indicator": "ORG-01", "level": 2}]).status_code == 200
    if change:
        change(assessment)
    assert answers_save_by_token(token=new_invitation.token, items=items) is False
    assert _patch(api, new_invitation.token, items).status_code == status
    assert dict(Answer.objects.values_list("indicator__code", "level")) == {"ORG-01": 2}


def test_the_one_statement_leaves_unknown_links_and_first_saves_to_the_long_way(api, new_invitation):
    _postgresql_only()
    items = [{"indicator": "ORG-01", "level": 2}]
    assert answers_save_by_token(token="not-a-link", items=items) is False
    assert _patch(api, "not-a-link", items).status_code == 404
    assert _patch(api, "not-a-link", [{"indicator": "ORG-01", "level": 9}]).status_code == 404
    assert answers_save_by_token(token=new_invitation.token, items=items) is False  # not started
    assert not Response.objects.exists()
    assert _patch(api, new_invitation.token, items).status_code == 200
    assert answers_save_by_token(token=new_invitation.token, items=[{"indicator": "ORG-01", "level": 5}])
    assert Answer.objects.get().level == 5


_texts = st.one_of(
    st.text(max_size=20), st.sampled_from(["ORG-01", " ORG-01", "ORG-01 ", "", "a\x00b", "\ud800"])
)
_levels = st.one_of(
    st.none(), st.integers(-1, 7), st.booleans(), st.floats(0, 6), st.sampled_from(["3", 3.0])
)
_items = st.one_of(
    st.fixed_dictionaries({"indicator": _texts, "level": _levels}, optional={"comment": _texts, "x": _texts}),
    st.fixed_dictionaries({"indicator": _texts}),
    st.integers(),
)


@given(body=st.one_of(st.fixed_dictionaries({"answers": st.lists(_items, max_size=4)}), st.lists(_items)))
@settings(max_examples=300, deadline=None)
def test_a_body_taken_without_the_serializers_is_what_the_serializers_would_give(body):
    from surveys.apis import AnswerInputSerializer, RespondAnswersApi, answers_plain

    plain = answers_plain(body)
    outer = RespondAnswersApi.InputSerializer(data=body)
    valid = outer.is_valid()
    items = valid and AnswerInputSerializer(data=outer.validated_data["answers"], many=True)
    valid = valid and items.is_valid()
    if plain is not None:
        assert valid and [dict(item) for item in items.validated_data] == plain


def test_canonical_bodies_are_taken_without_the_serializers():
    from surveys.apis import answers_plain

    body = {
        "answers": [
            {"indicator": "ORG-01", "level": 3},
            {"indicator": "ORG-02", "level": None, "comment": "ok"},
            {"indicator": "ORG-03", "comment": "a comment first"},
        ]
    }
    assert answers_plain(body) == [
        {"indicator": "ORG-01", "level": 3, "comment": "", "answered": True},
        {"indicator": "ORG-02", "level": None, "comment": "ok", "answered": True},
        {"indicator": "ORG-03", "level": None, "comment": "a comment first", "answered": False},
    ]
    for refused in ({"answers": []}, {"answers": [{"indicator": "ORG-01", "level": True}]}, {"answers": "x"}):
        assert answers_plain(refused) is None
