"""The five maturity levels as people read them (docs/methods.md §1)."""

from django.utils.translation import gettext_lazy as _

LEVEL_NAMES = {
    1: _("Customer-Negligent"),
    2: _("Customer-Chaotic"),
    3: _("Customer-Aware"),
    4: _("Customer-Centric"),
    5: _("Customer-Champion"),
}
# What a company at each level looks like (docs/methods.md §1), for reports.
LEVEL_DESCRIPTIONS = {
    1: _("Customer experience is not a priority; complaints are handled case by case."),
    2: _("Isolated CX initiatives exist, without common standards or coordination."),
    3: _("CX is part of the strategy and backed by regular customer-satisfaction metrics."),
    4: _(
        "Key processes are optimized from customer feedback; services are personalized and "
        "channels integrated."
    ),
    5: _(
        "CX shapes every aspect from product to culture; the company anticipates needs and sets "
        "industry standards."
    ),
}


def level_name(level: int | None) -> str | None:
    """The level's name in the active language (None for no level)."""
    return str(LEVEL_NAMES[level]) if level else None
