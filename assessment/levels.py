"""The five maturity levels as people read them (methods §1)."""

from django.utils.translation import gettext_lazy as _

LEVEL_NAMES = {
    1: _("Customer-Negligent"),
    2: _("Customer-Chaotic"),
    3: _("Customer-Aware"),
    4: _("Customer-Centric"),
    5: _("Customer-Champion"),
}
