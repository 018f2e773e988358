"""Where the initiatives of an action plan stand (pure: no ORM). An initiative is overdue once
its due date has passed before it was done or dropped; at risk when it is behind its schedule —
its per cent complete more than AT_RISK_BEHIND points under the share of its time gone by, or
due within AT_RISK_DAYS with less than AT_RISK_NEAR_PERCENT done; else on track."""

import calendar
import datetime

from reports.models import InitiativeStatus

AT_RISK_BEHIND = 20
AT_RISK_DAYS = 14
AT_RISK_NEAR_PERCENT = 80
# The horizon of a recommendation as the months from publishing to its initiative's start and
# due dates (docs/methods.md §10: months until the first result).
HORIZON_MONTHS = {"0-3": (0, 3), "3-6": (3, 6), "6-12": (6, 12), "12+": (12, 18)}
HEALTHS = ("on_track", "at_risk", "overdue", "done", "dropped")


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
