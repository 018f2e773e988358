"""The recommendations tab: the consultant reviews the roadmap through `recommendations_review`;
the page lists what `recommendations_list` returns; it freezes once published."""

import pytest
from django.test import Client
from django.urls import reverse

from config.numbers import number
from reports.models import RecommendationItem, RecommendationStatus
from reports.selectors import recommendations_list
from reports.services import recommendations_ensure
from tests.factories import assessment_published


def _url(assessment) -> str:
    return reverse("workspace:recommendations", args=[assessment.pk])


def _ids(assessment) -> list[int]:
    return list(assessment.recommendations.values_list("pk", flat=True))


@pytest.fixture
def current(reassessment):
    recommendations_ensure(assessment=reassessment.current)
    return reassessment.current


def _edit_data(item_id: int, **values) -> dict:
    prefix = f"edit-{item_id}-"
    return {"action": "edit", "item": item_id, **{prefix + name: value for name, value in values.items()}}


def test_the_page_lists_the_roadmap_in_its_order_with_the_next_level(consultant_client, current):
    response = consultant_client.get(_url(current))
    assert response.status_code == 200
    html = response.content.decode()
    items = recommendations_list(assessment=current, language="en")
    assert len(items) >= 5
    offsets = [html.index(f'id="item-{item["id"]}"') for item in items]
    assert offsets == sorted(offsets)
    first = items[0]
    assert first["title"] in html.replace("&#x27;", "'")
    # Method 2: the expected gains and the gain per effort they rank by.
    assert f"+{first['maturity_gain']:.1f} maturity points" in html
    assert f"<dt>Gain per effort</dt><dd>{number(first['priority'], 2)}</dd>" in html
    assert 'name="action" value="accept"' in html and "Add a custom recommendation" in html
    # 68.75 is Customer-Centric: 18.75 points short of Customer-Champion at 87.5.
    assert "needs 18.8 more points to reach 87.5, the threshold of Customer-Champion" in html


def test_accept_reject_and_restore_change_the_status(consultant_client, current):
    first, second = _ids(current)[:2]
    response = consultant_client.post(_url(current), {"action": "accept", "item": first})
    assert response.status_code == 302 and response["Location"].endswith(f"#item-{first}")
    consultant_client.post(_url(current), {"action": "reject", "item": second})
    statuses = dict(current.recommendations.values_list("pk", "status"))
    assert statuses[first] == RecommendationStatus.ACCEPTED
    assert statuses[second] == RecommendationStatus.REJECTED
    consultant_client.post(_url(current), {"action": "restore", "item": second})
    assert RecommendationItem.objects.get(pk=second).status == RecommendationStatus.PROPOSED
    page = consultant_client.get(_url(current)).content.decode()
    assert "The recommendation is proposed again." in page


def _unchanged(assessment, item_id: int, language: str) -> dict:
    """The edit form's fields of one language as the page fills them in."""
    item = next(
        row for row in recommendations_list(assessment=assessment, language=language) if row["id"] == item_id
    )
    return {
        f"title_{language}": item["title"],
        f"rationale_{language}": item["rationale"],
        f"actions_{language}": "\n".join(item["actions"]),
        f"impact_{language}": item["impact"],
    }


def test_an_edit_saves_only_the_changed_texts_in_their_language(consultant, consultant_client, current):
    item = recommendations_list(assessment=current, language="en")[0]
    data = _edit_data(
        item["id"],
        **_unchanged(current, item["id"], "en"),
        **_unchanged(current, item["id"], "ru"),
        horizon="6-12",
        effort="L",
    )
    data.update(
        {
            f"edit-{item['id']}-title_en": "Our own title",
            f"edit-{item['id']}-actions_en": "First step\n\n  Second step  ",
        }
    )
    response = consultant_client.post(_url(current), data)
    assert response.status_code == 302
    saved = RecommendationItem.objects.get(pk=item["id"])
    assert (saved.title, saved.actions, saved.horizon, saved.effort) == (
        {"en": "Our own title"},
        {"en": ["First step", "Second step"]},
        "6-12",
        "L",
    )
    assert saved.rationale == {} and saved.impact == {}  # still the library's, in every language
    assert saved.updated_by == consultant
    page = consultant_client.get(_url(current)).content.decode()
    assert "Our own title" in page and "Edited" in page
    assert "No Russian text" in page  # the edit is English only: a Russian report is refused
    data[f"edit-{item['id']}-title_ru"] = "Наш заголовок"
    data[f"edit-{item['id']}-actions_ru"] = "Первый шаг\nВторой шаг"
    consultant_client.post(_url(current), data)
    saved.refresh_from_db()
    assert saved.title == {"en": "Our own title", "ru": "Наш заголовок"}
    assert saved.actions == {"en": ["First step", "Second step"], "ru": ["Первый шаг", "Второй шаг"]}
    assert "No Russian text" not in consultant_client.get(_url(current)).content.decode()


def test_a_bad_edit_shows_the_field_error_and_changes_nothing(consultant_client, current):
    item = recommendations_list(assessment=current, language="en")[0]
    before = RecommendationItem.objects.get(pk=item["id"])
    response = consultant_client.post(
        _url(current),
        _edit_data(item["id"], title_en="", title_ru="", rationale_en="New words", horizon="0-3", effort="S"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_edit-{item["id"]}-title_en_error"' in html
    assert "Give the title in at least one language." in html
    assert 'class="rec__edit" open' in html
    after = RecommendationItem.objects.get(pk=item["id"])
    assert (after.title, after.rationale, after.horizon, after.effort) == (
        before.title,
        before.rationale,
        before.horizon,
        before.effort,
    )
    bad_horizon = _edit_data(item["id"], title_en="X", horizon="forever", effort="S")
    assert consultant_client.post(_url(current), bad_horizon).status_code == 400
    assert RecommendationItem.objects.get(pk=item["id"]).title == before.title


def test_move_up_and_down_reorder_the_roadmap(consultant_client, current):
    first, second, third = _ids(current)[:3]
    consultant_client.post(_url(current), {"action": "down", "item": first})
    assert _ids(current)[:3] == [second, first, third]
    consultant_client.post(_url(current), {"action": "up", "item": third})
    assert _ids(current)[:3] == [second, third, first]
    consultant_client.post(_url(current), {"action": "up", "item": second})  # already first
    assert _ids(current)[:3] == [second, third, first]
    positions = list(current.recommendations.values_list("position", flat=True))
    assert positions == list(range(1, len(positions) + 1))


def test_a_custom_recommendation_is_added_last(consultant_client, current):
    count = current.recommendations.count()
    data = {
        "action": "add",
        "add-title_en": "Hire a head of CX",
        "add-rationale_en": "Someone must own the roadmap.",
        "add-actions_en": "Write the role\nHire",
        "add-impact_en": "",
        "add-horizon": "0-3",
        "add-effort": "S",
    }
    assert consultant_client.post(_url(current), data).status_code == 302
    added = current.recommendations.last()
    assert (added.code, added.title, added.actions, added.status, added.position) == (
        "",
        {"en": "Hire a head of CX"},
        {"en": ["Write the role", "Hire"]},
        RecommendationStatus.ACCEPTED,
        count + 1,
    )
    page = consultant_client.get(_url(current)).content.decode()
    assert "Hire a head of CX" in page and "Custom" in page


def test_an_incomplete_addition_shows_errors_and_adds_nothing(consultant_client, current):
    count = current.recommendations.count()
    response = consultant_client.post(
        _url(current), {"action": "add", "add-title_en": "", "add-horizon": "0-3"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_add-title_en_error"' in html and 'id="id_add-effort_error"' in html
    assert current.recommendations.count() == count


def test_regenerate_keeps_what_was_reviewed(consultant_client, current):
    first = _ids(current)[0]
    consultant_client.post(_url(current), {"action": "reject", "item": first})
    assert consultant_client.post(_url(current), {"action": "regenerate"}).status_code == 302
    item = RecommendationItem.objects.get(pk=first)
    assert item.status == RecommendationStatus.REJECTED and _ids(current)[-1] == first


def test_the_roadmap_freezes_once_published(consultant_client, current):
    first = _ids(current)[0]
    assessment_published(assessment=current)
    RecommendationItem.objects.filter(pk=first).update(status=RecommendationStatus.PROPOSED)
    page = consultant_client.get(_url(current)).content.decode()
    assert "The roadmap is frozen." in page
    assert 'value="accept"' not in page and "Add a custom recommendation" not in page
    response = consultant_client.post(_url(current), {"action": "accept", "item": first}, follow=True)
    assert "cannot change once the assessment is published" in response.content.decode()
    assert RecommendationItem.objects.get(pk=first).status == RecommendationStatus.PROPOSED
    consultant_client.post(_url(current), _edit_data(first, title_en="Late", horizon="0-3", effort="S"))
    assert RecommendationItem.objects.get(pk=first).title == {}


def test_executives_and_strangers_get_404(
    executive_client, stranger_consultant_client, stranger_executive_client, current
):
    first = _ids(current)[0]
    assessment_published(assessment=current)  # the executive may read it
    RecommendationItem.objects.filter(pk=first).update(status=RecommendationStatus.PROPOSED)
    for client in (executive_client, stranger_consultant_client, stranger_executive_client):
        assert client.get(_url(current)).status_code == 404
        assert client.post(_url(current), {"action": "reject", "item": first}).status_code == 404
    assert RecommendationItem.objects.get(pk=first).status == RecommendationStatus.PROPOSED
    page = executive_client.get(reverse("workspace:scores", args=[current.pk])).content.decode()
    assert _url(current) not in page  # no tab either


def test_an_unknown_item_changes_nothing(consultant_client, current, reassessment):
    other = RecommendationItem.objects.create(
        assessment=reassessment.baseline,
        code="",
        title={"en": "Elsewhere"},
        position=1,
        horizon="0-3",
        effort="S",
    )
    response = consultant_client.post(_url(current), {"action": "accept", "item": other.pk}, follow=True)
    assert "No such recommendation in this assessment." in response.content.decode()
    assert RecommendationItem.objects.get(pk=other.pk).status == RecommendationStatus.PROPOSED


def test_posts_need_the_csrf_token(consultant, current):
    client = Client(enforce_csrf_checks=True)
    client.force_login(consultant)
    first = _ids(current)[0]
    assert client.post(_url(current), {"action": "accept", "item": first}).status_code == 403
    assert RecommendationItem.objects.get(pk=first).status == RecommendationStatus.PROPOSED
