"""The analytics of the customer data as people read them, in the workspace and the reports:
the churn-risk model (each driver with its name and what its direction means, the quality in
plain words) and the key drivers of the clients' rating."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

FEATURE_LABELS = {
    "segment": _("Segment"),
    "product_count": _("Products"),
    "tenure_days": _("Tenure at the period's start"),
    "annual_margin": _("Annual margin"),
    "survey_nps_rating": _("The client's NPS rating"),
    "survey_csi": _("The client's CSI"),
    "survey_servqual": _("The client's SERVQUAL index"),
}
SERVQUAL_DIMENSION_LABELS = {
    "reliability": _("Reliability"),
    "responsiveness": _("Responsiveness"),
    "assurance": _("Assurance"),
    "empathy": _("Empathy"),
    "tangibles": _("Tangibles"),
}
DIRECTIONS = {
    "raises": _("higher values raise the risk"),
    "lowers": _("higher values lower the risk"),
    "mixed": _("depends on the value"),
}


def churn_drivers_presented(drivers: list[dict]) -> list[dict]:
    """Each driver with its label (an x_ attribute as the customers file names it), what its
    direction means, and its share of the strongest one's importance in tens of per cent, for a
    bar drawn with a class (the pages' policy allows no inline style)."""
    strongest = max((driver["importance"] for driver in drivers), default=0) or 1
    return [
        {
            **driver,
            "label": FEATURE_LABELS.get(driver["feature"], driver["feature"]),
            "direction_text": DIRECTIONS[driver["direction"]],
            "bar": 10 * max(0, round(10 * driver["importance"] / strongest)),
        }
        for driver in drivers
    ]


def churn_model_presented(model: dict | None) -> dict | None:
    """A ready model with its AUC as the per cent of pairs it ranks right and its drivers
    presented; None for any other state (a report shows no model that is not ready)."""
    if not model or model.get("status") != "ready":
        return None
    return {
        **model,
        "auc_percent": round(100 * model["auc"]),
        "drivers": churn_drivers_presented(model["drivers"]),
    }


def key_driver_label(name: str) -> str:
    """A key driver's name as people read it: "CSI: branch_service", "SERVQUAL: Reliability",
    an x_ attribute (or attribute=value) as the customers file names it."""
    kind, _colon, code = name.partition(":")
    if kind == "csi":
        return format_lazy("{}: {}", _("CSI"), code)
    if kind == "servqual":
        return format_lazy("{}: {}", _("SERVQUAL"), SERVQUAL_DIMENSION_LABELS.get(code, code))
    return name


def key_drivers_presented(result: dict | None) -> dict | None:
    """Ready key drivers with each driver's label and its importance as a share of R² in %;
    None for any other state."""
    if not result or result.get("status") != "ready":
        return None
    drivers = [
        {
            **driver,
            "label": key_driver_label(driver["name"]),
            "share": 100 * driver["importance"] / (result["r2"] or 1),
        }
        for driver in result["drivers"]
    ]
    return {**result, "drivers": drivers}


def analytics_headlines(*, key_drivers: dict | None, themes: list[dict]) -> dict:
    """What the executive summary says of the drivers and themes: the strongest key driver of
    the NPS rating to fix first (important and rated low), and the largest theme of the clients'
    comments the report shows; None where there is none."""
    drivers = (key_drivers or {}).get("drivers", [])
    client_themes = next((result["themes"] for result in themes if result["source"] == "customers"), [])
    return {
        "fix_first": next((driver for driver in drivers if driver.get("quadrant") == "fix"), None),
        "theme": max(client_themes, key=lambda theme: theme["count"], default=None),
    }
