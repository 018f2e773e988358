"""A report a board reads at a glance: the roadmap as a timeline by horizon, a roadmap of 15
initiatives in at most two pages, an executive summary of 3–4 pages, a radar at least half the
page wide, and a path to the next level that lists only the indicators weighing most."""

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from assessment.demo import demo_seed
from reports import charts
from reports.context import report_context_build
from reports.demo import demo_narrative_write
from reports.models import Horizon
from reports.recommendations import (
    NEXT_LEVEL_LISTED,
    next_level_path,
    recommendation_library,
    recommendation_text,
)
from reports.rendering import report_html, report_pdf
from reports.services import report_bytes
from tests.reports.sample_context import sample_context
from tests.reports.test_recommendations import scores_of

SVG = "{http://www.w3.org/2000/svg}"
HORIZON_LABELS = {"0-3": "0–3 months", "3-6": "3–6 months", "6-12": "6–12 months", "12+": "12+ months"}
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def bars(svg: str) -> dict[str, tuple[float, float]]:
    """The timeline's bars by the part of their id after "initiative-", each with the
    horizontal extent of its path."""
    root = ET.fromstring(svg)  # noqa: S314 (our own chart output, not untrusted input)
    found = {}
    for group in root.iter(f"{SVG}g"):
        match = re.search(r"-initiative-(.+)$", group.get("id", ""))
        if match:
            path = next(group.iter(f"{SVG}path"))
            xs = [float(x) for x in NUMBER.findall(path.get("d"))[::2]]
            found[match.group(1)] = (min(xs), max(xs))
    return found


# --- the timeline chart -------------------------------------------------------------------------


def test_the_timeline_draws_one_bar_per_initiative_over_its_horizon():
    items = [
        {"position": 1, "title": "Adopt a CX strategy", "horizon": "3-6", "effort": "M"},
        {"position": 2, "title": "Build a single customer view in the CRM", "horizon": "6-12", "effort": "L"},
        {"position": 3, "title": "Quick wins in complaint handling", "horizon": "0-3", "effort": "S"},
        {"position": 4, "title": "Rebuild the core platform", "horizon": "12+", "effort": "L"},
        {"position": 5, "title": "Train every branch on the new standards", "horizon": "3-6", "effort": "S"},
    ]
    found = bars(charts.roadmap_timeline(items=items, horizon_labels=HORIZON_LABELS))
    assert set(found) == {"1-3-6-M", "2-6-12-L", "3-0-3-S", "4-12+-L", "5-3-6-S"}
    # Bars sit over their horizon's months (0–3, 3–6, 6–12, 12–18 of one scale): the same
    # horizon over the same span, later horizons further right, spans in proportion to months.
    assert found["1-3-6-M"] == pytest.approx(found["5-3-6-S"])
    starts = [found[key][0] for key in ("3-0-3-S", "1-3-6-M", "2-6-12-L", "4-12+-L")]
    assert starts == sorted(starts)
    month = (found["1-3-6-M"][0] - found["3-0-3-S"][0]) / 3
    assert found["2-6-12-L"][0] - found["3-0-3-S"][0] == pytest.approx(6 * month, rel=0.01)
    assert found["4-12+-L"][0] - found["3-0-3-S"][0] == pytest.approx(12 * month, rel=0.01)


def test_every_horizon_the_roadmap_accepts_has_a_place_on_the_timeline():
    assert list(Horizon.values) == ["0-3", "3-6", "6-12", "12+"]
    assert list(charts.HORIZON_MONTHS) == list(Horizon.values)
    assert str(Horizon("12+").label) == "12+ months"


def test_a_long_title_is_cut_to_two_lines():
    title = "Predict customer problems with AI and act before the customer calls about a card"
    assert charts._two_lines(f"1. {title}", width=30) == (
        "1. Predict customer problems\nwith AI and act before the…"
    )
    assert charts._two_lines("2. Short", width=30) == "2. Short"


# --- the full report's roadmap in at most two pages ------------------------------------------


def longest_roadmap(*, language: str, count: int = 15) -> list[dict]:
    """`count` library recommendations, those with the longest texts in `language` (the roadmap
    that is hardest to fit), as report items in roadmap order."""
    library = recommendation_library()
    texts = {
        entry.code: recommendation_text(code=entry.code, language=language)
        for entry in library.recommendations
    }
    longest = sorted(
        library.recommendations,
        key=lambda entry: -sum(len(texts[entry.code][field]) for field in ("title", "rationale", "impact")),
    )[:count]
    return [
        {
            "position": position,
            "code": entry.code,
            **{
                field: texts[entry.code][field]
                for field in ("title", "rationale", "actions", "impact", "step_title")
            },
            "step": entry.step,
            "horizon": entry.horizon,
            "effort": entry.effort,
            "indicators": list(entry.indicators),
        }
        for position, entry in enumerate(longest, start=1)
    ]


def squeeze(text: str) -> str:
    """Whitespace as single spaces; a hyphenated word broken at a line end joined again."""
    return re.sub(r"\s+", " ", text.replace("-\n", "-"))


def section_pages(pages: list[str], *, heading: str, end: str) -> list[int]:
    """The 1-based pages from the one with `heading` on a line of its own to the one holding
    `end`, the text that closes the section."""
    first = next(
        index for index, text in enumerate(pages) if re.search(rf"^{re.escape(heading)}$", text, re.M)
    )
    last = next(index for index, text in enumerate(pages) if index >= first and end in squeeze(text))
    return list(range(first + 1, last + 2))


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_roadmap_of_fifteen_initiatives_takes_at_most_two_pages(language):
    roadmap = longest_roadmap(language=language)
    with translation.override(language):
        # As the report writes them (in English while a translation is missing): the section's
        # title, the note under its table that closes it, and the next section's title.
        heading = gettext("Roadmap")
        note = gettext(
            "Horizon in months from the start of the programme. Effort: S small, M medium, L large."
        )
        following = gettext("Actions by initiative")
    context = {**sample_context(kind="full", language=language), "roadmap": roadmap}
    html = report_html(context=context)
    pages = pages_text(report_pdf(html=html))
    spanned = section_pages(pages, heading=heading, end=note[:40])
    assert 1 <= len(spanned) <= 2, spanned
    # The timeline first, one bar per initiative; then the table, every initiative with its
    # rationale and impact; each initiative's actions follow in a section of their own.
    assert len(re.findall(r'id="[\w-]+-initiative-\d+-', html)) == 15
    roadmap_text = squeeze("\n".join(pages[spanned[0] - 1 : spanned[-1]]))
    for item in roadmap:
        assert squeeze(item["impact"])[:40] in roadmap_text, item["code"]
    after = squeeze("\n".join(pages[spanned[-1] - 1 :]))
    assert following in after
    for item in roadmap:
        assert all(squeeze(action)[:40] in after for action in item["actions"]), item["code"]


# --- the executive summary of the demo --------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_executive_summary_of_the_demo_takes_three_to_four_pages(catalog_v2, language):
    pdf = report_bytes(
        assessment=demo_seed(before_publish=demo_narrative_write), kind="executive", language=language
    )
    pages = pages_text(pdf)
    assert 3 <= len(pages) <= 4
    # No page left half empty but the last: each carries a fair share of the text.
    lengths = [len(text) for text in pages]
    assert min(lengths[:-1]) > 0.5 * max(lengths), lengths


# --- the radar of the comparison report ----------------------------------------------------


def test_the_comparison_radar_is_at_least_half_the_page_wide_with_readable_labels():
    html = report_html(context=sample_context(kind="comparison"))
    radar = re.search(r'<figure class="chart chart--actual-size">\s*<svg[^>]* width="([\d.]+)pt"', html)
    # Printed at the size it is drawn (the stylesheet does not scale it), so its 8 pt area
    # names and 7 pt rings and legend stay that size; at least 105 mm, half of A4, wide.
    assert radar is not None
    assert float(radar.group(1)) / 72 * 25.4 >= 105
    stylesheet = (Path(settings.BASE_DIR) / "static" / "reports" / "report.css").read_text(encoding="utf-8")
    assert re.search(r"\.chart\.chart--actual-size svg \{\s*width: auto;", stylesheet)


# --- the path to the next level ------------------------------------------------------------

# Organization (area weight 1): eight indicators of weight 1, each 1/8 · 1/2 = 1/16 of the
# overall score; staff (area weight 1): two, each 1/2 · 1/2 = 1/4.
WIDE = pd.DataFrame(
    {
        "area": ["organization"] * 8 + ["staff"] * 2,
        "weight": [1.0] * 10,
        "metric": [None] * 10,
    },
    index=pd.Index([f"ORG-0{number}" for number in range(1, 9)] + ["STF-01", "STF-02"], name="code"),
)
WIDE_AREAS = pd.DataFrame({"weight": [1.0, 1.0]}, index=pd.Index(["organization", "staff"], name="code"))
# Organization 8, 12, …, 36 (mean 22); staff 30 and 44 (mean 37): overall 29.5, level 2, T 40,
# gap 10.5. Gains (weight × (40 − score)): STF-01 10/4 = 2.5; ORG-01 32/16 = 2.0, ORG-02 1.75,
# ORG-03 1.5, ORG-04 1.25, ORG-05 1.0, ORG-06 0.75, ORG-07 0.5, ORG-08 0.25; STF-02 0.
# Cumulative 2.5, 4.5, 6.25, 7.75, 9.0, 10.0, 10.75 ≥ 10.5: seven indicators close the gap.
WIDE_SCORES = {
    **{f"ORG-0{number}": 4.0 + 4 * number for number in range(1, 9)},
    "STF-01": 30.0,
    "STF-02": 44.0,
}


def test_the_path_lists_the_five_indicators_weighing_most_and_counts_the_rest():
    path = next_level_path(scores=scores_of(WIDE_SCORES, WIDE, WIDE_AREAS), indicators=WIDE, areas=WIDE_AREAS)
    assert NEXT_LEVEL_LISTED == 5
    assert (path["level"], path["threshold"], path["gap"]) == (3, 40.0, pytest.approx(10.5))
    # STF-01 first: the smallest distance to 40 (10 points) but four times the weight.
    assert [(item["code"], item["current"], item["gain"]) for item in path["indicators"]] == [
        ("STF-01", 30.0, pytest.approx(2.5)),
        ("ORG-01", 8.0, pytest.approx(2.0)),
        ("ORG-02", 12.0, pytest.approx(1.75)),
        ("ORG-03", 16.0, pytest.approx(1.5)),
        ("ORG-04", 20.0, pytest.approx(1.25)),
    ]
    assert path["listed_gain"] == pytest.approx(9.0)
    assert path["more"] == 2  # ORG-05 and ORG-06
    assert path["reachable"] is True


def test_a_path_unreachable_lists_five_and_counts_every_other_gain():
    scores = scores_of(WIDE_SCORES, WIDE, WIDE_AREAS)
    scores["overall"] = {"score": 25.0, "level": 2}  # from other weights: gap 15 > the 12.5 all add
    path = next_level_path(scores=scores, indicators=WIDE, areas=WIDE_AREAS)
    assert [item["code"] for item in path["indicators"]] == ["STF-01", "ORG-01", "ORG-02", "ORG-03", "ORG-04"]
    assert (path["more"], path["reachable"]) == (4, False)  # ORG-05 … ORG-08


def test_the_report_names_the_listed_indicators_and_how_many_more_close_the_gap():
    context = sample_context(kind="full", language="en")
    html = re.sub(r"\s+", " ", report_html(context=context))
    section = html[html.index('id="next-level"') : html.index('id="gaps"')]
    assert "The indicators below weigh most in the gap" in section
    assert section.count('<td class="code">') == 5
    assert "…and 1 more indicator with a smaller gain closes the gap." in section


def test_the_verdict_counts_every_indicator_the_path_needs():
    scores = {
        "overall": {"score": 57.5, "level": 3},
        "areas": [],
        "indicators": [],
        "gaps": [],
    }
    next_level = {
        "level": 4,
        "threshold": 60.0,
        "gap": 2.5,
        "indicators": [{"code": "TEC-01", "name": "CRM"}],
        "listed_gain": 1.0,
        "more": 7,
    }
    with translation.override("en"):
        context = report_context_build(
            kind="full",
            language="en",
            generated_on=None,
            organization={"name": "Acme Bank"},
            assessment={},
            scores=scores,
            names={},
            metrics=None,
            kpis=[],
            roadmap=[],
            next_level=next_level,
            comparison=None,
            methodology={},
        )
    assert "takes 8 indicators raised to that threshold, starting with CRM." in context["verdict"]
