"""Two tabs saving at once never duplicate or lose answers (needs real concurrent
transactions: runs on PostgreSQL, which CI uses)."""

import threading

import pytest
from django.db import connection

from assessment.models import Status
from surveys.models import Answer
from surveys.services import answers_save, invitation_by_token, invitation_create_many
from tests.factories import AssessmentFactory


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_from_two_tabs():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serializes the whole database)")
    from surveys.services import catalog_load

    catalog_load()
    assessment = AssessmentFactory(status=Status.COLLECTING)
    token = invitation_create_many(
        assessment=assessment, rows=[{"email": "tabs@bank.kz", "role": "executive"}]
    )[0].token
    from surveys.selectors import indicator_ids

    # Fourteen questions the executive is asked.
    codes = sorted(indicator_ids(version_id=assessment.catalog_version_id, role="executive"))[:14]
    barrier = threading.Barrier(2)
    errors = []

    def tab(levels):
        try:
            invitation = invitation_by_token(token=token)
            barrier.wait()
            for code, level in zip(codes, levels, strict=True):
                answers_save(invitation=invitation, items=[{"indicator": code, "level": level}])
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=tab, args=([2] * 14,)), threading.Thread(target=tab, args=([4] * 14,))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    stored = dict(Answer.objects.values_list("indicator__code", "level"))
    assert sorted(stored) == codes
    assert set(stored.values()) <= {2, 4}
    assert Answer.objects.count() == 14
