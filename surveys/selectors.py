from django.core.exceptions import ImproperlyConfigured

from surveys.i18n import localized
from surveys.models import CatalogVersion, Indicator


def catalog_version_current() -> CatalogVersion:
    version = CatalogVersion.objects.order_by("-number").first()
    if version is None:
        raise ImproperlyConfigured("No catalog is loaded: run `python manage.py load_catalog`.")
    return version


def catalog_tree(*, version: CatalogVersion, language: str) -> dict:
    """The catalog as nested plain data in one language, from one query."""
    rows = (
        Indicator.objects.filter(version=version)
        .order_by("area__position", "position")
        .values_list(
            "area__code",
            "area__name",
            "area__description",
            "area__weight",
            "code",
            "title",
            "question",
            "levels",
            "weight",
            "metric",
        )
    )
    areas: dict[str, dict] = {}
    for area_code, area_name, description, area_weight, code, title, question, levels, weight, metric in rows:
        area = areas.get(area_code)
        if area is None:
            area = areas[area_code] = {
                "code": area_code,
                "name": localized(area_name, language),
                "description": localized(description, language) if description else "",
                "weight": float(area_weight),
                "indicators": [],
            }
        area["indicators"].append(
            {
                "code": code,
                "title": localized(title, language),
                "question": localized(question, language),
                "levels": localized(levels, language),
                "weight": float(weight),
                "metric": metric or None,
            }
        )
    return {
        "version": version.number,
        "name": localized(version.name, language),
        "language": language,
        "areas": list(areas.values()),
    }
