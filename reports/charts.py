"""Report charts: matplotlib figures rendered to SVG strings that the report template inlines.

Every chart builds its own `Figure` on an SVG canvas (no pyplot, no shared figure), so charts
can be drawn from several threads at once. Text is drawn as paths with matplotlib's bundled
DejaVu Sans, so the PDF needs no font for the charts and Cyrillic labels render the same as
Latin ones. Labels arrive translated; matplotlib escapes them when it writes the SVG. Numbers
follow the active language's format (decimal comma in Russian), like the report's template.
"""

import datetime
import hashlib
import io
import math
import re
from collections.abc import Mapping, Sequence

import matplotlib
from django.utils import formats
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.dates import AutoDateLocator, num2date
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon, Rectangle
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator

from assessment.method import level_bands
from config.numbers import number_text

# Set once at import, never changed afterwards: text as glyph paths (no font needed in the
# PDF) and a fixed salt so the SVG ids, and so the PDFs, are the same on every run.
matplotlib.rcParams["svg.fonttype"] = "path"
matplotlib.rcParams["svg.hashsalt"] = "cx-report"

TEXT = "#1b2430"
MUTED = "#4a5566"
GRID = "#d3d9e1"
PRIMARY = "#1d4f91"
BASELINE = "#8a94a3"
NEGATIVE = "#a3161b"
POSITIVE = "#1c6b3a"
NEUTRAL = "#b9c2cd"
# One colour per maturity level 1–5, from "neglected" red to "champion" green.
LEVEL_COLOURS = ("#b3261e", "#e07b24", "#d9a521", "#4f9d69", "#1f6f43")
# Text on those colours: dark on the light orange and yellow, for contrast.
LEVEL_TEXT_COLOURS = ("white", TEXT, TEXT, "white", "white")

_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_COMMENTS = re.compile(r"<!--.*?-->", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_STYLE_SHEET = re.compile(r"<style[^>]*>.*?</style>", re.DOTALL)
_STYLE = re.compile(r'style="([^"]*)"')
_ID = re.compile(r'\b(id)="')
_REFERENCE = re.compile(r'(xlink:href="|href="|url\()#')
_ROOT_SIZE = re.compile(r'<svg([^>]*?) width="([\d.]+)pt" height="([\d.]+)pt"')


def _figure(*, width: float, height: float) -> Figure:
    """A figure of width × height inches (the size it is printed at, so 8 pt text reads as 8 pt)."""
    figure = Figure(figsize=(width, height), facecolor="none")
    FigureCanvasSVG(figure)
    return figure


# On a screen a chart is shown at its own size or larger (workspace.css), so text of this size
# reads as at least 10 px; the printed reports keep their smaller, denser text.
SCREEN_MIN_TEXT_PT = 7.5
# The radar on a screen: narrow enough to fit a phone at that text size, scaled up on wider screens.
SCREEN_RADAR = {"width": 3.3, "height": 3.3, "min_text_pt": SCREEN_MIN_TEXT_PT}


def _text_at_least(figure: Figure, size: float) -> None:
    """Raise every text of the figure, tick labels included, to at least `size` pt."""
    figure.draw_without_rendering()  # lays out the ticks, whose labels exist only from then
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            if axis.get_ticklabels() and min(label.get_fontsize() for label in axis.get_ticklabels()) < size:
                axis.set_tick_params(labelsize=size)
    for text in figure.findobj(Text):
        if text.get_fontsize() < size:
            text.set_fontsize(size)


def _smallest_text(figure: Figure) -> float:
    figure.draw_without_rendering()
    sizes = [text.get_fontsize() for text in figure.findobj(Text) if text.get_visible() and text.get_text()]
    return min(sizes, default=0.0)


def _svg(figure: Figure, *, min_text_pt: float | None = None) -> str:
    """The figure as an inlinable <svg> element: no XML prologue, comments (they repeat every
    label), metadata or CSS; width and height in pt beside the viewBox so CSS can scale it. With
    `min_text_pt` (a chart for the screen), no text is smaller, and the smallest size is on the
    element (data-min-text-pt)."""
    attributes = ""
    if min_text_pt:
        _text_at_least(figure, min_text_pt)
        attributes = f' data-min-text-pt="{_smallest_text(figure):g}"'
    buffer = io.StringIO()
    figure.canvas.print_svg(buffer, metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = _COMMENTS.sub("", _METADATA.sub("", _PROLOGUE.sub("", buffer.getvalue(), count=1)))
    text = _ROOT_SIZE.sub(
        r'<svg\1 width="\2pt" height="\3pt" class="chart-svg" stroke-linejoin="round" stroke-linecap="butt"'
        + attributes,
        _STYLE_SHEET.sub("", text, count=1),
        count=1,
    )
    return _unique_ids(_STYLE.sub(_presentation_attributes, text))


def _presentation_attributes(match: re.Match) -> str:
    """style="fill: #fff; stroke: none" as fill="#fff" stroke="none". Inlined in HTML, style
    attributes and <style> sheets would be parsed (and warned about) as the page's CSS."""
    declarations = (part.split(":", 1) for part in match.group(1).split(";") if ":" in part)
    return " ".join(f'{name.strip()}="{value.strip()}"' for name, value in declarations)


def _unique_ids(svg: str) -> str:
    """Prefix the SVG's ids (glyphs, clip paths, groups) and the references to them with a hash
    of the chart: inlined in one HTML page, charts must not share ids, or glyphs and clips
    would resolve to another chart's. The hash keeps the output the same on every run."""
    prefix = "c" + hashlib.blake2s(svg.encode(), digest_size=4).hexdigest() + "-"
    svg = _ID.sub(rf'\1="{prefix}', svg)
    return _REFERENCE.sub(rf"\1#{prefix}", svg)


def _style_axes(axes, *, grid_axis: str | None = None) -> None:
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(GRID)
    axes.tick_params(colors=MUTED, labelsize=7, length=0)
    if grid_axis:
        axes.grid(axis=grid_axis, color=GRID, linewidth=0.5)
        axes.set_axisbelow(True)


def level_colour(level: int | None) -> str:
    return LEVEL_COLOURS[level - 1] if level else NEUTRAL


def _number_ticks(axes, *, digits: int) -> None:
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _position: number_text(value, digits=digits)))


def _wrap(text: str, *, width: int) -> str:
    """Break a label onto lines of about `width` characters at spaces (matplotlib does not wrap)."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


# --- maturity ---------------------------------------------------------------------------------


def radar_chart(
    *,
    areas: Sequence[Mapping],
    labels: Mapping[str, str],
    baseline: Sequence | None,
    width: float = 5.2,
    height: float = 4.0,
    min_text_pt: float | None = None,
) -> str:
    """The areas' scores (0–100) on a radar: current filled, the baseline dashed over it.
    width × height in inches is the printed size (a smaller radar keeps its text size);
    `min_text_pt` raises its smallest text for a screen (SCREEN_MIN_TEXT_PT).

    An area without sufficient evidence (`sufficient` False) is drawn thin: a hollow point, the
    outline dashed on either side of it, its label faded with its coverage (labels
    "insufficient" names it in the legend, "coverage" is a text with %(percent)s).

    Drawn on plain axes rather than a polar projection: four spokes need no polar machinery
    and the plain axes render several times faster.
    """
    thin = [area.get("sufficient", True) is False for area in areas]
    figure = _figure(width=width, height=height)
    axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    # A thin area's label has a line more, its coverage: room for it on every side.
    axes.set_xlim(*((-2.45, 2.45) if any(thin) else (-2.15, 2.15)))
    axes.set_ylim(*((-1.45, 1.45) if any(thin) else (-1.3, 1.3)))
    axes.set_aspect("equal")
    axes.axis("off")
    count = len(areas)
    angles = [math.pi / 2 - 2 * math.pi * index / count for index in range(count)]

    def points(values: Sequence) -> list[tuple[float, float]]:
        return [
            ((value or 0) / 100 * math.cos(angle), (value or 0) / 100 * math.sin(angle))
            for value, angle in zip(values, angles, strict=True)
        ]

    for ring in (20, 40, 60, 80, 100):
        axes.add_patch(
            Polygon(points([ring] * count), closed=True, fill=False, edgecolor=GRID, linewidth=0.6)
        )
        axes.text(0.02, ring / 100 + 0.01, str(ring), fontsize=7, color=MUTED, va="bottom")
    for angle in angles:
        axes.plot([0, math.cos(angle)], [0, math.sin(angle)], color=GRID, linewidth=0.6)

    current = [area.get("score") for area in areas]
    axes.add_patch(
        Polygon(
            points(current),
            closed=True,
            facecolor=PRIMARY,
            alpha=0.25,
            edgecolor=PRIMARY,
            linewidth=1.6,
            gid="radar-current",
        )
    )
    handles = [Rectangle((0, 0), 1, 1, facecolor=PRIMARY, alpha=0.4, edgecolor=PRIMARY)]
    names = [labels["current"]]
    if baseline is not None:
        axes.add_patch(
            Polygon(
                points(baseline),
                closed=True,
                fill=False,
                edgecolor=BASELINE,
                linewidth=1.4,
                linestyle=(0, (4, 2)),
                gid="radar-baseline",
            )
        )
        handles.append(Rectangle((0, 0), 1, 1, fill=False, edgecolor=BASELINE, linestyle="--"))
        names.append(labels["baseline"])
    vertices = points(current)
    for index in (index for index, is_thin in enumerate(thin) if is_thin):
        (x, y), previous, following = vertices[index], vertices[index - 1], vertices[(index + 1) % count]
        # The outline dashed on either side of the thin point.
        for neighbour in (previous, following):
            axes.plot(
                [x, neighbour[0]], [y, neighbour[1]], color=PRIMARY, linewidth=1.3, linestyle=(0, (3, 2))
            )
        axes.plot(
            [x],
            [y],
            marker="o",
            markersize=5.5,
            color=PRIMARY,
            markerfacecolor="white",
            gid=f"thin-area-{index}",
        )
    if any(thin):
        handles.append(
            Line2D(
                [],
                [],
                color=PRIMARY,
                linestyle=(0, (3, 2)),
                marker="o",
                markerfacecolor="white",
                markersize=5,
            )
        )
        names.append(labels["insufficient"])
    for area, angle, value, is_thin in zip(areas, angles, current, thin, strict=True):
        x, y = 1.12 * math.cos(angle), 1.12 * math.sin(angle)
        horizontal = "center" if abs(x) < 0.1 else ("left" if x > 0 else "right")
        vertical = "bottom" if y > 0.1 else ("top" if y < -0.1 else "center")
        text = f"{_wrap(area['name'], width=16)}\n{number_text(value, digits=1)}"
        if is_thin:
            text += "\n" + labels["coverage"] % {
                "percent": number_text(100 * (area.get("coverage") or 0), digits=0)
            }
        axes.text(
            x,
            y,
            text,
            ha=horizontal,
            va=vertical,
            fontsize=8,
            color=MUTED if is_thin else TEXT,
            fontweight="normal" if is_thin else "bold",
            linespacing=1.3,
        )
    axes.legend(handles, names, loc="lower left", fontsize=7, frameon=False, bbox_to_anchor=(0.0, 0.0))
    return _svg(figure, min_text_pt=min_text_pt)


def indicator_bars(*, indicators: Sequence[Mapping], edges: Sequence[float]) -> str:
    """One horizontal bar per indicator (0–100), coloured by its level, with the level `edges`
    and the values in a column on the right. A scored indicator without enough evidence
    (`covered` False) is greyed: a hatched grey bar, its code and value faded."""
    height = 0.45 + 0.19 * len(indicators)
    figure = _figure(width=6.9, height=height)
    axes = figure.add_axes((0.09, 0.3 / height, 0.84, 1 - 0.36 / height))
    _style_axes(axes)
    positions = range(len(indicators))
    scores = [indicator.get("score") for indicator in indicators]
    thin = [
        indicator.get("covered", True) is False and score is not None
        for indicator, score in zip(indicators, scores, strict=True)
    ]
    bars = axes.barh(
        positions,
        [score or 0 for score in scores],
        height=0.66,
        color=[
            GRID if is_thin else level_colour(indicator.get("level"))
            for indicator, is_thin in zip(indicators, thin, strict=True)
        ],
    )
    for index, (bar, score, is_thin) in enumerate(zip(bars, scores, thin, strict=True)):
        bar.set_gid(f"uncovered-bar-{index}" if is_thin else f"bar-{index}")
        if is_thin:
            bar.set_hatch("////")
            bar.set_edgecolor(BASELINE)
            bar.set_linewidth(0)
        # Values in a column right of the scale: clear of the level lines, easy to scan.
        axes.text(
            103,
            index,
            number_text(score, digits=1),
            va="center",
            ha="left",
            fontsize=6.5,
            color=TEXT if score is not None and not is_thin else MUTED,
            clip_on=False,
        )
    for edge in edges:
        axes.axvline(edge, color=BASELINE, linewidth=0.5, linestyle=(0, (2, 2)), zorder=0)
    axes.set_yticks(list(positions), [indicator["code"] for indicator in indicators])
    for tick, is_thin in zip(axes.get_yticklabels(), thin, strict=True):
        if is_thin:
            tick.set_color(BASELINE)
    axes.set_ylim(len(indicators) - 0.5, -0.5)
    axes.set_xlim(0, 100)
    # Ticks on the level edges, so each dotted line is labelled with where its level starts.
    axes.set_xticks([0, *edges, 100], [number_text(tick, digits=-1) for tick in (0, *edges, 100)])
    return _svg(figure)


def level_scale(
    *,
    score: float | None,
    levels: Sequence[Mapping],
    baseline: float | None = None,
    labels=None,
    preliminary: bool = False,
    min_text_pt: float | None = None,
) -> str:
    """The five level bands as one horizontal scale, a marker at the score and, when given, a
    hollow marker at the baseline score. `labels` names the markers (current, baseline). A
    `preliminary` score claims no level: its marker is hollow and labelled so (labels
    "preliminary")."""
    figure = _figure(width=6.6, height=1.65)
    axes = figure.add_axes((0.02, 0.0, 0.96, 1.0))
    axes.set_xlim(0, 100)
    axes.set_ylim(-1.6, 1.55)
    axes.axis("off")
    for level in levels:
        low, high = level["low"], level["high"]
        axes.add_patch(
            Rectangle(
                (low, -0.25),
                high - low,
                0.5,
                facecolor=level_colour(level["level"]),
                edgecolor="white",
                linewidth=1.5,
                gid=f"band-{level['level']}",
            )
        )
        axes.text(
            (low + high) / 2,
            0,
            str(level["level"]),
            ha="center",
            va="center",
            fontsize=8,
            color=LEVEL_TEXT_COLOURS[level["level"] - 1],
        )
        axes.text(
            (low + high) / 2,
            -0.4,
            _wrap(level["name"], width=14),
            ha="center",
            va="top",
            fontsize=6.5,
            color=TEXT,
            linespacing=1.2,
        )
    for edge in [levels[0]["low"], *(level["high"] for level in levels)]:
        axes.text(
            edge,
            0.3,
            number_text(edge, digits=-1),
            ha="center",
            va="bottom",
            fontsize=6,
            color=MUTED,
        )
    names = labels or {}
    # Close scores would overprint their labels: the current one then goes a line higher.
    close = baseline is not None and score is not None and abs(score - baseline) < 25
    if baseline is not None:
        axes.plot([baseline], [0.78], marker="v", markersize=9, color=BASELINE, markerfacecolor="white")
        axes.text(
            baseline,
            1.0,
            f"{names.get('baseline', '')} {number_text(baseline, digits=1)}".strip(),
            ha="center",
            fontsize=7,
            color=MUTED,
        )
    if score is not None:
        axes.plot(
            [score],
            [0.78],
            marker="v",
            markersize=11,
            color=TEXT,
            markerfacecolor="white" if preliminary else TEXT,
            markeredgewidth=1.4,
            gid="marker-current",
        )
        text = f"{names.get('current', '')} {number_text(score, digits=1)}".strip()
        axes.text(
            score,
            1.26 if close else 1.0,
            f"{text} ({names['preliminary']})" if preliminary else text,
            ha="center",
            fontsize=8,
            color=TEXT,
            fontweight="bold",
        )
    return _svg(figure, min_text_pt=min_text_pt)


# --- customers --------------------------------------------------------------------------------


def servqual_gaps(*, gaps: Mapping[str, float | None]) -> str:
    """One bar per SERVQUAL dimension (label → perception − expectation): below zero red, above
    green; a dimension without data is named with a dash and no bar."""
    figure = _figure(width=4.6, height=2.4)
    axes = figure.add_axes((0.3, 0.12, 0.65, 0.84))
    _style_axes(axes, grid_axis="x")
    names = list(gaps)
    values = [gaps[name] for name in names]
    bars = axes.barh(
        range(len(names)),
        [value or 0 for value in values],
        height=0.6,
        color=[NEGATIVE if (value or 0) < 0 else POSITIVE for value in values],
    )
    limit = max([abs(value) for value in values if value is not None] + [0.5]) * 1.35
    for index, (bar, value) in enumerate(zip(bars, values, strict=True)):
        bar.set_gid(f"bar-{index}")
        text = number_text(value, digits=2, signed=True)
        offset = limit * 0.03 * (-1 if (value or 0) < 0 else 1)
        axes.text(
            (value or 0) + offset,
            index,
            text,
            va="center",
            ha="right" if (value or 0) < 0 else "left",
            fontsize=7,
            color=TEXT,
        )
    axes.axvline(0, color=TEXT, linewidth=0.8)
    axes.set_xlim(-limit, limit)
    _number_ticks(axes, digits=1)
    axes.set_yticks(range(len(names)), names)
    axes.set_ylim(len(names) - 0.5, -0.5)
    return _svg(figure)


LOYALTY_QUADRANTS = (
    # type, column (0 satisfied, 1 not), row (0 high load, 1 low)
    ("loyal", 0, 0),
    ("captive", 1, 0),
    ("satisfied", 0, 1),
    ("disloyal", 1, 1),
)
LOYALTY_COLOURS = {"loyal": "#1f6f43", "satisfied": "#4f9d69", "captive": "#d9a521", "disloyal": "#b3261e"}


def loyalty_matrix(*, types: Mapping[str, int], labels: Mapping[str, str]) -> str:
    """The four loyalty types as a 2×2 matrix (product load × satisfaction) with counts and
    shares of all classified and unclassified clients; unclassified clients noted below.

    labels: a name per type, plus high_load, low_load, satisfied_axis, not_satisfied_axis and
    unclassified.
    """
    figure = _figure(width=4.8, height=3.0)
    axes = figure.add_axes((0.16, 0.12, 0.82, 0.8))
    axes.set_xlim(0, 2)
    axes.set_ylim(2, 0)
    axes.axis("off")
    total = sum(types.get(kind, 0) or 0 for kind in (*LOYALTY_COLOURS, "unclassified"))
    for kind, column, row in LOYALTY_QUADRANTS:
        count = types.get(kind) or 0
        share = 100 * count / total if total else 0
        axes.add_patch(
            Rectangle(
                (column, row),
                1,
                1,
                facecolor=LOYALTY_COLOURS[kind],
                alpha=0.18,
                edgecolor="white",
                linewidth=2,
                gid=f"quadrant-{kind}",
            )
        )
        axes.text(
            column + 0.5, row + 0.28, labels[kind], ha="center", fontsize=8, color=TEXT, fontweight="bold"
        )
        axes.text(column + 0.5, row + 0.58, number_text(count, digits=0), ha="center", fontsize=11)
        axes.text(column + 0.5, row + 0.8, f"{number_text(share)} %", ha="center", fontsize=7.5, color=MUTED)
    axes.text(0.5, -0.05, labels["satisfied_axis"], ha="center", va="bottom", fontsize=7, color=MUTED)
    axes.text(1.5, -0.05, labels["not_satisfied_axis"], ha="center", va="bottom", fontsize=7, color=MUTED)
    for row, key in ((0.5, "high_load"), (1.5, "low_load")):
        axes.text(-0.04, row, _wrap(labels[key], width=12), ha="right", va="center", fontsize=7, color=MUTED)
    unclassified = types.get("unclassified") or 0
    share = 100 * unclassified / total if total else 0
    axes.text(
        1.0,
        2.08,
        f"{labels['unclassified']}: {number_text(unclassified, digits=0)} ({number_text(share)} %)",
        ha="center",
        va="top",
        fontsize=7,
        color=MUTED,
    )
    return _svg(figure)


def nps_chart(*, nps: Mapping, labels: Mapping[str, str]) -> str:
    """Detractors, passives and promoters as one stacked bar, and the NPS on its −100…100 scale
    with the 95 % interval. labels: detractors, passives, promoters, score."""
    figure = _figure(width=6.4, height=1.45)
    shares = figure.add_axes((0.02, 0.62, 0.96, 0.26))
    shares.set_xlim(0, 100)
    shares.set_ylim(-0.5, 0.5)
    shares.axis("off")
    start = 0.0
    # Key, bar colour, text colour on the bar (dark on the light grey of the passives).
    parts = (("detractors", NEGATIVE, "white"), ("passives", NEUTRAL, TEXT), ("promoters", POSITIVE, "white"))
    for index, (key, colour, text_colour) in enumerate(parts):
        share = nps[key] or 0
        shares.barh([0], [share], left=start, height=0.9, color=colour, gid=f"bar-{index}")
        text = f"{labels[key]} {number_text(share, digits=0)} %"
        if share >= 18:
            shares.text(start + share / 2, 0, text, ha="center", va="center", fontsize=7, color=text_colour)
        else:
            shares.text(start + share / 2, 0.62, text, ha="center", va="bottom", fontsize=6.5, color=TEXT)
        start += share

    scale = figure.add_axes((0.02, 0.2, 0.96, 0.22))
    _style_axes(scale)
    scale.set_xlim(-100, 100)
    scale.set_ylim(-1, 1)
    scale.set_yticks([])
    scale.set_xticks(range(-100, 101, 25))
    scale.axvline(0, color=GRID, linewidth=0.8)
    low, high = nps["ci95"]
    scale.plot([low, high], [0, 0], color=PRIMARY, linewidth=2, solid_capstyle="butt")
    for end in (low, high):
        scale.plot([end, end], [-0.45, 0.45], color=PRIMARY, linewidth=1.2)
    scale.plot([nps["score"]], [0], marker="o", markersize=7, color=PRIMARY, gid="marker-score")
    scale.text(
        nps["score"],
        0.75,
        f"{labels['score']} {number_text(nps['score'], digits=0)} "
        f"[{number_text(low, digits=0)}; {number_text(high, digits=0)}]",
        ha="center",
        va="bottom",
        fontsize=7.5,
        color=TEXT,
        fontweight="bold",
    )
    return _svg(figure)


ACTIVITY_COLOURS = {"active": POSITIVE, "passive": "#d9a521", "at_risk": "#e07b24", "churned": NEGATIVE}


def activity_chart(*, activity: Mapping[str, int], labels: Mapping[str, str]) -> str:
    """Clients per activity segment (active, passive, at risk, churned) with their shares."""
    keys = [key for key in ACTIVITY_COLOURS if key in activity]
    total = sum(activity[key] or 0 for key in keys)
    figure = _figure(width=3.3, height=0.3 + 0.3 * len(keys))
    axes = figure.add_axes((0.22, 0.04, 0.6, 0.92))
    _style_axes(axes)
    axes.spines["bottom"].set_visible(False)
    axes.set_xticks([])
    counts = [activity[key] or 0 for key in keys]
    bars = axes.barh(range(len(keys)), counts, height=0.62, color=[ACTIVITY_COLOURS[key] for key in keys])
    largest = max([*counts, 1])
    for index, (bar, count) in enumerate(zip(bars, counts, strict=True)):
        bar.set_gid(f"bar-{index}")
        share = 100 * count / total if total else 0
        axes.text(
            count + largest * 0.02,
            index,
            f"{number_text(count, digits=0)} ({number_text(share)} %)",
            va="center",
            fontsize=7,
            color=TEXT,
        )
    axes.set_xlim(0, largest * 1.35)
    axes.set_yticks(range(len(keys)), [labels[key] for key in keys])
    axes.set_ylim(len(keys) - 0.5, -0.5)
    return _svg(figure)


def score_history_chart(
    *, points: Sequence[tuple], edges: Sequence[float], min_text_pt: float | None = None
) -> str:
    """An organization's overall score per assessment (reference date, score, level) over the
    level bands (`edges`, the latest assessment's method), so each point reads as a level at a
    glance."""
    figure = _figure(width=5.2, height=2.2)
    axes = figure.add_axes((0.08, 0.14, 0.9, 0.8))
    _style_axes(axes, grid_axis=None)
    for index, (low, high) in enumerate(level_bands(edges)):
        axes.axhspan(low, high, color=LEVEL_COLOURS[index], alpha=0.1, linewidth=0)
    positions = range(len(points))
    scores = [score for _date, score, _level in points]
    axes.plot(positions, scores, color=PRIMARY, linewidth=1.5, zorder=2)
    for index, (_date, score, level) in enumerate(points):
        point = axes.scatter([index], [score], s=28, color=level_colour(level), edgecolors="white", zorder=3)
        point.set_gid(f"point-{index}-level-{level}")
        axes.annotate(
            number_text(score, digits=1),
            (index, score),
            textcoords="offset points",
            xytext=(0, 7),
            ha="center",
            fontsize=8,
            color=TEXT,
        )
    axes.set_ylim(0, 100)
    axes.set_yticks([0, *edges, 100])
    axes.set_xticks(
        list(positions), [formats.date_format(date, "SHORT_DATE_FORMAT") for date, _s, _l in points]
    )
    axes.set_xlim(-0.5, len(points) - 0.5)
    return _svg(figure, min_text_pt=min_text_pt)


# --- roadmap ----------------------------------------------------------------------------------

# Months each horizon spans on the timeline; "12+" is drawn open-ended to the chart's edge.
HORIZON_MONTHS = {"0-3": (0, 3), "3-6": (3, 6), "6-12": (6, 12), "12+": (12, 18)}
TIMELINE_END = 18
# Larger efforts are drawn darker and thicker, so the heavy initiatives stand out.
EFFORT_STYLE = {"S": ("#8fb3de", 0.42), "M": ("#3f73b8", 0.58), "L": (PRIMARY, 0.74)}
# Printed size: inches per initiative row (room for a title on two lines) and for the horizon
# labels above; the titles take the left share of the width, the months the rest.
TIMELINE_ROW = 0.245
TIMELINE_HEAD = 0.42
TIMELINE_TITLES = 0.47


def roadmap_timeline(
    *, items: Sequence[Mapping], horizon_labels: Mapping[str, str], title_width: int = 56
) -> str:
    """The roadmap as a timeline: one row per initiative ("position. title" on at most two lines
    of about `title_width` characters, in roadmap order within each horizon), a bar over the
    months of its horizon, shaded and sized by effort (S, M, L written at the bar's end).
    Horizons are the columns, labelled on top."""
    rows = sorted(items, key=lambda item: (HORIZON_MONTHS[item["horizon"]][0], item["position"]))
    count = max(len(rows), 1)
    height = TIMELINE_HEAD + TIMELINE_ROW * count
    figure = _figure(width=6.9, height=height)
    axes = figure.add_axes((TIMELINE_TITLES, 0.0, 0.985 - TIMELINE_TITLES, 1 - TIMELINE_HEAD / height))
    _style_axes(axes)
    axes.spines["bottom"].set_visible(False)
    for start, _end in HORIZON_MONTHS.values():
        axes.axvline(start, color=GRID, linewidth=0.6, zorder=0)
    for horizon, (start, end) in HORIZON_MONTHS.items():
        axes.text(
            (start + end) / 2,
            -0.6,
            _wrap(horizon_labels.get(horizon, horizon), width=6),
            ha="center",
            va="bottom",
            fontsize=7,
            color=MUTED,
            linespacing=1.15,
            clip_on=False,
        )
    for index, item in enumerate(rows):
        start, end = HORIZON_MONTHS[item["horizon"]]
        colour, thickness = EFFORT_STYLE.get(item["effort"], EFFORT_STYLE["M"])
        bar = axes.barh(index, end - start - 0.2, left=start + 0.1, height=thickness, color=colour)
        bar[0].set_gid(f"initiative-{item['position']}-{item['horizon']}-{item['effort']}")
        axes.text(
            end - 0.3,
            index,
            item["effort"],
            ha="right",
            va="center",
            fontsize=7,
            color=TEXT if item["effort"] == "S" else "white",
            fontweight="bold",
        )
    labels = [_two_lines(f"{item['position']}. {item['title']}", width=title_width) for item in rows]
    axes.set_yticks(range(len(rows)), labels, fontsize=7, color=TEXT, linespacing=1.1)
    axes.set_ylim(len(rows) - 0.5, -0.5)
    axes.set_xlim(0, TIMELINE_END)
    axes.set_xticks([])
    return _svg(figure)


def _two_lines(text: str, *, width: int) -> str:
    """The text on at most two lines of about `width` characters, cut at a word with "…" if
    longer."""
    lines = _wrap(text, width=width).split("\n")
    if len(lines) <= 2:
        return "\n".join(lines)
    second = " ".join(lines[1:])[: width - 1].rsplit(" ", 1)[0].rstrip(",.;:—–-")
    return f"{lines[0]}\n{second}…"


# The key drivers named on their quadrant chart, the strongest first; the table names them all.
QUADRANT_NAMED = 5
QUADRANT_LABEL_CHARS = 32


def _label_offsets(named: Sequence[Mapping], *, width: float) -> list[tuple[int, int]]:
    """Where each named point's label goes, in points from it: below and to the right, unless
    a label already placed there would meet it (a point close across and in height), then
    above."""
    below, above = (4, -4), (4, 4)
    placed: list[tuple[float, float, tuple[int, int]]] = []
    offsets = []
    for driver in named:
        x, y = driver["share"], driver["performance"]
        near = [
            offset
            for other_x, other_y, offset in placed
            if abs(other_x - x) < width * 0.3 and abs(other_y - y) < 8
        ]
        offset = above if below in near else below
        placed.append((x, y, offset))
        offsets.append(offset)
    return offsets


def driver_quadrant(
    *, drivers: Sequence[Mapping], labels: Mapping[str, str], min_text_pt: float | None = None
) -> str:
    """Importance × performance of the key drivers with a performance (docs/methods.md §14):
    one point per driver, its share of R² (%) across, its performance (0–100) up, split at the
    drivers' mean share and mean performance; the lower right (its quadrant "fix": important,
    poorly rated) is where to act first, drawn red. The QUADRANT_NAMED strongest carry their
    label. `labels`: the quadrants' names (fix, keep, maybe_overdone, low_priority) and the
    axes' (importance, performance)."""
    rated = [driver for driver in drivers if driver.get("performance") is not None]
    figure = _figure(width=4.6, height=3.2)
    axes = figure.add_axes((0.12, 0.14, 0.84, 0.82))
    _style_axes(axes)
    shares = [driver["share"] for driver in rated]
    performance = [driver["performance"] for driver in rated]
    right = max([*shares, 1.0]) * 1.3
    axes.set_xlim(0, right)
    axes.set_ylim(0, 105)
    middle_x = sum(shares) / len(shares) if shares else right / 2
    middle_y = sum(performance) / len(performance) if performance else 50
    axes.axvline(middle_x, color=GRID, linewidth=1)
    axes.axhline(middle_y, color=GRID, linewidth=1)
    for text, x, y, ha, va in (
        (labels["fix"], right * 0.98, 2, "right", "bottom"),
        (labels["keep"], right * 0.98, 104, "right", "top"),
        (labels["maybe_overdone"], right * 0.02, 104, "left", "top"),
        (labels["low_priority"], right * 0.02, 2, "left", "bottom"),
    ):
        # Two to a row: each kept within about half the width, so that they never meet.
        axes.text(x, y, _two_lines(text, width=QUADRANT_LABEL_CHARS), ha=ha, va=va, fontsize=7, color=MUTED)
    named = sorted(rated, key=lambda driver: -driver["share"])[:QUADRANT_NAMED]
    offsets = _label_offsets(named, width=right)
    for index, driver in enumerate(rated):
        colour = NEGATIVE if driver["quadrant"] == "fix" else PRIMARY
        point = axes.scatter([driver["share"]], [driver["performance"]], s=28, color=colour, zorder=3)
        point.set_gid(f"driver-{index}")
        if driver in named:
            axes.annotate(
                _wrap(str(driver["label"]), width=22),
                (driver["share"], driver["performance"]),
                xytext=offsets[named.index(driver)],
                textcoords="offset points",
                fontsize=7,
                color=TEXT,
                va="top" if offsets[named.index(driver)][1] < 0 else "bottom",
            )
    axes.set_xlabel(labels["importance"], fontsize=7.5, color=MUTED)
    axes.set_ylabel(labels["performance"], fontsize=7.5, color=MUTED)
    _number_ticks(axes, digits=0)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _position: number_text(value, digits=0)))
    return _svg(figure, min_text_pt=min_text_pt)


# --- action plan ------------------------------------------------------------------------------


def kpi_track_chart(
    *, points: Mapping, unit: str, labels: Mapping[str, str], min_text_pt: float | None = None
) -> str:
    """A customer metric over the action plan (reports.plan.kpi_track_points): the measured
    values joined in date order, the baseline a hollow grey point named labels["baseline"] with
    its value, and a dashed green line per target labelled "≤ 9,5 %" at its right end. `unit`
    ("%", a currency code or "") follows the targets and stands over the value axis. Drawn
    3.3 in wide, like SCREEN_RADAR, to fit a phone at the screen's text size, with room on the
    left for the longest value label (a layout engine would double the drawing time)."""
    width = 3.3
    # Round steps (…, 0.5, 1, 2, 5, …) written with as many decimals as the step needs.
    low, high = points["y_range"]
    ticks = [
        tick
        for tick in MaxNLocator(nbins=5, steps=[1, 2, 5, 10]).tick_values(low, high)
        if low <= tick <= high
    ]
    digits = max(0, -math.floor(math.log10(ticks[1] - ticks[0]))) if len(ticks) > 1 else 1
    tick_labels = [number_text(tick, digits=digits) for tick in ticks]
    series = points["series"]
    days = [day for day, _value in series]
    # Room past the axes for the longest value label on the left and half a date on either
    # side (a DejaVu Sans digit is 0.64 em wide; a value label stands 6 pt off the axis).
    text_pt = max(7, min_text_pt or 0)
    half_date = 0.32 * text_pt * len(formats.date_format(days[-1], "SHORT_DATE_FORMAT"))
    left = max(0.64 * text_pt * max(len(label) for label in tick_labels) + 6, half_date) / (72 * width)
    right = 1 - half_date / (72 * width)
    figure = _figure(width=width, height=2.1)
    axes = figure.add_axes((left, 0.14, right - left, 0.76))
    _style_axes(axes, grid_axis="y")
    axes.set_ylim(low, high)
    axes.set_yticks(ticks, tick_labels)
    span = (days[-1] - days[0]).days
    pad = datetime.timedelta(days=max(span * 0.08, 10))
    axes.set_xlim(days[0] - pad, days[-1] + pad)
    if span:
        axes.xaxis.set_major_locator(AutoDateLocator(minticks=2, maxticks=3))
    else:
        axes.set_xticks([days[0]])
    axes.xaxis.set_major_formatter(
        FuncFormatter(
            lambda value, _position: formats.date_format(num2date(value).date(), "SHORT_DATE_FORMAT")
        )
    )
    if unit:
        axes.set_title(unit, loc="left", fontsize=7, color=MUTED, pad=3)
    for index, (symbol, value) in enumerate(points["targets"]):
        axes.axhline(
            value, color=POSITIVE, linewidth=1, linestyle=(0, (4, 2)), zorder=1, gid=f"target-{index}"
        )
        axes.annotate(
            f"{symbol} {number_text(value, digits=-1)} {unit}".strip(),
            (1, value),
            xycoords=("axes fraction", "data"),
            xytext=(-2, 2),
            textcoords="offset points",
            ha="right",
            fontsize=7,
            color=POSITIVE,
        )
    axes.plot(
        days,
        [value for _day, value in series],
        color=PRIMARY,
        linewidth=1.5,
        marker="o",
        markersize=4,
        zorder=2,
        gid="values-line",
    )
    if points["baseline"]:
        day, value = points["baseline"]
        axes.plot(
            [day],
            [value],
            marker="o",
            markersize=6,
            color=BASELINE,
            markerfacecolor="white",
            markeredgewidth=1.4,
            zorder=3,
            gid="baseline-point",
        )
        axes.annotate(
            f"{labels['baseline']} {number_text(value, digits=-1)}",
            (day, value),
            textcoords="offset points",
            xytext=(-3, 6),
            fontsize=7,
            color=MUTED,
        )
    return _svg(figure, min_text_pt=min_text_pt)
