"""Report charts: valid inlinable SVG, the expected marks, no bitmaps, fast and thread-safe."""

import datetime
import re
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import pytest

from assessment.method import METHODS
from reports import charts
from tests.reports.sample_context import customer_metrics, sample_context

SVG = "{http://www.w3.org/2000/svg}"
LOYALTY_LABELS = {
    "loyal": "Loyal",
    "satisfied": "Satisfied",
    "captive": "Captive",
    "disloyal": "Disloyal",
    "high_load": "High product load",
    "low_load": "Low product load",
    "satisfied_axis": "Satisfied customers",
    "not_satisfied_axis": "Not satisfied",
    "unclassified": "Unclassified",
}
NPS_LABELS = {"promoters": "Promoters", "passives": "Passives", "detractors": "Detractors", "score": "NPS"}
ACTIVITY_LABELS = {"active": "Active", "passive": "Passive", "at_risk": "At risk", "churned": "Churned"}


def parse(svg: str) -> ET.Element:
    assert svg.startswith("<svg"), "no XML prologue: the SVG is inlined in HTML"
    return ET.fromstring(svg)  # noqa: S314 (our own chart output, not untrusted input)


def marks(root: ET.Element, name: str) -> list[ET.Element]:
    """Groups whose id ends in `name`-<n> (ids carry a per-chart prefix)."""
    pattern = re.compile(rf"-{name}-[\w-]+$")
    return [element for element in root.iter(f"{SVG}g") if pattern.search(element.get("id", ""))]


def fills(group: ET.Element) -> set[str]:
    return {element.get("fill") for element in group.iter() if element.get("fill")}


@pytest.fixture
def context():
    return sample_context()


def chart_makers(context: dict) -> dict:
    """Every chart of the sample context, as a function drawing it."""
    customer = context["customer"]
    areas = context["areas"]
    return {
        "radar": lambda: charts.radar_chart(
            areas=areas,
            labels={"current": "Now", "baseline": "Baseline"},
            baseline=[area["baseline_score"] for area in areas],
        ),
        "bars": lambda: charts.indicator_bars(
            indicators=context["indicators"][:16], edges=context["level_edges"]
        ),
        "scale": lambda: charts.level_scale(score=72.4, levels=context["levels"], baseline=57.3),
        "servqual": lambda: charts.servqual_gaps(gaps=customer["servqual"]["gaps"]),
        "loyalty": lambda: charts.loyalty_matrix(types=customer["loyalty_types"], labels=LOYALTY_LABELS),
        "nps": lambda: charts.nps_chart(nps=customer["nps"], labels=NPS_LABELS),
        "activity": lambda: charts.activity_chart(activity=customer["activity"], labels=ACTIVITY_LABELS),
    }


def all_charts(context: dict) -> dict[str, str]:
    return {name: make() for name, make in chart_makers(context).items()}


def test_every_chart_is_scalable_inline_svg_without_bitmaps(context):
    for name, svg in all_charts(context).items():
        root = parse(svg)
        assert root.get("viewBox"), name
        assert root.get("width").endswith("pt") and root.get("height").endswith("pt"), name
        assert not list(root.iter(f"{SVG}image")), f"{name} embeds a bitmap"
        assert "<style" not in svg and "style=" not in svg, f"{name} would leak CSS into the page"
        assert "<!--" not in svg and "<text" not in svg, f"{name}: text must be drawn as paths"


def test_charts_inlined_together_share_no_ids(context):
    ids = [
        element.get("id")
        for svg in all_charts(context).values()
        for element in parse(svg).iter()
        if element.get("id")
    ]
    assert len(ids) == len(set(ids))


def test_indicator_bars_one_bar_per_indicator_coloured_by_level(context):
    indicators = [row for row in context["indicators"] if row["area"] == "technology"]
    root = parse(charts.indicator_bars(indicators=indicators, edges=context["level_edges"]))
    bars = marks(root, "bar")
    assert len(bars) == len(indicators) == 15
    for bar, indicator in zip(bars, indicators, strict=True):
        assert charts.level_colour(indicator["level"]) in fills(bar)


def test_radar_draws_the_baseline_only_when_given(context):
    areas = context["areas"]
    labels = {"current": "Now", "baseline": "Baseline"}
    with_baseline = parse(
        charts.radar_chart(areas=areas, labels=labels, baseline=[area["baseline_score"] for area in areas])
    )
    without = parse(charts.radar_chart(areas=areas, labels=labels, baseline=None))
    assert len(marks(with_baseline, "radar")) == 2
    assert len(marks(without, "radar")) == 1


def test_level_scale_has_five_bands_and_a_marker_only_with_a_score(context):
    with_score = parse(charts.level_scale(score=72.4, levels=context["levels"]))
    without = parse(charts.level_scale(score=None, levels=context["levels"]))
    assert len(marks(with_score, "band")) == 5
    assert len(marks(with_score, "marker")) == 1
    assert marks(without, "marker") == []


def test_servqual_gaps_are_red_below_zero_and_green_above():
    gaps = {
        "reliability": -0.31,
        "responsiveness": -0.42,
        "assurance": 0.12,
        "empathy": None,
        "tangibles": 0.27,
    }
    bars = marks(parse(charts.servqual_gaps(gaps=gaps)), "bar")
    assert len(bars) == 5
    assert charts.NEGATIVE in fills(bars[0]) and charts.NEGATIVE in fills(bars[1])
    assert charts.POSITIVE in fills(bars[2]) and charts.POSITIVE in fills(bars[4])


def test_loyalty_matrix_has_four_quadrants():
    root = parse(charts.loyalty_matrix(types=customer_metrics()["loyalty_types"], labels=LOYALTY_LABELS))
    assert {group.get("id").rsplit("-", 1)[-1] for group in marks(root, "quadrant")} == {
        "loyal",
        "satisfied",
        "captive",
        "disloyal",
    }


def test_nps_chart_stacks_three_shares_and_marks_the_score():
    root = parse(charts.nps_chart(nps=customer_metrics()["nps"], labels=NPS_LABELS))
    assert len(marks(root, "bar")) == 3
    assert len(marks(root, "marker")) == 1


def test_activity_chart_one_bar_per_segment():
    root = parse(charts.activity_chart(activity=customer_metrics()["activity"], labels=ACTIVITY_LABELS))
    assert len(marks(root, "bar")) == 4


def test_labels_with_markup_are_not_emitted_as_markup(context):
    areas = [{**area, "name": "<script>alert(1)</script> & Co"} for area in context["areas"]]
    svg = charts.radar_chart(areas=areas, labels={"current": "<b>", "baseline": "&"}, baseline=None)
    parse(svg)  # still well-formed XML
    assert "<script" not in svg and "<b>" not in svg


def test_charts_are_the_same_when_drawn_in_parallel(context):
    expected = all_charts(context)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: all_charts(context), range(4)))
    assert all(result == expected for result in results)


def test_charts_for_the_screen_raise_their_smallest_text_and_say_so():
    """Printed, the level scale's band edges are 6 pt and its ticks smaller still; on a screen
    nothing is under SCREEN_MIN_TEXT_PT (10 px at the chart's own size), tick labels included."""
    levels = [{"level": n, "name": f"L{n}", "low": 20 * (n - 1), "high": 20 * n} for n in range(1, 6)]
    printed = charts.level_scale(score=57.0, levels=levels)
    assert "data-min-text-pt" not in printed  # the PDF's charts are unchanged
    screen = charts.level_scale(score=57.0, levels=levels, min_text_pt=charts.SCREEN_MIN_TEXT_PT)
    assert 'data-min-text-pt="7.5"' in screen
    history = charts.score_history_chart(
        points=[(datetime.date(2025, 12, 31), 57.6, 3), (datetime.date(2026, 9, 30), 72.1, 4)],
        edges=METHODS[2].level_edges,
        min_text_pt=charts.SCREEN_MIN_TEXT_PT,
    )
    assert 'data-min-text-pt="7.5"' in history  # its 7 pt tick labels raised too
    radar = charts.radar_chart(
        areas=[{"name": name, "score": 50.0} for name in ("A", "B", "C", "D")],
        labels={"current": "Now"},
        baseline=None,
        **charts.SCREEN_RADAR,
    )
    assert re.search(r'<svg[^>]* width="237\.6pt" height="237\.6pt"[^>]* data-min-text-pt="7\.5"', radar)


def test_the_driver_quadrant_marks_what_to_fix_first():
    """Only the driver in quadrant "fix" (assessment.drivers.driver_quadrants) is red; the
    drivers without a rating (attributes) are not drawn."""
    drivers = [
        {"label": "Branch", "share": 50.0, "performance": 40.0, "quadrant": "fix"},
        {"label": "App", "share": 30.0, "performance": 90.0, "quadrant": "keep"},
        {"label": "Fees", "share": 15.0, "performance": 50.0, "quadrant": "low_priority"},
        {"label": "Call centre", "share": 5.0, "performance": 80.0, "quadrant": "maybe_overdone"},
        {"label": "x_contract", "share": 60.0, "performance": None, "quadrant": None},
    ]
    labels = dict.fromkeys(
        ["fix", "keep", "maybe_overdone", "low_priority", "importance", "performance"], "x"
    )
    root = parse(charts.driver_quadrant(drivers=drivers, labels=labels))
    points = marks(root, "driver")
    assert len(points) == 4
    assert [charts.NEGATIVE in fills(point) for point in points] == [True, False, False, False]


def test_labels_of_close_drivers_go_one_below_one_above():
    named = [
        {"share": 8.0, "performance": 78.0},
        {"share": 7.0, "performance": 80.0},  # close to the first: above it
        {"share": 26.0, "performance": 78.0},  # far across: below again
        {"share": 8.5, "performance": 40.0},  # far down: below again
    ]
    assert charts._label_offsets(named, width=34.0) == [(4, -4), (4, 4), (4, -4), (4, -4)]


def test_long_quadrant_names_are_wrapped_within_half_the_chart():
    name = "Muhim, past baholangan: birinchi navbatda choralar koʻrish"
    assert charts._two_lines(name, width=charts.QUADRANT_LABEL_CHARS) == (
        "Muhim, past baholangan: birinchi\nnavbatda choralar koʻrish"
    )
