"""The chart of a customer metric the action plan aims at: what it draws (reports.plan,
kpi_track_points: the baseline and interim values in date order, each target once, a y range
holding them all with a margin) and how (reports.charts.kpi_track_chart: the baseline marked
apart, a dashed line per target, text no smaller than on the other screen charts)."""

import datetime

import pytest
from django.utils import translation
from matplotlib.font_manager import FontProperties, findfont, get_font

from reports import charts
from reports.plan import kpi_track_points
from tests.reports.test_charts import marks, parse

DAY = datetime.date
FONT = get_font(findfont(FontProperties(family="DejaVu Sans")))


def _glyph(char: str) -> str:
    """The id of a character's glyph in the SVG: text is drawn as paths (svg.fonttype "path"),
    one per glyph, named by the font and the glyph's index, so a text's characters are these."""
    return f'-{FONT.postscript_name}-{FONT.get_char_index(ord(char)):x}"'


def _track(*, baseline: float | None, values=(), targets=()) -> dict:
    """A track as reports.plan_selectors.kpi_tracks gives it, baseline on 31 December 2025."""
    return {
        "metric": "churn_rate",
        "label": "Churn rate, %",
        "unit": "%",
        "higher_is_better": False,
        "baseline": {"measured_on": DAY(2025, 12, 31), "value": baseline},
        "values": [
            {"id": index, "measured_on": day, "value": value, "source": ""}
            for index, (day, value) in enumerate(values, start=1)
        ],
        "targets": [
            {"initiative": index, "op": op, "value": value} for index, (op, value) in enumerate(targets)
        ],
    }


def test_the_baseline_and_interim_values_in_date_order_and_each_target_once():
    track = _track(
        baseline=12.4,
        values=[(DAY(2026, 2, 28), 11.2), (DAY(2026, 1, 31), 12.0), (DAY(2025, 12, 31), 12.6)],
        targets=[("<=", 9.5), ("<=", 9.5), (">=", 10.0)],
    )
    points = kpi_track_points(track)
    # The baseline first on its day, before a value measured the same day.
    assert points["series"] == [
        (DAY(2025, 12, 31), 12.4),
        (DAY(2025, 12, 31), 12.6),
        (DAY(2026, 1, 31), 12.0),
        (DAY(2026, 2, 28), 11.2),
    ]
    assert points["baseline"] == (DAY(2025, 12, 31), 12.4)
    assert points["targets"] == [("≤", 9.5), ("≥", 10.0)]  # two initiatives aiming at ≤ 9.5: one line
    # From 9.5 (a target) to 12.6 (a value): a span of 3.1, a tenth of it below and above.
    low, high = points["y_range"]
    assert (low, high) == (pytest.approx(9.19), pytest.approx(12.91))


@pytest.mark.parametrize(
    ("baseline", "values", "targets", "y_range"),
    [
        # No baseline (no customer data): the interim values alone; all equal: ±10 % of them.
        (None, [(DAY(2026, 1, 31), 40.0), (DAY(2026, 2, 28), 40.0)], [], (36.0, 44.0)),
        # All at zero: ±0.1.
        (0.0, [(DAY(2026, 1, 31), 0.0)], [], (-0.1, 0.1)),
        # A target far above the values widens the range to it.
        (20.0, [(DAY(2026, 3, 31), 30.0)], [(">=", 70.0)], (15.0, 75.0)),
    ],
)
def test_the_y_range_holds_every_value_and_target_with_a_margin(baseline, values, targets, y_range):
    points = kpi_track_points(_track(baseline=baseline, values=values, targets=targets))
    assert points["y_range"] == pytest.approx(y_range)
    assert (points["baseline"] is None) == (baseline is None)


def test_a_lone_point_or_targets_alone_draw_nothing():
    assert kpi_track_points(_track(baseline=None, targets=[("<=", 9.5), ("<=", 9.0)])) is None
    assert kpi_track_points(_track(baseline=12.4)) is None
    assert kpi_track_points(_track(baseline=None, values=[(DAY(2026, 1, 31), 12.0)])) is None
    assert kpi_track_points(_track(baseline=12.4, targets=[("<=", 9.5)]))["series"] == [
        (DAY(2025, 12, 31), 12.4)
    ]


def _chart(track: dict, *, unit: str = "%") -> str:
    return charts.kpi_track_chart(
        points=kpi_track_points(track),
        unit=unit,
        labels={"baseline": "Baseline"},
        min_text_pt=charts.SCREEN_MIN_TEXT_PT,
    )


def test_the_chart_marks_the_baseline_apart_and_draws_a_line_per_target():
    svg = _chart(
        _track(
            baseline=12.4,
            values=[(DAY(2026, 1, 31), 12.0), (DAY(2026, 2, 28), 11.2)],
            targets=[("<=", 9.5), ("<=", 9.5), ("<=", 10.0)],
        )
    )
    root = parse(svg)
    assert len(marks(root, "target")) == 2
    assert len(marks(root, "baseline")) == 1 and len(marks(root, "values")) == 1
    assert _glyph("≤") in svg and _glyph("≥") not in svg and _glyph("%") in svg  # "≤ 9.5 %"
    # As narrow as the screen's radar, at least as large a text.
    assert 'width="237.6pt"' in svg and 'data-min-text-pt="7.5"' in svg


def test_without_a_baseline_none_is_marked_and_numbers_follow_the_language():
    track = _track(baseline=None, values=[(DAY(2026, 1, 31), 62.0)], targets=[(">=", 80.5)])
    english = _chart(track, unit="")
    with translation.override("ru"):
        russian = _chart(track, unit="")
    assert marks(parse(english), "baseline") == []
    assert _glyph("≥") in english and _glyph("%") not in english
    assert _glyph(",") not in english and _glyph(",") in russian  # "≥ 80.5", "≥ 80,5"
