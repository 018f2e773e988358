"""Themes of open comments (docs/methods.md §15): the clients' reasons beside their ratings, or
the employees' comments in the questionnaire, grouped by what they are about. Words are reduced
to their stems (Snowball, Russian or English by the comment's letters), weighed by TF-IDF and
split into 3–8 themes by non-negative matrix factorisation, the number chosen by the themes'
coherence. Pure: a frame of comments in, plain results out; no ORM."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import snowballstemmer
from django.utils.translation import gettext as _

MIN_COMMENTS = 20
THEME_COUNTS = range(3, 9)
TOP_TERMS = 8
QUOTES = 3
# A stem must occur in this many comments to count: rarer words name no theme.
MIN_STEM_COMMENTS = 2
# A theme is known by its strongest stems: the same comments give the same key, so a
# consultant's edit of a theme (themes_edited) holds until the comments change what it is about.
KEY_STEMS = 3
WORD = re.compile(r"[^\W\d_]{2,}")
CYRILLIC = re.compile(r"[а-яё]")
STOPWORDS_RU = Path(__file__).resolve().parent / "data" / "stopwords_ru.txt"


@functools.cache
def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    lines = STOPWORDS_RU.read_text(encoding="utf-8").splitlines()
    russian = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    return frozenset(ENGLISH_STOP_WORDS) | frozenset(russian)


@functools.cache
def _stemmer(language: str):
    return snowballstemmer.stemmer(language)


def _stems(text: str) -> list[str]:
    """The comment's content words as stems, each language's by its own stemmer."""
    words = [word for word in WORD.findall(text.lower()) if word not in _stop_words()]
    return [_stemmer("russian" if CYRILLIC.search(word) else "english").stemWord(word) for word in words]


def _surface_forms(texts: pd.Series) -> dict[str, str]:
    """Each stem's commonest word, to name it readably."""
    counts: dict[str, dict[str, int]] = {}
    for text in texts:
        for word in WORD.findall(text.lower()):
            if word in _stop_words():
                continue
            stem = _stemmer("russian" if CYRILLIC.search(word) else "english").stemWord(word)
            forms = counts.setdefault(stem, {})
            forms[word] = forms.get(word, 0) + 1
    return {stem: max(forms, key=forms.get) for stem, forms in counts.items()}


def _coherence(top: np.ndarray, present: np.ndarray) -> float:
    """UMass coherence of a theme's top stems: the mean over pairs of log((D(a, b) + 1) / D(b)),
    D counting the comments holding the stems; themes whose words occur together score higher."""
    scores = []
    for position, first in enumerate(top[1:], 1):
        for second in top[:position]:
            together = np.count_nonzero(present[:, first] & present[:, second])
            scores.append(np.log((together + 1) / max(np.count_nonzero(present[:, second]), 1)))
    return float(np.mean(scores)) if scores else float("-inf")


def _theme_key(stems: list[str]) -> str:
    return hashlib.blake2s("|".join(sorted(stems[:KEY_STEMS])).encode(), digest_size=5).hexdigest()


def comment_themes(comments: pd.DataFrame, *, seed: int = 0) -> dict:
    """Themes of `comments` (columns text, and optionally rating and quotable: whether the
    comment may be quoted): per theme its key (from its strongest stems), top terms, how many
    comments and what share, how many rated and the mean rating of its authors (where there are
    ratings) and up to QUOTES different representative quotable comments; strongest first.
    "insufficient_data" under MIN_COMMENTS comments with content."""
    # Imported here: scikit-learn takes seconds to import, and only the pages and APIs that
    # group comments need it (themes_edited does not).
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = comments["text"].fillna("").astype(str)
    stems = texts.map(_stems)
    usable = stems.map(len) > 0
    if usable.sum() < MIN_COMMENTS:
        return {
            "status": "insufficient_data",
            "reason": _("Themes need at least %(min)d comments; there are %(n)d.")
            % {"min": MIN_COMMENTS, "n": int(usable.sum())},
            "comments": int(usable.sum()),
            "themes": [],
        }
    kept = comments.loc[usable.to_numpy()].reset_index(drop=True)
    vectorizer = TfidfVectorizer(analyzer=lambda stems: stems, min_df=MIN_STEM_COMMENTS, sublinear_tf=True)
    matrix = vectorizer.fit_transform(stems[usable])
    vocabulary = vectorizer.get_feature_names_out()
    present = (matrix > 0).toarray()
    # No more themes than different comments (many clients write the same words) or stems.
    different = min(stems[usable].map(tuple).nunique(), matrix.shape[1])
    best = None
    for count in THEME_COUNTS:
        if count >= different and best is not None:
            break
        model = NMF(n_components=count, init="nndsvda", random_state=seed, max_iter=400)
        weights = model.fit_transform(matrix)
        tops = [
            [index for index in np.argsort(-component)[:TOP_TERMS] if component[index] > 0]
            for component in model.components_
        ]
        coherence = float(np.mean([_coherence(top, present) for top in tops]))
        if best is None or coherence > best[0]:
            best = (coherence, weights, tops)
    _coherence_value, weights, tops = best
    names = _surface_forms(kept["text"].astype(str))
    assigned = np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), -1)
    themes = []
    for theme, top in enumerate(tops):
        members = np.flatnonzero(assigned == theme)
        if not len(members):
            continue
        order = members[np.argsort(-weights[members, theme])]
        quotable = (
            kept["quotable"].to_numpy(dtype=bool)[order] if "quotable" in kept else np.ones(len(order), bool)
        )
        ratings = kept["rating"].iloc[members] if "rating" in kept else pd.Series(dtype=float)
        themes.append(
            {
                "key": _theme_key([vocabulary[index] for index in top]),
                "terms": [names.get(vocabulary[index], vocabulary[index]) for index in top],
                "count": len(members),
                "share": 100 * len(members) / len(kept),
                "rated": int(ratings.notna().sum()),
                "average_rating": float(ratings.mean()) if ratings.notna().any() else None,
                # Many clients write the same words: each is quoted once.
                "quotes": list(dict.fromkeys(kept["text"].to_numpy()[order][quotable]))[:QUOTES],
            }
        )
    themes.sort(key=lambda theme: -theme["count"])
    return {"status": "ready", "reason": None, "comments": len(kept), "themes": themes}


def _merged(theme: dict, others: list[dict]) -> dict:
    """`theme` with `others` folded in: counts and shares add, the mean rating is over all their
    rated comments, the words and quotes are the theme's first."""
    group = [theme, *others]
    rated = sum(member["rated"] for member in group)
    total = sum(member["average_rating"] * member["rated"] for member in group if member["rated"])
    return {
        **theme,
        "terms": list(dict.fromkeys(term for member in group for term in member["terms"]))[:TOP_TERMS],
        "count": sum(member["count"] for member in group),
        "share": sum(member["share"] for member in group),
        "rated": rated,
        "average_rating": total / rated if rated else None,
        "quotes": list(dict.fromkeys(quote for member in group for quote in member["quotes"]))[:QUOTES],
        "merged": [{"key": member["key"], "terms": member["terms"]} for member in others],
    }


def themes_edited(result: dict, edits: Mapping[str, Mapping]) -> dict:
    """`result` of comment_themes with a consultant's edits (key → {"name": {language: text},
    "hidden": bool, "merged_into": key or ""}): each theme with its `name` and `hidden`, a theme
    merged into another folded into it (its `merged` lists them), strongest first. An edit of a
    theme the comments no longer have is left out, as is a merge into one or into a theme merged
    itself."""
    themes = {theme["key"]: theme for theme in result["themes"]}
    into = {
        key: edit["merged_into"]
        for key, edit in edits.items()
        if key in themes and edit.get("merged_into") in themes and edit["merged_into"] != key
    }
    # A merge into a theme that is merged itself would lose both; the services refuse such
    # chains, and here the outer merge holds.
    into = {key: target for key, target in into.items() if target not in into}
    edited = []
    for key, theme in themes.items():
        if key in into:
            continue
        theme = _merged(theme, [themes[other] for other, target in into.items() if target == key])
        edit = edits.get(key) or {}
        edited.append({**theme, "name": dict(edit.get("name") or {}), "hidden": bool(edit.get("hidden"))})
    edited.sort(key=lambda theme: -theme["count"])
    return {**result, "themes": edited}
