"""Themes of open comments (docs/methods.md §15) separate two planted topics, in Russian and in
English, name them by their words, and quote only what may be quoted."""

import numpy as np
import pandas as pd
import pytest

from assessment.selectors import comment_themes_current
from assessment.themes import comment_themes
from surveys.services import answers_save, response_submit
from tests.assessment.test_customer_data import _post, customers_of, upload
from tests.factories import executive_of
from tests.surveys.conftest import invite

TOPICS = {
    "en": {
        "queue": ["waited", "queue", "branch", "desk", "hour", "long", "line", "open"],
        "app": ["app", "transfer", "crashes", "login", "error", "update", "phone", "failed"],
    },
    "ru": {
        "queue": ["ждал", "очередь", "отделении", "окно", "час", "долго", "очереди", "открыто"],
        "app": ["приложение", "перевод", "вылетает", "вход", "ошибка", "обновление", "телефон", "приложении"],
    },
}


def _comments(language: str, per_topic: int = 40, seed: int = 1) -> pd.DataFrame:
    """Comments of four to six words drawn from one topic's words each, the queue's by unhappy
    clients (ratings 2–5), the app's by happier ones (6–8)."""
    rng = np.random.default_rng(seed)
    rows = []
    for topic, words in TOPICS[language].items():
        for _comment in range(per_topic):
            text = " ".join(rng.choice(words, rng.integers(4, 7), replace=False))
            rating = rng.integers(2, 6) if topic == "queue" else rng.integers(6, 9)
            rows.append({"text": text.capitalize(), "rating": float(rating), "topic": topic})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_two_planted_topics_fall_into_different_themes(language):
    comments = _comments(language)
    result = comment_themes(comments)
    assert (result["status"], result["comments"]) == ("ready", 80)
    assert 2 <= len(result["themes"]) <= 8
    # Every theme is about one topic: its top terms and its quotes come from that topic alone.
    words = {topic: set(vocabulary) for topic, vocabulary in TOPICS[language].items()}
    for theme in result["themes"]:
        topics = {topic for topic, vocabulary in words.items() if set(theme["terms"][:4]) & vocabulary}
        assert len(topics) == 1, theme["terms"]
        assert theme["quotes"]
        quoted_topics = {
            comments.loc[comments["text"] == quote, "topic"].iloc[0] for quote in theme["quotes"]
        }
        assert quoted_topics == topics
    assert sum(theme["count"] for theme in result["themes"]) == 80
    queue = [theme for theme in result["themes"] if set(theme["terms"]) & words["queue"]]
    app = [theme for theme in result["themes"] if set(theme["terms"]) & words["app"]]
    assert sum(theme["count"] for theme in queue) == 40
    assert max(theme["average_rating"] for theme in queue) < min(theme["average_rating"] for theme in app)


def test_only_quotable_comments_are_quoted_and_few_comments_are_insufficient():
    comments = _comments("en").assign(quotable=lambda frame: frame.index % 2 == 0)
    result = comment_themes(comments)
    quotable = set(comments.loc[comments["quotable"], "text"])
    assert all(quote in quotable for theme in result["themes"] for quote in theme["quotes"])
    small = comment_themes(_comments("en", per_topic=9))
    assert (small["status"], small["comments"], small["themes"]) == ("insufficient_data", 18, [])
    assert small["reason"] == "Themes need at least 20 comments; there are 18."


def test_the_api_gives_the_themes_of_the_clients_and_of_the_employees(consultant_api, audit, api):
    url = f"/api/v1/assessments/{audit.pk}/themes/"
    assert consultant_api.get(url).status_code == 404
    comments = _comments("ru")
    ids = [f"C{i:03d}" for i in range(len(comments))]
    customers = customers_of(ids)
    survey = pd.DataFrame(
        {
            "client_id": ids,
            "instrument": "nps_relationship",
            "item": "recommend",
            "dimension": "",
            "value": comments["rating"].astype(int),
            "comment": comments["text"],
        }
    ).to_csv(index=False)
    files = {"customers": upload("c.csv", customers), "survey": upload("s.csv", survey)}
    assert _post(consultant_api, audit, **files).status_code == 201
    body = consultant_api.get(url, {"source": "customers"}).json()
    expected = comment_themes(comments[["text", "rating"]])
    assert body["themes"] == [
        {**{key: theme[key] for key in theme if key != "rated"}, "name": {}, "hidden": False, "merged": []}
        for theme in expected["themes"]
    ]
    assert {key: body[key] for key in ("status", "reason", "comments")} == {
        key: expected[key] for key in ("status", "reason", "comments")
    }
    assert consultant_api.get(url, {"source": "elsewhere"}).status_code == 400
    api.force_authenticate(executive_of(audit.organization))
    assert api.get(url).status_code == 404


def test_employees_comments_are_quoted_only_from_roles_of_k_or_more(audit):
    audit.anonymity_k = 3
    audit.save(update_fields=["anonymity_k"])
    comments = _comments("en", per_topic=12)
    roles = ["frontline"] * 20 + ["executive"] * 2 + ["manager"] * 2
    for number, (text, role) in enumerate(zip(comments["text"], roles, strict=True)):
        invitation = invite(audit, email=f"p{number}@bank.kz", role=role)
        answers_save(
            invitation=invitation.invitation, items=[{"indicator": "ORG-01", "level": 3, "comment": text}]
        )
        response_submit(invitation=invitation.invitation)
    result = comment_themes_current(assessment=audit, source="respondents")
    assert result["comments"] == 24
    frontline = set(comments["text"][:20])
    quotes = [quote for theme in result["themes"] for quote in theme["quotes"]]
    assert quotes
    assert set(quotes) <= frontline
