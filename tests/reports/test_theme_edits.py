"""The consultant names, hides and merges themes of comments (docs/methods.md §15): the API and
the analytics tab do it through one audited service, the reports show the themes as edited and
never quote an interview note, and nothing changes once the assessment is published."""

import pytest
from django.test import Client
from django.urls import reverse

from assessment.models import AuditEvent, InterviewScore, Status
from assessment.selectors import comment_themes_current
from assessment.themes import comment_themes, themes_edited
from reports.selectors import report_context
from surveys.models import Indicator
from tests.assessment.test_themes import TOPICS, _comments
from tests.factories import (
    AssessmentFactory,
    OrganizationFactory,
    assessment_published,
    consultant_of,
    executive_of,
)

NOTES = _comments("en", per_topic=20)


@pytest.fixture
def noted(catalog):
    """An assessment whose consultant wrote 40 interview notes, half about queues in branches,
    half about the app."""
    audit = AssessmentFactory(organization=OrganizationFactory(name="Noted Bank"), status=Status.SCORING)
    consultant = consultant_of(audit.organization)
    indicators = Indicator.objects.filter(area__version=audit.catalog_version).order_by("position")[:40]
    InterviewScore.objects.bulk_create(
        InterviewScore(assessment=audit, indicator=indicator, level=3, note=note, updated_by=consultant)
        for indicator, note in zip(indicators, NOTES["text"], strict=True)
    )
    audit.consultant = consultant
    return audit


def _api(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(assessment, key: str = "", source: str = "interviews") -> str:
    if not key:
        return reverse("api:themes", args=[assessment.pk]) + f"?source={source}"
    return reverse("api:theme-detail", args=[assessment.pk, source, key])


def _patch(client, assessment, key, source: str = "interviews", **body):
    return client.patch(_url(assessment, key, source), body, content_type="application/json")


def _topic(theme) -> str:
    return next(topic for topic, words in TOPICS["en"].items() if set(theme["terms"][:3]) & set(words))


def test_interview_notes_form_themes_with_stable_keys(noted):
    result = comment_themes_current(assessment=noted, source="interviews")
    assert (result["status"], result["comments"]) == ("ready", 40)
    assert result == comment_themes(NOTES[["text"]])
    keys = [theme["key"] for theme in result["themes"]]
    assert len(set(keys)) == len(keys) and all(len(key) == 10 for key in keys)
    # The same comments, the same themes and keys: an edit holds until the comments change.
    assert comment_themes_current(assessment=noted, source="interviews") == result
    assert {_topic(theme) for theme in result["themes"]} == {"queue", "app"}


def test_merging_adds_counts_and_shares_and_averages_the_ratings_of_all_rated_comments():
    result = {
        "status": "ready",
        "comments": 10,
        "themes": [
            {
                "key": "a",
                "terms": ["queue", "wait"],
                "count": 5,
                "share": 50.0,
                "rated": 4,
                "average_rating": 3.0,
                "quotes": ["A1", "A2"],
            },
            {
                "key": "b",
                "terms": ["wait", "branch"],
                "count": 3,
                "share": 30.0,
                "rated": 2,
                "average_rating": 6.0,
                "quotes": ["B1", "B2"],
            },
            {
                "key": "c",
                "terms": ["app"],
                "count": 2,
                "share": 20.0,
                "rated": 0,
                "average_rating": None,
                "quotes": ["C1"],
            },
        ],
    }
    edits = {
        "b": {"merged_into": "a", "name": {"en": "ignored while merged"}},
        "c": {"hidden": True, "name": {"en": "App", "ru": "Приложение"}},
        "gone": {"hidden": True},  # a theme these comments no longer form
    }
    edited = themes_edited(result, edits)
    first, second = edited["themes"]
    assert first["key"] == "a"
    # (4 × 3.0 + 2 × 6.0) / 6 = 4.0; words and quotes: the theme's own first.
    assert (first["count"], first["share"], first["rated"], first["average_rating"]) == (8, 80.0, 6, 4.0)
    assert first["terms"] == ["queue", "wait", "branch"]
    assert first["quotes"] == ["A1", "A2", "B1"]
    assert first["merged"] == [{"key": "b", "terms": ["wait", "branch"]}]
    assert (first["name"], first["hidden"]) == ({}, False)
    assert (second["key"], second["hidden"], second["name"]) == ("c", True, {"en": "App", "ru": "Приложение"})
    assert second["merged"] == []
    # A chain (a into c while b into a) keeps the outer merge only; nothing is lost.
    chained = themes_edited(result, {"b": {"merged_into": "a"}, "a": {"merged_into": "c"}})
    assert sorted(theme["count"] for theme in chained["themes"]) == [3, 7]
    assert sum(theme["count"] for theme in chained["themes"]) == 10


def test_the_api_names_hides_merges_and_unmerges_each_change_audited(noted):
    client = _api(noted.consultant)
    themes = client.get(_url(noted)).json()["themes"]
    queue = next(theme for theme in themes if _topic(theme) == "queue")
    app = next(theme for theme in themes if _topic(theme) == "app" and theme is not queue)
    response = _patch(
        client, noted, queue["key"], name={"en": "Queues in branches", "ru": "Очереди в отделениях"}
    )
    assert response.status_code == 200, response.json()
    named = {theme["key"]: theme for theme in response.json()["themes"]}[queue["key"]]
    assert named["name"] == {"en": "Queues in branches", "ru": "Очереди в отделениях"}
    # A blank language removes that name only.
    body = _patch(client, noted, queue["key"], name={"ru": ""}).json()
    assert {theme["key"]: theme for theme in body["themes"]}[queue["key"]]["name"] == {
        "en": "Queues in branches"
    }
    body = _patch(client, noted, app["key"], hidden=True).json()
    assert {theme["key"]: theme["hidden"] for theme in body["themes"]}[app["key"]] is True
    body = _patch(client, noted, app["key"], merged_into=queue["key"]).json()
    assert app["key"] not in {theme["key"] for theme in body["themes"]}
    merged = {theme["key"]: theme for theme in body["themes"]}[queue["key"]]
    assert merged["count"] == queue["count"] + app["count"]
    assert merged["merged"] == [{"key": app["key"], "terms": app["terms"]}]
    body = _patch(client, noted, app["key"], merged_into="", hidden=False).json()
    assert {theme["key"] for theme in body["themes"]} == {theme["key"] for theme in themes}
    events = AuditEvent.objects.filter(assessment=noted, action=AuditEvent.Action.THEME).order_by(
        "created_at", "id"
    )
    assert [(event.target, event.before["name"], event.after["name"]) for event in events[:2]] == [
        (f"interviews:{queue['key']}", {}, {"en": "Queues in branches", "ru": "Очереди в отделениях"}),
        (
            f"interviews:{queue['key']}",
            {"en": "Queues in branches", "ru": "Очереди в отделениях"},
            {"en": "Queues in branches"},
        ),
    ]
    assert [(event.after["hidden"], event.after["merged_into"]) for event in events[2:]] == [
        (True, ""),
        (True, queue["key"]),
        (False, ""),
    ]
    assert all(event.actor == noted.consultant for event in events)
    assert events[0].after["terms"] == queue["terms"][:5]


def test_bad_edits_are_refused_and_change_nothing(noted):
    client = _api(noted.consultant)
    themes = client.get(_url(noted)).json()["themes"]
    assert len(themes) >= 3
    first, second = (theme["key"] for theme in themes[:2])
    assert _patch(client, noted, "0123456789", hidden=True).status_code == 404
    assert _patch(client, noted, first, "elsewhere", hidden=True).status_code == 404
    refused = _patch(client, noted, first, merged_into=first)
    assert refused.status_code == 400
    assert "merged_into" in refused.json()
    assert _patch(client, noted, first, merged_into="0123456789").status_code == 400
    assert _patch(client, noted, first, name={"fr": "Files d'attente"}).status_code == 400
    assert _patch(client, noted, first, name={"en": "x" * 81}).status_code == 400
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.THEME).exists()
    # Merges never chain, either way round.
    assert _patch(client, noted, second, merged_into=first).status_code == 200
    third = themes[2]["key"]
    assert _patch(client, noted, third, merged_into=second).status_code == 400
    assert _patch(client, noted, first, merged_into=third).status_code == 400
    # Strangers and the client's executives do not edit (nor read) the themes.
    for user in (executive_of(noted.organization), consultant_of(OrganizationFactory(name="Other Bank"))):
        stranger = _api(user)
        assert _patch(stranger, noted, first, hidden=True).status_code == 404
        assert stranger.get(_url(noted)).status_code == 404


def test_the_report_shows_the_themes_as_edited_and_never_quotes_an_interview_note(noted):
    client = _api(noted.consultant)
    themes = client.get(_url(noted)).json()["themes"]
    assert all(theme["quotes"] for theme in themes)  # the consultant reads the notes
    named, hidden = themes[0], themes[1]
    _patch(client, noted, named["key"], name={"en": "Named theme"})
    _patch(client, noted, hidden["key"], hidden=True)
    for language, title in (("en", "Named theme"), ("ru", None)):
        shown = report_context(assessment=noted, kind="full", language=language)["themes"]
        (interviews,) = shown
        assert interviews["source"] == "interviews"
        keys = [theme["key"] for theme in interviews["themes"]]
        assert hidden["key"] not in keys and named["key"] in keys
        assert {theme["key"]: theme["title"] for theme in interviews["themes"]}[named["key"]] == title
        assert all(theme["quotes"] == [] for theme in interviews["themes"])


def test_published_themes_are_frozen(noted):
    client = _api(noted.consultant)
    key = client.get(_url(noted)).json()["themes"][0]["key"]
    assessment_published(assessment=noted, override_reason="Published as they are for the theme tests.")
    refused = _patch(client, noted, key, hidden=True)
    assert refused.status_code == 409
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.THEME).exists()


def test_the_analytics_tab_names_hides_merges_and_unmerges(noted):
    client = _api(noted.consultant)
    page = reverse("workspace:analytics", args=[noted.pk])
    html = client.get(page).content.decode()
    assert "What the leadership interviews brought up" in html
    first, second = client.get(_url(noted)).json()["themes"][:2]
    edit = reverse("workspace:theme-edit", args=[noted.pk, "interviews", first["key"]])
    assert f'action="{edit}"' in html
    response = client.post(
        edit, {"name_en": "Branch <queues>", "name_ru": "", "merged_into": ""}, follow=True
    )
    assert "The theme is saved." in response.content.decode()
    html = response.content.decode()
    assert "Branch &lt;queues&gt;" in html and "Branch <queues>" not in html
    assert "No RU name" in html
    other = reverse("workspace:theme-edit", args=[noted.pk, "interviews", second["key"]])
    html = client.post(other, {"hidden": "on", "merged_into": first["key"]}, follow=True).content.decode()
    assert "Merged in: " + ", ".join(second["terms"][:4]) in html
    assert "Undo the merge" in html
    html = client.post(other, {"action": "unmerge"}, follow=True).content.decode()
    assert "Undo the merge" not in html
    # Unmerged, it keeps being hidden (an undo touches the merge only).
    assert "Left out of the reports</span>" in html
    refused = client.post(edit, {"merged_into": first["key"]}, follow=True).content.decode()
    assert "Merge into another theme of the same comments." in refused
    assert client.get(edit).status_code == 405
    assessment_published(assessment=noted, override_reason="Published as they are for the theme tests.")
    html = client.get(page).content.decode()
    assert "Name, hide or merge" not in html
    frozen = client.post(edit, {"hidden": "on"}, follow=True).content.decode()
    assert "The themes cannot change once the assessment is published." in frozen
