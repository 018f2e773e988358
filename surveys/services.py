import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml
from django.db import transaction
from django.db.models import Max

from surveys.i18n import SUPPORTED
from surveys.models import Area, CatalogVersion, Indicator, Metric

CATALOG_FILE = Path(__file__).resolve().parent / "catalog" / "cx_maturity.yaml"
LEVEL_COUNT = 5


class CatalogError(ValueError):
    """The catalog file is not well-formed; the message says where."""


@dataclass(frozen=True)
class CatalogLoad:
    version: CatalogVersion
    created: bool


def _texts_check(value, where: str) -> None:
    if not isinstance(value, dict) or any(not str(value.get(lang) or "").strip() for lang in SUPPORTED):
        raise CatalogError(f"{where}: needs a non-empty text for each of {', '.join(SUPPORTED)}")


def _weight(value, where: str) -> Decimal:
    weight = Decimal(str(value if value is not None else 1))
    if weight <= 0:
        raise CatalogError(f"{where}: weight must be positive")
    return weight


def catalog_validate(content: dict) -> None:
    """Raise CatalogError naming the first place where `content` is malformed."""
    if not isinstance(content, dict) or not isinstance(content.get("areas"), list) or not content["areas"]:
        raise CatalogError("the catalog needs a non-empty list `areas`")
    _texts_check(content.get("name"), "catalog name")
    area_codes: set[str] = set()
    indicator_codes: set[str] = set()
    for area in content["areas"]:
        code = area.get("code")
        if not code or code in area_codes:
            raise CatalogError(f"area {code!r}: missing or duplicate code")
        area_codes.add(code)
        _texts_check(area.get("name"), f"area {code} name")
        _weight(area.get("weight"), f"area {code}")
        if not area.get("indicators"):
            raise CatalogError(f"area {code}: has no indicators")
        for indicator in area["indicators"]:
            icode = indicator.get("code")
            if not icode or icode in indicator_codes:
                raise CatalogError(f"indicator {icode!r}: missing or duplicate code")
            indicator_codes.add(icode)
            for field in ("title", "question"):
                _texts_check(indicator.get(field), f"{icode} {field}")
            _weight(indicator.get("weight"), icode)
            metric = indicator.get("metric")
            if metric is not None and metric not in Metric.values:
                raise CatalogError(f"{icode}: unknown metric {metric!r} (known: {', '.join(Metric.values)})")
            levels = indicator.get("levels") or {}
            for lang in SUPPORTED:
                descriptors = levels.get(lang)
                if (
                    not isinstance(descriptors, list)
                    or len(descriptors) != LEVEL_COUNT
                    or not all(isinstance(text, str) and text.strip() for text in descriptors)
                ):
                    raise CatalogError(f"{icode}: needs {LEVEL_COUNT} non-empty level descriptors in {lang}")


def catalog_hash(content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@transaction.atomic
def catalog_load(*, path: Path = CATALOG_FILE) -> CatalogLoad:
    """Load the catalog file as a new published version, unless identical content is loaded already."""
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CatalogError(f"cannot read {path}: {error}") from error
    catalog_validate(content)
    digest = catalog_hash(content)
    existing = CatalogVersion.objects.filter(content_hash=digest).first()
    if existing is not None:
        return CatalogLoad(version=existing, created=False)

    # Lock the table's newest row so two loads cannot take the same number.
    list(CatalogVersion.objects.select_for_update().order_by("-number")[:1])
    number = (CatalogVersion.objects.aggregate(top=Max("number"))["top"] or 0) + 1
    version = CatalogVersion.objects.create(
        number=number, name=content["name"], content_hash=digest, source=path.name
    )
    position = 0
    indicators = []
    for area_position, area_data in enumerate(content["areas"], start=1):
        area = Area.objects.create(
            version=version,
            code=area_data["code"],
            position=area_position,
            weight=_weight(area_data.get("weight"), area_data["code"]),
            name=area_data["name"],
            description=area_data.get("description") or {},
        )
        for data in area_data["indicators"]:
            position += 1
            indicators.append(
                Indicator(
                    version=version,
                    area=area,
                    code=data["code"],
                    position=position,
                    weight=_weight(data.get("weight"), data["code"]),
                    metric=data.get("metric") or "",
                    title=data["title"],
                    question=data["question"],
                    levels={lang: data["levels"][lang] for lang in SUPPORTED},
                )
            )
    Indicator.objects.bulk_create(indicators)
    return CatalogLoad(version=version, created=True)
