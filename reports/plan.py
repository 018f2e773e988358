"""Where the initiatives of an action plan stand (pure: no ORM). An initiative is overdue once
its due date has passed before it was done or dropped; at risk when it is behind its schedule —
its per cent complete more than AT_RISK_BEHIND points under the share of its time gone by, or
due within AT_RISK_DAYS with less than AT_RISK_NEAR_PERCENT done; else on track."""

import calendar
import datetime
from collections.abc import Mapping

from reports.models import InitiativeStatus

AT_RISK_BEHIND = 20
AT_RISK_DAYS = 14
AT_RISK_NEAR_PERCENT = 80
# The horizon of a recommendation as the months from publishing to its initiative's start and
# due dates (docs/methods.md §10: months until the first result).
HORIZON_MONTHS = {"0-3": (0, 3), "3-6": (3, 6), "6-12": (6, 12), "12+": (12, 18)}
HEALTHS = ("on_track", "at_risk", "overdue", "done", "dropped")
# How a target's op (reports.plan_services.TARGET_OPS) reads: "≤ 9,5 %".
TARGET_SYMBOLS = {"<=": "≤", ">=": "≥"}


def initiative_health(
    *,
    status: str,
    percent_complete: int,
    start_on: datetime.date | None,
    due_on: datetime.date | None,
    today: datetime.date,
) -> str:
    """One of HEALTHS (see the module)."""
    if status in (InitiativeStatus.DONE, InitiativeStatus.DROPPED):
        return str(status)
    if due_on is None:
        return "on_track"
    if due_on < today:
        return "overdue"
    if (due_on - today).days <= AT_RISK_DAYS and percent_complete < AT_RISK_NEAR_PERCENT:
        return "at_risk"
    if start_on is not None and start_on < due_on and today > start_on:
        expected = 100 * (today - start_on).days / (due_on - start_on).days
        if percent_complete + AT_RISK_BEHIND < expected:
            return "at_risk"
    return "on_track"


def plan_health(healths: list[str]) -> dict[str, int]:
    """How many initiatives stand where: {"on_track", "at_risk", "overdue", "done", "dropped"}."""
    return {health: healths.count(health) for health in HEALTHS}


def months_later(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the month's last day where it has fewer days)."""
    years, month = divmod(day.month - 1 + months, 12)
    year = day.year + years
    return datetime.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


# Room left below and above a KPI chart's values, as a share of their span (of the value itself
# when they are all equal, else 1), so no point or target line sits on the chart's edge.
KPI_CHART_MARGIN = 0.1


def kpi_track_points(track: Mapping) -> dict | None:
    """What the chart of a metric the plan aims at draws (a track of
    reports.plan_selectors.kpi_tracks): `series`, the baseline and the interim values as
    (date, value) in date order (the baseline first on its day); `baseline`, its point or None
    when the assessment had no value; `targets`, (op as it reads, "≤" or "≥", value) once each,
    as several initiatives may set the same one; `y_range`, (low, high) holding all of them
    with KPI_CHART_MARGIN. None with fewer than two things to set against each other (two
    values, or a value and a target): a lone point, or targets alone, say no more than the
    table does."""
    baseline = track["baseline"]
    start = (baseline["measured_on"], baseline["value"]) if baseline["value"] is not None else None
    interim = [(value["measured_on"], value["value"]) for value in track["values"]]
    series = sorted([start, *interim] if start else interim, key=lambda point: point[0])
    targets = list(
        dict.fromkeys((TARGET_SYMBOLS[target["op"]], target["value"]) for target in track["targets"])
    )
    if not series or len(series) + len(targets) < 2:
        return None
    values = [value for _day, value in series] + [value for _op, value in targets]
    low, high = min(values), max(values)
    margin = KPI_CHART_MARGIN * ((high - low) or abs(high) or 1.0)
    return {"series": series, "baseline": start, "targets": targets, "y_range": (low - margin, high + margin)}


def reassessment_due_on(
    *, published_on: datetime.date, last_due_on: datetime.date | None, months: int
) -> datetime.date:
    """When the re-assessment is due: when the plan's last initiative is, or `months` after
    publishing, whichever comes first (docs/methods.md §10.5)."""
    by_months = months_later(published_on, months)
    return min(by_months, last_due_on) if last_due_on else by_months
