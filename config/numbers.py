"""The one place numbers become what people read: the API, the workspace, the exports and the
PDF reports all round and write numbers here.

One rule: a value is rounded once, half up, to the precision shown, from the unrounded value
(9.35 → 9.4, 61.25 → 61.3), on its shortest decimal form, so the binary approximation of
9.35 (9.3499…) rounds as people expect. Text follows the active language: decimal comma and
digit groups in Russian, a true minus sign (−), "+" on request, a dash for a missing value.

The template filters below are built into every template (settings.TEMPLATES "builtins"):
`{{ value|number:1 }}` and `{{ value|signed:1 }}`; no template rounds on its own. Days stored as
ISO text (the churn period of the customer metrics) are written by `{{ value|day }}`."""

import datetime
import math
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import formats

NO_DATA = "–"
MINUS = "\u2212"

register = template.Library()


def number_round(value: float | None, digits: int) -> float | None:
    """`value` rounded half up to `digits` decimals; None, "" (a template's missing variable)
    and NaN stay None."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def number_text(value: float | None, *, digits: int = 1, signed: bool = False, missing: str = NO_DATA) -> str:
    """`value` as the active language writes it, rounded by `number_round`. Negative `digits`
    keep up to that many decimals but drop them from a whole number (20, 12.5)."""
    rounded = number_round(value, abs(digits))
    if rounded is None:
        return missing
    if digits < 0:
        digits = 0 if rounded.is_integer() else -digits
    text = formats.number_format(abs(rounded), decimal_pos=digits, use_l10n=True, force_grouping=True)
    if rounded < 0:
        return MINUS + text
    return ("+" if signed and rounded > 0 else "") + text


# In templates a missing value writes nothing, like Django's floatformat, so that
# `|default:…` and `{% if value is None %}` say what the page says for "no data".
@register.filter
def number(value: float | None, digits: int = 1) -> str:
    return number_text(value, digits=int(digits), missing="")


@register.filter
def signed(value: float | None, digits: int = 1) -> str:
    return number_text(value, digits=int(digits), signed=True, missing="")


def day_text(value: str | datetime.date) -> str:
    """A day (a date, or ISO text as stored metrics keep it) as the active language writes it:
    "31 декабря 2025 г.", "Dec. 31, 2025"."""
    day = datetime.date.fromisoformat(value) if isinstance(value, str) else value
    return formats.date_format(day, "DATE_FORMAT", use_l10n=True)


@register.filter
def day(value: str | datetime.date | None) -> str:
    return "" if value in (None, "") else day_text(value)
