"""PDF reports: a plain context dict → HTML (charts + template) → PDF (WeasyPrint).

The context is assembled elsewhere (the input contract is in the template's sections); here
only presentation happens. WeasyPrint may read nothing but this app's own static files: the
template links them as `cx-static:<path>` and the URL fetcher refuses every other URL.
"""

import base64
import datetime
import mimetypes
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from assessment.branding import DEFAULT_FIRM_NAME
from assessment.loyalty import CSI_BANDS, SATISFIED_AT
from assessment.metrics import CustomerMetric, MetricValue, evidence_metrics, metric
from reports import charts
from reports.models import Horizon

TEMPLATE = "reports/report.html"
STYLESHEET = "reports/report.css"
STATIC_SCHEME = "cx-static"
# Fonts found and loaded once per process, not once per report.
FONT_CONFIG = FontConfiguration()
PAGE_OF = gettext_noop("Page %(page)s of %(pages)s")
DRAFT_FILE_MARK = "DRAFT"
EXECUTIVE_TOP = 3
# The radar's printed size in inches by report kind, printed at that size so that its text
# keeps its 7–8 pt: beside the verdict in the executive summary and beside the area table in
# the full report (after the level scale, on its page); over half the page's width in the
# comparison.
RADAR_SIZES = {
    "full": {"width": 3.4, "height": 2.6},
    "executive": {"width": 3.4, "height": 2.6},
    "comparison": {"width": 4.4, "height": 3.1},
}
EXECUTIVE_ROADMAP = 5
# Quotes the consultant picked, in their order, that the executive summary has room for.
EXECUTIVE_QUOTES = 4
# Of each area's strengths and of its improvement zones, the executive summary shows the first.
EXECUTIVE_FINDINGS = 1

# Russian (with Kazakh and Uzbek letters) to Latin for file names; other scripts are dropped.
_CYRILLIC = str.maketrans(
    {
        **dict(zip("абвгдеёзийклмнопрстуфыэәғқңөұүһіў", "abvgdeeziyklmnoprstufyeagqnouuhio", strict=True)),
        **{"ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ю": "yu", "я": "ya"},
        **{"ъ": "", "ь": ""},
    }
)


# --- file name --------------------------------------------------------------------------------


def ascii_slug(text: str) -> str:
    """A file-name-safe ASCII slug, Cyrillic transliterated: "Альфа Банк" → "alfa-bank"."""
    transliterated = str(text).lower().translate(_CYRILLIC)
    return slugify(unicodedata.normalize("NFKD", transliterated).encode("ascii", "ignore").decode("ascii"))


def report_filename(
    *, organization: str, kind: str, language: str, reference_date: datetime.date, draft: bool = False
) -> str:
    """An ASCII file name such as demo-bank-cx-report-full-en-2026-09-30.pdf; a draft's ends
    in -DRAFT, so the file says what it is wherever it is saved or forwarded."""
    name = ascii_slug(organization) or "organization"
    kind, language = ascii_slug(kind), ascii_slug(language)
    mark = f"-{DRAFT_FILE_MARK}" if draft else ""
    return f"{name}-cx-report-{kind}-{language}-{reference_date.isoformat()}{mark}.pdf"


# --- URL fetcher ------------------------------------------------------------------------------


def _static_roots() -> list[Path]:
    """The directories the static-file finders search (project and app static folders)."""
    return [
        Path(storage.location).resolve()
        for finder in finders.get_finders()
        for storage in getattr(finder, "storages", {}).values()
    ]


def static_file(*, url: str) -> Path:
    """The file behind a `cx-static:<path>` URL, if it is one of this app's static files.

    Raises ValueError for any other scheme (file, http, data…), for paths that climb out of
    the static folders and for files that do not exist.
    """
    scheme, separator, rest = url.partition(":")
    if not separator or scheme.lower() != STATIC_SCHEME:
        raise ValueError(f"Refused to fetch {url!r}: reports may only load {STATIC_SCHEME}: static files")
    relative = unquote(rest.split("?", 1)[0].split("#", 1)[0]).lstrip("/")
    if not relative or any(part in ("", ".", "..") for part in relative.split("/")) or "\\" in relative:
        raise ValueError(f"Refused to fetch {url!r}: not a plain static path")
    try:
        found = finders.find(relative)
    except SuspiciousFileOperation as error:
        raise ValueError(f"Refused to fetch {url!r}: {error}") from error
    if not found:
        raise ValueError(f"Refused to fetch {url!r}: no such static file")
    path = Path(found).resolve()
    if not path.is_file() or not any(path.is_relative_to(root) for root in _static_roots()):
        raise ValueError(f"Refused to fetch {url!r}: outside the static folders")
    return path


# A logo inline: stored PNG or cleaned SVG, carried in the context (assessment.branding).
INLINE_LOGO = re.compile(r"^data:(image/png|image/svg\+xml);base64,")


class StaticFileFetcher(URLFetcher):
    """Serves this app's static files and the inline logos to WeasyPrint, nothing else (no
    network, no disk)."""

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if match := INLINE_LOGO.match(url):  # the logos (assessment.branding.logo_data_uri)
            body = base64.b64decode(url[match.end() :], validate=True)
            return URLFetcherResponse(url, body=body, headers={"Content-Type": match.group(1)})
        path = static_file(url=url)
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime_type})


def static_url(*, path: str) -> str:
    return f"{STATIC_SCHEME}:{path}"


# --- template context ------------------------------------------------------------------------


def _footer() -> dict[str, str]:
    """The translated "Page N of M" split around its two numbers, which CSS counters fill in.
    The parts lose their outer spaces in the margin boxes; the stylesheet puts them back."""
    numbers = {"page": "\x00", "pages": "\x01"}
    try:
        text = _(PAGE_OF) % numbers
    except (KeyError, ValueError, TypeError):  # a broken translation: English, as Django does
        text = PAGE_OF % numbers
    before, _page, rest = text.partition("\x00")
    middle, _pages, after = rest.partition("\x01")
    return {"before": before.strip(), "middle": middle.strip(), "after": after.strip()}


def _sections(*, context: dict) -> list[dict]:
    """The table of contents: id and title of every section the report kind shows."""
    kind = context["kind"]
    if kind == "comparison":
        entries = [
            ("comparison", _("Overall change")),
            ("areas", _("Maturity by area")),
            ("indicator-changes", _("Changes by indicator")),
            ("metric-changes", _("Customer metrics and KPIs")),
        ]
        if (context["comparison"] or {}).get("action_plan"):
            entries.append(("action-plan-results", _("Action plan results")))
        return [{"id": key, "title": title, "sub": False} for key, title in entries]
    entries = [
        ("summary", _("Executive summary")),
        ("level", _("Maturity level")),
        ("areas", _("Maturity by area")),
    ]
    sections = [{"id": key, "title": title, "sub": False} for key, title in entries]
    if kind == "executive":
        return [*sections, {"id": "next-level", "title": _("Reaching the next level"), "sub": False}]
    sections += [
        {"id": f"area-{area['code']}", "title": area["name"], "sub": True} for area in context["areas"]
    ]
    entries = [
        ("strengths", _("Strengths and improvement zones")),
        ("next-level", _("Reaching the next level")),
        ("gaps", _("Perception gaps")),
        ("customers", _("Customer loyalty and retention")),
    ]
    if context.get("churn_model"):
        entries.append(("churn-risk", _("Churn risk")))
    if context.get("key_drivers"):
        entries.append(("key-drivers", _("What moves the NPS rating")))
    if context.get("themes"):
        entries.append(("themes", _("Themes of open comments")))
    entries.append(("roadmap", _("Roadmap")))
    # The roadmap's table leaves each initiative's actions to a section of their own, so that
    # the roadmap itself stays short enough to read at a glance.
    if any(item.get("actions") for item in context["roadmap"]):
        entries.append(("roadmap-actions", _("Actions by initiative")))
    if context["comparison"]:
        entries.append(("comparison", _("Comparison with the baseline")))
    entries.append(("methodology", _("Methodology")))
    return sections + [{"id": key, "title": title, "sub": key == "roadmap-actions"} for key, title in entries]


def _areas(*, context: dict) -> list[dict]:
    """The areas with their change since the baseline (None where either score is missing) and
    their coverage in per cent."""
    return [
        {
            **area,
            "delta": None
            if area["score"] is None or area.get("baseline_score") is None
            else area["score"] - area["baseline_score"],
            "coverage_percent": None if area["coverage"] is None else 100 * area["coverage"],
        }
        for area in context["areas"]
    ]


def _gap_groups(*, context: dict) -> list[dict]:
    groups = (
        ("management_vs_frontline", _("Management and frontline"), _("Management"), _("Frontline")),
        ("employees_vs_customers", _("Employees and customers"), _("Employees"), _("Customers")),
    )
    return [
        {
            "title": title,
            "first": first,
            "second": second,
            "rows": [gap for gap in context["gaps"] if gap["kind"] == kind],
        }
        for kind, title, first, second in groups
    ]


@dataclass(frozen=True)
class ThresholdRow:
    """A metric's data-evidence thresholds as the methodology lists them."""

    metric: CustomerMetric
    edges: tuple[float, ...]

    @property
    def label(self):
        return self.metric.label

    @property
    def higher_is_better(self) -> bool:
        return self.metric.higher_is_better


def _threshold_rows(*, context: dict) -> list[ThresholdRow]:
    """Every metric of the registry with thresholds, with those in force for the assessment."""
    thresholds = context["methodology"]["thresholds"]
    return [
        ThresholdRow(metric=entry, edges=tuple(thresholds[entry.key]))
        for entry in evidence_metrics()
        if entry.key in thresholds
    ]


def _kpi_rows(*, context: dict) -> list[MetricValue]:
    """The KPIs with their unit and precision from the registry (KeyError for an unknown code)."""
    return [MetricValue(metric=metric(row["code"]), value=row["value"]) for row in context["kpis"]]


def _comparison(comparison: dict | None) -> dict | None:
    """The comparison's metric and KPI rows with the precision their metric is shown with; a
    KPI taken from the customer data in both assessments is left out of the KPI rows, where it
    would repeat its customer-metric row."""
    if comparison is None:
        return None

    def shown(rows: list[dict]) -> list[dict]:
        return [{**row, "precision": metric(row["code"]).precision} for row in rows]

    metric_values = {row["code"]: (row["before"], row["after"]) for row in comparison["metrics"]}
    kpis = [
        row for row in comparison["kpis"] if metric_values.get(row["code"]) != (row["before"], row["after"])
    ]
    return {**comparison, "metrics": shown(comparison["metrics"]), "kpis": shown(kpis)}


def chart_labels() -> dict[str, dict[str, str]]:
    return {
        "radar": {
            "current": _("This assessment"),
            "baseline": _("Baseline"),
            "insufficient": _("Insufficient evidence"),
            "coverage": _("coverage %(percent)s %%"),
        },
        "scale": {"current": _("Now"), "baseline": _("Baseline"), "preliminary": _("preliminary")},
        "servqual": {
            "reliability": _("Reliability"),
            "responsiveness": _("Responsiveness"),
            "assurance": _("Assurance"),
            "empathy": _("Empathy"),
            "tangibles": _("Tangibles"),
        },
        "quadrant": {
            "fix": _("Important, rated low: act first"),
            "keep": _("Important, rated well: keep"),
            "maybe_overdone": _("Less important, rated well"),
            "low_priority": _("Less important, rated low"),
            "importance": _("Share of R², %"),
            "performance": _("Rating, 0–100"),
        },
        "loyalty": {
            "loyal": _("Loyal"),
            "satisfied": _("Satisfied"),
            "captive": _("Captive"),
            "disloyal": _("Disloyal"),
            "high_load": _("High product load"),
            "low_load": _("Low product load"),
            "satisfied_axis": _("Satisfied customers"),
            "not_satisfied_axis": _("Not satisfied"),
            "unclassified": _("Unclassified"),
        },
        "nps": {
            "promoters": _("Promoters"),
            "passives": _("Passives"),
            "detractors": _("Detractors"),
            "score": _("NPS"),
        },
        "activity": {
            "active": _("Active"),
            "passive": _("Passive"),
            "at_risk": _("At risk"),
            "churned": _("Churned"),
        },
    }


def _safe(svg: str) -> str:
    # Only SVG that charts.py generated is marked safe; matplotlib escaped the labels in it.
    return mark_safe(svg)  # noqa: S308


def customer_charts(*, customer: dict | None, labels: dict) -> dict[str, str]:
    """Charts of the customer metrics that have data; a missing metric gets no chart."""
    customer = customer or {}
    result = {}
    # Each NPS has a chart of its own: the two are never drawn on one scale as one figure.
    for key in ("nps", "nps_transactional"):
        if customer.get(key):
            result[key] = charts.nps_chart(nps=customer[key], labels=labels["nps"])
    if customer.get("servqual"):
        gaps = customer["servqual"]["gaps"]
        result["servqual"] = charts.servqual_gaps(
            gaps={name: gaps.get(key) for key, name in labels["servqual"].items()}
        )
    if customer.get("loyalty_types"):
        result["loyalty"] = charts.loyalty_matrix(types=customer["loyalty_types"], labels=labels["loyalty"])
    if customer.get("activity"):
        result["activity"] = charts.activity_chart(activity=customer["activity"], labels=labels["activity"])
    return result


def _charts(*, context: dict) -> dict[str, str]:
    """The charts the report kind shows, as safe SVG strings."""
    labels = chart_labels()
    comparison = context["comparison"]
    with_baseline = comparison is not None and any(
        area.get("baseline_score") is not None for area in context["areas"]
    )
    result = {
        "radar": charts.radar_chart(
            areas=context["areas"],
            labels=labels["radar"],
            baseline=[area.get("baseline_score") for area in context["areas"]] if with_baseline else None,
            **RADAR_SIZES[context["kind"]],
        ),
        "level_scale": charts.level_scale(
            score=context["overall"]["score"],
            levels=context["levels"],
            baseline=comparison["overall"]["before"] if comparison else None,
            labels=labels["scale"],
            preliminary=context["overall"]["preliminary"],
        ),
    }
    roadmap = _shown_roadmap(context=context)
    if roadmap:
        result["roadmap"] = charts.roadmap_timeline(
            items=roadmap, horizon_labels={horizon: str(label) for horizon, label in Horizon.choices}
        )
    if context["kind"] == "full":
        result.update(customer_charts(customer=context["customer"], labels=labels))
        if context.get("key_drivers"):
            drivers = context["key_drivers"]["drivers"]
            result["drivers"] = charts.driver_quadrant(drivers=drivers, labels=labels["quadrant"])
    elif context["kind"] == "executive" and (context["customer"] or {}).get("nps"):
        result["nps"] = charts.nps_chart(nps=context["customer"]["nps"], labels=labels["nps"])
    return {key: _safe(svg) for key, svg in result.items()}


def _shown_roadmap(*, context: dict) -> list[dict]:
    """The roadmap items the report kind shows: all in the full report, the first few in the
    executive summary, none in the comparison."""
    if context["kind"] == "full":
        return context["roadmap"]
    if context["kind"] == "executive":
        return context["roadmap"][:EXECUTIVE_ROADMAP]
    return []


def _area_findings(*, context: dict, area: str, limit: int | None = None) -> dict:
    """The area's findings (the texts of its strengths and of its improvement zones, at most
    `limit` of each) and its quotes; contexts built without them have none."""
    findings = [finding for finding in context.get("findings", []) if finding["area"] == area]
    return {
        "strengths": [finding["text"] for finding in findings if finding["kind"] == "strength"][:limit],
        "improvements": [finding["text"] for finding in findings if finding["kind"] == "improvement"][:limit],
        "quotes": [quote for quote in context.get("quotes", []) if quote["area"] == area],
    }


def _area_pages(*, context: dict, areas: list[dict], indicators: list[dict]) -> list[dict]:
    pages = []
    for area in areas:
        own = [indicator for indicator in indicators if indicator["area"] == area["code"]]
        pages.append(
            {
                "area": area,
                "title": area["name"],
                "indicators": own,
                # Scored without enough evidence: the chart hatches their bars.
                "uncovered": sum(not item["covered"] and item["score"] is not None for item in own),
                "chart": _safe(charts.indicator_bars(indicators=own, edges=context["level_edges"])),
                "findings": _area_findings(context=context, area=area["code"]),
            }
        )
    return pages


def _template_context(*, context: dict) -> dict:
    """The context plus what the template cannot compute: charts, sections, groupings."""
    comparison = context["comparison"]
    overall = comparison["overall"] if comparison else {}
    sections = _sections(context=context)
    # A context built without branding (the tests' own) shows the product's name.
    branding = context.get("branding") or {"firm_name": str(DEFAULT_FIRM_NAME)}
    result = {
        **context,
        "kpis": _kpi_rows(context=context),
        "comparison": _comparison(comparison),
        # Loyalty criteria and CSI bands (docs/methods.md §7.1, §7.6), said where the report explains them.
        "satisfied_at": SATISFIED_AT,
        "csi_bands": dict(CSI_BANDS),
        "areas": _areas(context=context),
        "branding": branding,
        "brand": branding["firm_name"],
        "stylesheet_url": static_url(path=STYLESHEET),
        "footer": _footer(),
        "sections": sections,
        "titles": {section["id"].replace("-", "_"): section["title"] for section in sections},
        "charts": _charts(context=context),
        "level_change": (overall["level_after"] - overall["level_before"])
        if overall.get("level_after") and overall.get("level_before")
        else None,
    }
    if context["kind"] == "executive":
        result["top_strengths"] = context["strengths"][:EXECUTIVE_TOP]
        result["top_zones"] = context["improvement_zones"][:EXECUTIVE_TOP]
        result["top_roadmap"] = _shown_roadmap(context=context)
        briefs = [
            {"area": area, **_area_findings(context=context, area=area["code"], limit=EXECUTIVE_FINDINGS)}
            for area in result["areas"]
        ]
        result["area_findings"] = [brief for brief in briefs if brief["strengths"] or brief["improvements"]]
        area_names = {area["code"]: area["name"] for area in result["areas"]}
        result["top_quotes"] = [
            {**quote, "area_name": area_names.get(quote["area"], quote["area"])}
            for quote in context.get("quotes", [])[:EXECUTIVE_QUOTES]
        ]
    elif context["kind"] == "full":
        result["area_pages"] = _area_pages(
            context=context, areas=result["areas"], indicators=context["indicators"]
        )
        result["gap_groups"] = _gap_groups(context=context)
        result["threshold_rows"] = _threshold_rows(context=context)
    return result


# --- rendering --------------------------------------------------------------------------------


def report_html(*, context: dict, draft: bool = False) -> str:
    """The report as HTML in the context's language, charts inlined as SVG; a draft (rendered
    before the assessment is published) carries a DRAFT mark on every page."""
    with translation.override(context["language"]):
        return render_to_string(TEMPLATE, {**_template_context(context=context), "draft": draft})


def report_pdf(*, html: str) -> bytes:
    """The HTML as a PDF; only this app's static files can be loaded."""
    document = HTML(string=html, base_url=f"{STATIC_SCHEME}:/", url_fetcher=StaticFileFetcher())
    return document.write_pdf(font_config=FONT_CONFIG)
