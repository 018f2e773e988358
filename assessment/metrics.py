"""The customer metrics, each declared once (docs/methods.md §7–§9).

Everything else derives from METRICS: the import's value ranges per survey instrument
(assessment.customer_files), the data evidence — default thresholds and the level a value
reaches (assessment.scoring), the values indicators take evidence from (assessment.customer_data)
—, the business KPIs (assessment.kpis), the comparison's metric rows (reports.comparison), the
metric conditions a recommendation may name (reports.recommendations), the threshold table of
the methodology and the metric tables of the dashboard and the reports. Adding a metric is one
declaration here plus its computation (assessment.loyalty), its label's translation and, when
indicators take evidence from it, its catalog binding (surveys.models.Metric).

A lookup of an unknown key raises KeyError naming it: a metric missing here fails loudly, never
as a silent None.

Pure: no ORM, no request. The catalog's binding of an indicator to a metric,
surveys.models.Metric, stays in surveys, below this app (which may not import upwards); instead
every Metric value must be the `informs` of an entry here — `binding_problems` says which are
not, and a system check (assessment.apps) and tests/assessment/test_metrics.py run it.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Literal

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessment.method import METHODS

# "%": a percentage, changes read in percentage points; "points": a score on its own scale
# (NPS, −100…100), changes read in points; "money": an amount in the assessment's currency
# (shown with its code where one is set); "": a plain number (an index, a ratio).
Unit = Literal["%", "points", "money", ""]
UNITS: tuple[str, ...] = ("%", "points", "money", "")
# Data evidence turns a value into a level 1–5 by four thresholds: the lowest values of levels
# 2, 3, 4 and 5 (the highest values, for a metric where lower is better).
THRESHOLD_COUNT = 4
# The level a metric's 95 % interval is read towards (evidence_level): the middle of the five.
MIDDLE_LEVEL = 3
PERCENT_SCALE = 100.0
# The values a consultant may enter, by unit, where a metric declares no bounds of its own: a
# plain number (an amount of money, a ratio) within ±UNBOUNDED_ENTRY keeps every difference and
# ratio computed from it a finite number that can be shown.
UNIT_BOUNDS: dict[str, tuple[float, float]] = {"%": (0.0, 100.0), "points": (-100.0, 100.0)}
UNBOUNDED_ENTRY = 1e12


def thresholds_problem(edges, *, higher_is_better: bool) -> str | None:
    """Why `edges` cannot be a metric's thresholds (None if they can): four numbers, strictly
    rising (strictly falling where lower is better)."""
    if len(edges) != THRESHOLD_COUNT:
        return f"give {THRESHOLD_COUNT} thresholds, not {len(edges)}"
    if any(isinstance(edge, bool) or not isinstance(edge, (int, float)) for edge in edges):
        return "thresholds must be numbers"
    steps = [later - earlier for earlier, later in pairwise(edges)]
    if not all(step > 0 if higher_is_better else step < 0 for step in steps):
        return "thresholds must rise strictly" if higher_is_better else "thresholds must fall strictly"
    return None


@dataclass(frozen=True)
class Instrument:
    """A survey instrument (the `instrument` column of the customer survey file) whose answers
    the metric is computed from, and the range a valid answer lies in (both ends included)."""

    code: str
    low: float
    high: float


@dataclass(frozen=True)
class CustomerMetric:
    """One customer metric or business KPI.

    key: its code everywhere (API fields, KPI codes, threshold overrides, comparison rows).
    label: what people read, translated lazily (English and, in locale/, Russian).
    unit: see Unit. precision: the decimals it is shown with.
    higher_is_better: the direction of improvement; also the direction of its thresholds.
    path: (section, field) of its value in the stored customer-metrics dict
        (assessment.loyalty.customer_metrics); None for a KPI only the consultant enters.
    segment_path: where its value is in each `by_segment` entry; None: not given per segment.
    thresholds: the data-evidence thresholds (docs/methods.md §8), the defaults an assessment may
        override; None: the metric gives no data evidence.
    sample: the field beside the value (in the same section) that counts what the value was
        computed from — ratings, answering clients, visits, clients at the period's start.
    min_sample: the default sample a value needs to count as data evidence (docs/methods.md
        §3.4); an assessment may set its own (assessment.sufficiency). 0: any value counts. Below
        it the value is still shown, with its sample, but gives no evidence.
    interval: the field beside the value (in the same section) holding its 95 % interval
        [low, high]; under method 2 its level as evidence is read from that interval
        (evidence_level). None: read from the value.
    evidence_versions: the versions of the method (assessment.method) under which it gives
        data evidence and counts in the outcomes index; None: every version.
    version_thresholds: (version, thresholds) for the versions whose default thresholds differ
        from `thresholds` (see registry_of).
    signed: shown with its sign (a gap around 0, such as the SERVQUAL index).
    kpi: one of the business KPIs (docs/methods.md §9.1): with a path, taken from the metrics
        unless the consultant enters a value; without, entered by the consultant.
    comparable: in the re-assessment's table of customer metrics (docs/methods.md §9.2).
    informs: the catalog binding (a surveys.models.Metric value) of the indicators this metric
        gives data evidence for; None: it informs no indicator.
    instruments: the survey instruments it is computed from, with their answer ranges.
    bounds: the lowest and highest value a consultant may enter for it as a KPI (both ends
        included); None: those of its unit (see `entry_bounds`).
    """

    key: str
    label: Promise
    unit: Unit
    precision: int
    higher_is_better: bool = True
    path: tuple[str, str] | None = None
    segment_path: tuple[str, ...] | None = None
    thresholds: tuple[float, float, float, float] | None = None
    sample: str | None = None
    min_sample: int = 0
    interval: str | None = None
    evidence_versions: tuple[int, ...] | None = None
    version_thresholds: tuple[tuple[int, tuple[float, float, float, float]], ...] = ()
    signed: bool = False
    kpi: bool = False
    comparable: bool = False
    informs: str | None = None
    instruments: tuple[Instrument, ...] = ()
    bounds: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        problems = []
        if self.unit not in UNITS:
            problems.append(f"unit {self.unit!r} is none of {UNITS}")
        if self.precision < 0:
            problems.append("precision below 0")
        if self.path is None and not self.kpi:
            problems.append("without a path it can only be a KPI the consultant enters")
        if self.path is None and (self.comparable or self.thresholds or self.segment_path or self.sample):
            problems.append("comparison, thresholds, segments and samples need a path")
        if self.thresholds is not None:
            problem = thresholds_problem(self.thresholds, higher_is_better=self.higher_is_better)
            if problem:
                problems.append(f"thresholds {self.thresholds}: {problem}")
        if self.informs and self.thresholds is None:
            problems.append("informs indicators but has no thresholds to give evidence by")
        if self.interval and self.path is None:
            problems.append("an interval needs a path")
        for version, edges in self.version_thresholds:
            problem = thresholds_problem(edges, higher_is_better=self.higher_is_better)
            if problem or self.thresholds is None:
                problems.append(f"thresholds of method {version} {edges}: {problem or 'no default ones'}")
        if self.min_sample < 0 or (self.min_sample and not self.sample):
            problems.append("a minimum sample needs a sample field and cannot be negative")
        if self.bounds is not None and not self.bounds[0] < self.bounds[1]:
            problems.append(f"bounds {self.bounds} are empty")
        if any(not instrument.low < instrument.high for instrument in self.instruments):
            problems.append("an instrument's range is empty")
        if problems:
            raise ValueError(f"customer metric {self.key!r}: " + "; ".join(problems))

    @property
    def scale(self) -> float | None:
        """The span the metric moves on, to read how far a value is past a threshold in
        comparable terms (reports.recommendations): the span of its level thresholds, level 2
        to level 5 (NPS 70, CSI 40…); 100 for another percentage; None: no known span."""
        if self.thresholds is not None:
            return abs(self.thresholds[-1] - self.thresholds[0])
        return PERCENT_SCALE if self.unit == "%" else None

    @property
    def entry_bounds(self) -> tuple[float, float]:
        """The range a value entered by a consultant must lie in: `bounds`, or by the unit: a
        percentage 0–100, a score in points −100…100 (NPS), a plain number ±UNBOUNDED_ENTRY."""
        if self.bounds is not None:
            return self.bounds
        return UNIT_BOUNDS.get(self.unit, (-UNBOUNDED_ENTRY, UNBOUNDED_ENTRY))

    @property
    def dotted_path(self) -> str | None:
        """The path as a recommendation trigger names it: "nps.score"."""
        return ".".join(self.path) if self.path else None


METRICS: tuple[CustomerMetric, ...] = (
    # NPS of the relationship: how likely clients are to recommend the bank as a whole. `nps`
    # rows are read as relationship ratings, as they were before the two kinds were told apart.
    # It is the NPS of data evidence, the outcomes index, the KPIs, the comparison, the loyalty
    # criterion and the roadmap's triggers (docs/methods.md §7.2).
    CustomerMetric(
        key="nps",
        label=_("NPS (relationship)"),
        unit="points",
        precision=0,
        path=("nps", "score"),
        segment_path=("nps", "score"),
        thresholds=(-20.0, 0.0, 20.0, 50.0),
        sample="n",
        min_sample=100,
        interval="ci95",
        kpi=True,
        comparable=True,
        informs="nps",
        instruments=(Instrument("nps", 0, 10), Instrument("nps_relationship", 0, 10)),
    ),
    # NPS of single interactions (asked after a visit, a call, an application), from its own
    # rows only and never pooled with the relationship's: it rates one contact, runs higher
    # than the relationship NPS and depends on which contacts were surveyed, so the thresholds,
    # KPI and loyalty criterion set for the relationship NPS do not apply to it, and two
    # assessments' values compare only when the same contacts were surveyed. Shown, not scored.
    CustomerMetric(
        key="nps_transactional",
        label=_("NPS (transactional)"),
        unit="points",
        precision=0,
        path=("nps_transactional", "score"),
        segment_path=("nps_transactional", "score"),
        sample="n",
        instruments=(Instrument("nps_transactional", 0, 10),),
    ),
    CustomerMetric(
        key="csi",
        label=_("CSI, %"),
        unit="%",
        precision=1,
        path=("csi", "score"),
        segment_path=("csi", "score"),
        # Method 2 splits the 25 points under 75 % into two levels and tops out at 80 %, where
        # satisfaction is high (docs/methods.md §8); method 1 kept its first thresholds.
        thresholds=(50.0, 62.5, 75.0, 80.0),
        version_thresholds=((1, (50.0, 75.0, 80.0, 90.0)),),
        sample="n",
        min_sample=100,
        interval="ci95",
        kpi=True,
        comparable=True,
        informs="csi",
        instruments=(Instrument("csi", 1, 5),),
    ),
    CustomerMetric(
        key="servqual",
        label=_("SERVQUAL index"),
        unit="",
        precision=2,
        path=("servqual", "index"),
        thresholds=(-2.0, -1.0, 0.0, 0.5),
        # Clients who answered both the expectation and the perception questionnaire.
        sample="paired",
        min_sample=50,
        interval="ci95",
        signed=True,
        comparable=True,
        informs="servqual",
        # Method 2 reads the gap relative to the expectations instead (servqual_gap).
        evidence_versions=(1,),
        instruments=(Instrument("servqual_expectation", 1, 5), Instrument("servqual_perception", 1, 5)),
    ),
    # The SERVQUAL gap as a share of what clients expect: the sum of the five gaps over the sum
    # of the five mean expectations, in %. Expectations run near the top of the scale, so an
    # index at or above 0 is rare and its fixed steps mean more on a low expectation than on a
    # high one; relative to the expectations, the bands read alike for any (docs/methods.md §8).
    CustomerMetric(
        key="servqual_gap",
        label=_("SERVQUAL gap relative to expectations, %"),
        unit="%",
        precision=1,
        path=("servqual", "relative"),
        thresholds=(-20.0, -10.0, -5.0, 0.0),
        sample="paired",
        min_sample=50,
        interval="relative_ci95",
        signed=True,
        comparable=True,
        informs="servqual",
        evidence_versions=(2,),
    ),
    CustomerMetric(
        key="mystery_shopping",
        label=_("Mystery-shopping compliance, %"),
        unit="%",
        precision=1,
        path=("mystery_shopping", "compliance"),
        thresholds=(50.0, 70.0, 85.0, 95.0),
        sample="visits",
        min_sample=10,
        interval="ci95",
        comparable=True,
        informs="mystery_shopping",
    ),
    CustomerMetric(
        key="churn_rate",
        label=_("Churn rate, %"),
        unit="%",
        precision=1,
        higher_is_better=False,
        path=("churn", "rate"),
        segment_path=("churn", "rate"),
        # Annual churn of retail bank clients: a third leaving is a bank losing its base, under
        # a tenth one that keeps it (docs/methods.md §8).
        thresholds=(30.0, 20.0, 12.0, 8.0),
        sample="active_at_start",
        min_sample=100,
        interval="ci95",
        kpi=True,
        comparable=True,
        informs="churn",
    ),
    CustomerMetric(
        key="loyal_share",
        label=_("Loyal clients among the surveyed, %"),
        unit="%",
        precision=1,
        path=("loyalty_shares", "loyal"),
        thresholds=(10.0, 20.0, 35.0, 50.0),
        sample="classified",
        min_sample=100,
        interval="loyal_ci95",
        comparable=True,
    ),
    CustomerMetric(
        key="disloyal_share",
        label=_("Disloyal clients among the surveyed, %"),
        unit="%",
        precision=1,
        higher_is_better=False,
        path=("loyalty_shares", "disloyal"),
        thresholds=(40.0, 30.0, 20.0, 10.0),
        sample="classified",
        min_sample=100,
        interval="disloyal_ci95",
        comparable=True,
    ),
    CustomerMetric(
        key="product_load",
        label=_("Product load"),
        unit="",
        precision=2,
        path=("product_load", "overall"),
        segment_path=("product_load",),
        comparable=True,
    ),
    CustomerMetric(
        key="clv",
        label=_("Customer lifetime value"),
        unit="money",
        precision=0,
        path=("clv", "overall"),
        segment_path=("clv",),
        comparable=True,
    ),
    # Business KPIs only the consultant enters (docs/methods.md §9.1).
    CustomerMetric(
        key="average_deposit",
        label=_("Average deposit"),
        unit="money",
        precision=0,
        kpi=True,
        bounds=(0.0, UNBOUNDED_ENTRY),
    ),
    CustomerMetric(
        key="repeat_purchase_conversion",
        label=_("Repeat-purchase conversion, %"),
        unit="%",
        precision=1,
        kpi=True,
    ),
    # Operational data (docs/methods.md §7.10, thresholds §8): method 2 only, in its outcomes
    # index and as data evidence of the indicators of the second catalog edition bound to them.
    # Complaints opened within the period per 1,000 clients active at its end, a year's worth: a
    # KPI from the data unless the consultant enters it.
    CustomerMetric(
        key="complaints_per_1000",
        label=_("Complaints per 1,000 clients"),
        unit="",
        precision=1,
        higher_is_better=False,
        path=("complaints", "per_1000"),
        thresholds=(20.0, 10.0, 5.0, 2.0),
        sample="clients",
        min_sample=1000,
        interval="per_1000_ci95",
        evidence_versions=(2,),
        kpi=True,
        comparable=True,
        bounds=(0.0, 1_000_000.0),
        informs="complaints",
    ),
    CustomerMetric(
        key="complaint_resolution_days",
        label=_("Median days to close a complaint"),
        unit="",
        precision=1,
        higher_is_better=False,
        path=("complaints", "median_resolution_days"),
        thresholds=(15.0, 10.0, 5.0, 2.0),
        sample="closed",
        min_sample=30,
        evidence_versions=(2,),
        comparable=True,
        informs="complaint_resolution",
    ),
    CustomerMetric(
        key="complaints_regulator_share",
        label=_("Complaints that went to the regulator, %"),
        unit="%",
        precision=1,
        higher_is_better=False,
        path=("complaints", "regulator_share"),
        thresholds=(20.0, 10.0, 5.0, 2.0),
        sample="count",
        min_sample=30,
        interval="regulator_ci95",
        evidence_versions=(2,),
        comparable=True,
        informs="regulator_complaints",
    ),
    CustomerMetric(
        key="service_level",
        label=_("Contact-centre service level, %"),
        unit="%",
        precision=1,
        path=("contact_centre", "service_level"),
        thresholds=(60.0, 70.0, 80.0, 90.0),
        sample="offered",
        min_sample=1000,
        interval="service_level_ci95",
        evidence_versions=(2,),
        comparable=True,
        informs="service_level",
    ),
    CustomerMetric(
        key="abandonment",
        label=_("Abandoned calls, %"),
        unit="%",
        precision=1,
        higher_is_better=False,
        path=("contact_centre", "abandonment"),
        thresholds=(15.0, 10.0, 5.0, 3.0),
        sample="offered",
        min_sample=1000,
        interval="abandonment_ci95",
        evidence_versions=(2,),
        comparable=True,
    ),
    CustomerMetric(
        key="fcr",
        label=_("First-contact resolution, %"),
        unit="%",
        precision=1,
        path=("contact_centre", "fcr"),
        thresholds=(50.0, 60.0, 70.0, 80.0),
        sample="answered",
        min_sample=1000,
        interval="fcr_ci95",
        evidence_versions=(2,),
        comparable=True,
        informs="first_contact_resolution",
    ),
)

# A registry: METRICS, or another sequence of declarations (tests pass their own).
Registry = Sequence[CustomerMetric]


def _checked(registry: tuple[CustomerMetric, ...]) -> tuple[CustomerMetric, ...]:
    keys = [entry.key for entry in registry]
    duplicated = sorted({key for key in keys if keys.count(key) > 1})
    if duplicated:
        raise ValueError(f"customer metrics declared twice: {', '.join(duplicated)}")
    for version in METHODS:
        bindings = [entry.informs for entry in registry_of(version, registry) if entry.informs]
        twice = sorted({binding for binding in bindings if bindings.count(binding) > 1})
        if twice:
            raise ValueError(f"catalog metrics informed twice under method {version}: {', '.join(twice)}")
    instruments = [instrument.code for entry in registry for instrument in entry.instruments]
    shared = sorted({code for code in instruments if instruments.count(code) > 1})
    if shared:
        raise ValueError(f"survey instruments feeding two metrics: {', '.join(shared)}")
    return registry


def _entries(registry: Registry | None) -> Registry:
    """`registry`, or METRICS as it is when called (so a test may swap it)."""
    return METRICS if registry is None else registry


def registry_of(version: int, registry: Registry | None = None) -> tuple[CustomerMetric, ...]:
    """The registry as a version of the method reads it: each metric with its default
    thresholds for that version, and a metric that gives no evidence under it without
    thresholds or binding. Every function here taking a registry then answers for that version."""
    return tuple(_as_of(entry, version) for entry in _entries(registry))


def _as_of(entry: CustomerMetric, version: int) -> CustomerMetric:
    if entry.evidence_versions is not None and version not in entry.evidence_versions:
        return replace(entry, thresholds=None, informs=None, version_thresholds=())
    if not entry.version_thresholds:
        return entry
    thresholds = dict(entry.version_thresholds).get(version, entry.thresholds)
    return replace(entry, thresholds=thresholds, version_thresholds=())


_checked(METRICS)


def metric(key: str, registry: Registry | None = None) -> CustomerMetric:
    """The metric `key`; KeyError naming the key (and the known ones) if there is none."""
    for entry in _entries(registry):
        if entry.key == key:
            return entry
    known = ", ".join(entry.key for entry in _entries(registry))
    raise KeyError(f"unknown customer metric {key!r} (known: {known})")


def kpi_metrics(registry: Registry | None = None) -> tuple[CustomerMetric, ...]:
    """The business KPIs, in registry order."""
    return tuple(entry for entry in _entries(registry) if entry.kpi)


def comparable_metrics(registry: Registry | None = None) -> tuple[CustomerMetric, ...]:
    """The customer metrics of the re-assessment comparison, in registry order."""
    return tuple(entry for entry in _entries(registry) if entry.comparable)


def computed_metrics(registry: Registry | None = None) -> tuple[CustomerMetric, ...]:
    """The metrics computed from the customer data (those with a path), in registry order."""
    return tuple(entry for entry in _entries(registry) if entry.path is not None)


def segment_metrics(registry: Registry | None = None) -> tuple[CustomerMetric, ...]:
    """The metrics given per customer segment, in registry order."""
    return tuple(entry for entry in _entries(registry) if entry.segment_path is not None)


def evidence_metrics(registry: Registry | None = None) -> tuple[CustomerMetric, ...]:
    """The metrics that can give data evidence (those with thresholds)."""
    return tuple(entry for entry in _entries(registry) if entry.thresholds is not None)


def default_thresholds(registry: Registry | None = None) -> dict[str, tuple[float, ...]]:
    """Metric key → its default data-evidence thresholds (docs/methods.md §8)."""
    return {entry.key: entry.thresholds for entry in evidence_metrics(registry)}


def instrument_ranges(registry: Registry | None = None) -> dict[str, tuple[float, float]]:
    """Survey instrument → (lowest, highest) valid answer, over every metric's instruments."""
    return {
        instrument.code: (instrument.low, instrument.high)
        for entry in _entries(registry)
        for instrument in entry.instruments
    }


def catalog_bindings(registry: Registry | None = None) -> dict[str, CustomerMetric]:
    """Catalog binding (a surveys.models.Metric value) → the metric that informs it."""
    return {entry.informs: entry for entry in _entries(registry) if entry.informs}


def catalog_binding(value: str, registry: Registry | None = None) -> CustomerMetric:
    """The metric that informs a catalog binding; KeyError naming the binding if none does."""
    informed = catalog_bindings(registry)
    if value not in informed:
        raise KeyError(f"no customer metric informs the catalog metric {value!r}")
    return informed[value]


def binding_problems(catalog_values: Iterable[str], registry: Registry | None = None) -> list[str]:
    """What is wrong between the catalog's metric bindings (surveys.models.Metric values) and the
    registry: a binding no metric informs, or a metric informing a binding the catalog lacks."""
    catalog = set(catalog_values)
    informed = catalog_bindings(registry)
    return [
        f"catalog metric {value!r} has no registry entry that informs it"
        for value in sorted(catalog - set(informed))
    ] + [
        f"customer metric {informed[value].key!r} informs {value!r}, which the catalog does not bind"
        for value in sorted(set(informed) - catalog)
    ]


# --- values -------------------------------------------------------------------------------------


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if value == value else None  # NaN is no value


def value_at(data: Mapping | None, path: Iterable[str] | None) -> float | None:
    """The number at `path` in a nested dict; None where anything along it is missing."""
    if path is None:
        return None
    current = data
    for key in path:
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return _number(current)


def sample_at(data: Mapping | None, path: tuple[str, ...] | None, entry: CustomerMetric) -> int | None:
    """The sample beside the value at `path` (its `sample` field in the same section)."""
    if path is None or entry.sample is None or len(path) < 2:
        return None
    sample = value_at(data, (*path[:-1], entry.sample))
    return None if sample is None else int(sample)


def default_min_samples(registry: Registry | None = None) -> dict[str, int]:
    """Metric key → the sample its value needs by default to give data evidence, for every
    metric that can give data evidence (docs/methods.md §3.4)."""
    return {entry.key: entry.min_sample for entry in evidence_metrics(registry)}


def interval_at(data: Mapping | None, entry: CustomerMetric) -> tuple[float, float] | None:
    """The 95 % interval stored beside the metric's value (see CustomerMetric.interval); None
    where the metric has none or the stored metrics predate it."""
    if entry.interval is None or entry.path is None:
        return None
    section = data
    for key in entry.path[:-1]:
        section = section.get(key) if isinstance(section, Mapping) else None
    ends = section.get(entry.interval) if isinstance(section, Mapping) else None
    if not isinstance(ends, (list, tuple)) or len(ends) != 2:
        return None
    low, high = (_number(end) for end in ends)
    return None if low is None or high is None else (low, high)


@dataclass(frozen=True)
class EvidenceSample:
    """A value of a metric that can give data evidence, the sample it was computed from (0 when
    the stored metrics do not say), the sample it needs (evidence only when `sufficient`) and its
    95 % interval where the stored metrics hold one."""

    key: str
    value: float
    sample: int
    minimum: int
    interval: tuple[float, float] | None = None

    @property
    def sufficient(self) -> bool:
        return self.sample >= self.minimum


def evidence_samples(
    metrics: Mapping | None, minimums: Mapping[str, int] | None = None, registry: Registry | None = None
) -> list[EvidenceSample]:
    """The metrics that can give data evidence and have a value, in registry order, each with
    its sample and the minimum in force: `minimums` (an assessment's) over each metric's
    `min_sample`."""
    samples = []
    for entry in evidence_metrics(registry):
        value = value_at(metrics, entry.path)
        if value is None:
            continue
        minimum = (minimums or {}).get(entry.key, entry.min_sample)
        sample = sample_at(metrics, entry.path, entry) or 0
        samples.append(
            EvidenceSample(
                key=entry.key,
                value=value,
                sample=sample,
                minimum=minimum,
                interval=interval_at(metrics, entry),
            )
        )
    return samples


def evidence_values(
    metrics: Mapping | None, minimums: Mapping[str, int] | None = None, registry: Registry | None = None
) -> dict[str, float]:
    """Metric key → value, for the metrics that can give data evidence and have a value on a
    sufficient sample (see evidence_samples)."""
    return {item.key: item.value for item in evidence_samples(metrics, minimums, registry) if item.sufficient}


def metrics_with_samples(metrics: Mapping | None, minimums: Mapping[str, int] | None = None) -> dict | None:
    """The stored customer metrics with, in the section of every metric that can give data
    evidence and has a value, its `sample` and whether it is `sufficient` to be evidence."""
    if metrics is None:
        return None
    result = dict(metrics)
    mixed = _mixed_sample_sections()
    for item in evidence_samples(metrics, minimums):
        section = metric(item.key).path[0]
        judged = {"sample": item.sample, "sufficient": item.sufficient}
        # A section whose metrics count different samples (complaints, contact_centre) also
        # says each one's under `samples` by key; its own `sample` and `sufficient` are the first's.
        first = {} if "sufficient" in result[section] else judged
        samples = (
            {"samples": {**result[section].get("samples", {}), item.key: judged}} if section in mixed else {}
        )
        result[section] = {**result[section], **first, **samples}
    return result


def _mixed_sample_sections(registry: Registry | None = None) -> set[str]:
    """The sections of the stored metrics holding metrics with different sample fields."""
    fields: dict[str, set[str]] = {}
    for entry in evidence_metrics(registry):
        fields.setdefault(entry.path[0], set()).add(entry.sample or "")
    return {section for section, names in fields.items() if len(names) > 1}


@dataclass(frozen=True)
class MetricValue:
    """A metric's value as a page or a report shows it: the value (None: no data), the sample it
    was computed from, and a note and a band (such as the CSI band) where the page has them."""

    metric: CustomerMetric
    value: float | None
    sample: int | None = None
    note: str = ""
    band: str | None = None

    @property
    def key(self) -> str:
        return self.metric.key

    @property
    def label(self) -> Promise:
        return self.metric.label

    @property
    def unit(self) -> str:
        return self.metric.unit

    @property
    def precision(self) -> int:
        return self.metric.precision

    @property
    def signed(self) -> bool:
        return self.metric.signed

    @property
    def section(self) -> str | None:
        """The section of the stored metrics the value comes from ("churn" for churn_rate)."""
        return self.metric.path[0] if self.metric.path else None


def metric_values(metrics: Mapping | None, registry: Registry | None = None) -> list[MetricValue]:
    """Every computed metric's overall value (None: no data) with its sample, in registry order."""
    return [
        MetricValue(
            metric=entry,
            value=value_at(metrics, entry.path),
            sample=sample_at(metrics, entry.path, entry),
        )
        for entry in computed_metrics(registry)
    ]


def segment_metric_values(segment: Mapping | None, registry: Registry | None = None) -> list[MetricValue]:
    """The values of one `by_segment` entry, for every metric given per segment."""
    return [
        MetricValue(
            metric=entry,
            value=value_at(segment, entry.segment_path),
            sample=sample_at(segment, entry.segment_path, entry),
        )
        for entry in segment_metrics(registry)
    ]


# --- thresholds ---------------------------------------------------------------------------------


def thresholds_unknown(overrides: Mapping, registry: Registry | None = None) -> list[str]:
    """The keys of threshold overrides that name no metric with thresholds, sorted."""
    return sorted(set(overrides) - {entry.key for entry in evidence_metrics(registry)})


def thresholds_messages(overrides: Mapping, registry: Registry | None = None) -> list[str]:
    """What is wrong with an assessment's threshold overrides ({"nps": [-20, 0, 20, 50], …}), in
    the active language; empty when nothing is. Each must name a metric with thresholds and give
    four strictly rising thresholds (strictly falling where lower is better)."""
    unknown = thresholds_unknown(overrides, registry)
    if unknown:
        return [gettext("Unknown metric(s): %(names)s.") % {"names": ", ".join(unknown)}]
    unordered = {
        key: metric(key, registry).higher_is_better
        for key, edges in sorted(overrides.items())
        if not isinstance(edges, (list, tuple))
        or thresholds_problem(edges, higher_is_better=metric(key, registry).higher_is_better)
    }
    messages = []
    rising = [key for key, higher in unordered.items() if higher]
    if rising:
        messages.append(gettext("Thresholds must rise strictly: %(names)s.") % {"names": ", ".join(rising)})
    falling = [key for key, higher in unordered.items() if not higher]
    if falling:
        # Where lower is better, a higher level needs a lower value.
        messages.append(gettext("Thresholds must fall strictly: %(names)s.") % {"names": ", ".join(falling)})
    return messages


def evidence_thresholds(
    overrides: Mapping[str, Iterable[float]] | None = None, registry: Registry | None = None
) -> dict[str, tuple[float, ...]]:
    """Metric key → the thresholds in force: an assessment's overrides over the defaults. An
    override of a metric that gives no evidence under the registry's version of the method
    (registry_of) is not in force; KeyError for an override naming no metric at all."""
    defaults = default_thresholds(registry)
    for key in overrides or {}:
        metric(key, registry)
    return {
        **defaults,
        **{
            key: tuple(float(edge) for edge in edges)
            for key, edges in (overrides or {}).items()
            if key in defaults
        },
    }


def level_reached(entry: CustomerMetric, value: float, edges: Iterable[float] | None = None) -> int:
    """The level 1–5 a value of the metric reaches by its thresholds (the defaults unless
    `edges` are given): one more than the thresholds it reaches — a value exactly on a
    threshold reaches it; where lower is better, a value reaches a threshold at or below it."""
    edges = tuple(entry.thresholds if edges is None else edges)
    if entry.higher_is_better:
        return 1 + sum(value >= edge for edge in edges)
    return 1 + sum(value <= edge for edge in edges)


def evidence_level(
    entry: CustomerMetric,
    value: float,
    edges: Iterable[float] | None = None,
    interval: tuple[float, float] | None = None,
) -> int:
    """The level a metric's value gives as evidence: without an interval, the level it reaches
    (level_reached); with its 95 % interval, the level reached by the end of the interval closer
    to the middle level — the level within the interval's reach nearest MIDDLE_LEVEL — so that a
    small sample cannot claim an extreme level its uncertainty does not rule out (docs/methods.md
    §8)."""
    if interval is None:
        return level_reached(entry, value, edges)
    low, high = sorted(level_reached(entry, end, edges) for end in interval)
    return min(max(MIDDLE_LEVEL, low), high)
