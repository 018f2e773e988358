"""A realistic report context built by hand (no database), in the shape the data side produces.

The figures follow a typical engagement: a bank re-assessed nine months after a 57.3 baseline
(Customer-Aware) scores 72.4 (Customer-Centric); churn falls from 12.0 % to 9.8 % (−18 %),
NPS rises from 18 to 30 (+12 points). Indicator names and area names come from the catalog.
Tests and the rendering benchmark use it.
"""

import datetime
import math
import random
from functools import cache
from pathlib import Path

import yaml

from assessment.method import CURRENT_METHOD_VERSION, METHODS, level_bands, level_of

CATALOG = Path(__file__).resolve().parents[2] / "surveys" / "catalog" / "cx_maturity.yaml"
REFERENCE_DATE = datetime.date(2026, 9, 30)
BASELINE_DATE = datetime.date(2025, 12, 31)
GENERATED_ON = datetime.date(2026, 10, 5)

# Area score targets: the overall score is their mean, 72.4; the baseline's is 57.3.
AREA_SCORES = {"organization": 74.6, "staff": 69.8, "processes": 70.2, "technology": 75.0}
BASELINE_AREA_SCORES = {"organization": 58.1, "staff": 55.4, "processes": 54.9, "technology": 60.8}
# Indicators that scored lower than at the baseline, by how much.
REGRESSED = {"PRC-10": 4.2, "ORG-09": 2.6}
# Not scored in this assessment (no answers, no interview, no data): shows as "no data".
UNSCORED = "TEC-15"
# New in the catalog since the baseline: cannot be compared.
NOT_COMPARABLE = ["PRC-16", "TEC-15"]

LEVELS = {
    "en": [
        (
            "Customer-Negligent",
            "CX is not a strategic priority; complaints are handled ad hoc, without analysis of causes.",
        ),
        (
            "Customer-Chaotic",
            "Isolated CX initiatives appear in some departments, without system or common standards.",
        ),
        (
            "Customer-Aware",
            "CX is part of the business strategy, backed by metrics from regular satisfaction research.",
        ),
        (
            "Customer-Centric",
            "Key processes are optimised from customer feedback; personalised services and integrated "
            "channels.",
        ),
        (
            "Customer-Champion",
            "CX is built into every aspect from product to culture; the company predicts needs and sets "
            "industry standards.",
        ),
    ],
    "ru": [
        (
            "Невнимательная компания",
            "CX не является стратегическим приоритетом; жалобы рассматриваются точечно, без анализа причин.",
        ),
        (
            "Хаотичная компания",
            "В отдельных подразделениях появляются CX-инициативы, но без системы и единых стандартов.",
        ),
        (
            "Клиентоориентированная компания",
            "CX — часть бизнес-стратегии и подкрепляется метриками регулярных исследований "
            "удовлетворённости.",
        ),
        (
            "Клиентоцентричная компания",
            "Ключевые процессы оптимизируются по обратной связи клиентов; персонализированные сервисы, "
            "интегрированные каналы.",
        ),
        (
            "Компания-чемпион",
            "CX встроен во все аспекты бизнеса — от продукта до культуры; компания прогнозирует потребности "
            "и задаёт стандарты отрасли.",
        ),
    ],
}

TEXTS = {
    "en": {
        "organization": "Demo Bank",
        "industry": "Retail banking",
        "title": "CX maturity re-assessment 2026",
        "baseline_title": "CX maturity audit 2025",
        "verdict": (
            "Demo Bank has moved from Customer-Aware to Customer-Centric: 72.4 points against 57.3 nine "
            "months ago. The centralised CX strategy and unified service standards lifted Organization "
            "and Technology above 74 points; Staff and Processes still trail, mainly in complaint "
            "analytics and frontline empowerment. Reaching Customer-Champion needs 7.6 more points, "
            "most cheaply from predictive analytics and personalised offers."
        ),
        "kpis": {
            "churn_rate": "Churn rate, %",
            "nps": "NPS",
            "csi": "CSI, %",
            "average_deposit": "Average deposit",
            "repeat_purchase_conversion": "Repeat-purchase conversion, %",
            "complaints_per_1000": "Complaints per 1,000 clients",
        },
        "metrics": {
            "mystery_shopping": "Mystery-shopping compliance, %",
            "servqual": "SERVQUAL index",
            "clv": "CLV per client",
            "product_load": "Products per active client",
        },
    },
    "ru": {
        "organization": "Демо Банк",
        "industry": "Розничный банк",
        "title": "Повторная оценка CX-зрелости 2026",
        "baseline_title": "Аудит CX-зрелости 2025",
        "verdict": (
            "Демо Банк перешёл с уровня «Клиентоориентированная компания» на уровень «Клиентоцентричная "
            "компания»: 72,4 балла против 57,3 девять месяцев назад. Централизованная CX-стратегия и "
            "единые стандарты обслуживания подняли «Организацию» и «Технологии» выше 74 баллов; "
            "«Персонал» и «Процессы» отстают — прежде всего в аналитике жалоб и полномочиях "
            "фронт-офиса. До уровня «Компания-чемпион» не хватает 7,6 балла; дешевле всего их дадут "
            "предиктивная аналитика и персональные предложения."
        ),
        "kpis": {
            "churn_rate": "Отток клиентов, %",
            "nps": "NPS",
            "csi": "CSI, %",
            "average_deposit": "Средний размер вклада",
            "repeat_purchase_conversion": "Конверсия в повторную покупку, %",
            "complaints_per_1000": "Жалобы на 1000 клиентов",
        },
        "metrics": {
            "mystery_shopping": "Соблюдение стандартов (тайный покупатель), %",
            "servqual": "Индекс SERVQUAL",
            "clv": "CLV на клиента",
            "product_load": "Продуктов на активного клиента",
        },
    },
}

ROADMAP = {
    "en": [
        (
            "STR-01",
            "Centralised CX strategy and service standards",
            "Standards differ between app, branches and the contact centre.",
            [
                "Approve one set of service standards for all channels",
                "Appoint CX managers in each business line",
            ],
            "1",
            "Centralised CX strategy",
            "0-3",
            "M",
            "One standard across channels; the first step a comparable bank took on its way from 57 "
            "to 72 points.",
        ),
        (
            "SUP-01",
            "Predict and route customer problems automatically",
            "Contact-centre waiting time drives detractors.",
            ["Route requests by predicted topic", "Call back clients at risk within a day"],
            "2",
            "Better customer support",
            "3-6",
            "L",
            "Shorter contact-centre waits and fewer detractors.",
        ),
        (
            "ANL-01",
            "Real-time customer-behaviour analytics",
            "Needs are analysed monthly, after the fact.",
            ["Stream app and card events into the CX platform", "Train a needs-prediction model"],
            "3",
            "Customer-behaviour analytics",
            "6-12",
            "L",
            "Offers that match needs: +15 % repeat-purchase conversion in a comparable bank.",
        ),
        (
            "OMN-01",
            "One CX platform for all channels",
            "Clients repeat themselves when switching channel.",
            ["Share the interaction history between app, branch and call centre"],
            "4",
            "Omnichannel service",
            "6-12",
            "L",
            "Clients no longer repeat themselves when they switch channel.",
        ),
        (
            "PER-01",
            "Personal offers from behavioural data",
            "Offers are the same for every client in a segment.",
            ["Launch next-best-offer for mass-segment clients", "Reward loyal clients with cashback tiers"],
            "5",
            "Personalisation",
            "3-6",
            "M",
            "Higher product load among satisfied clients; +10 % average deposit in a comparable bank.",
        ),
        (
            "CHN-01",
            "Churn monitoring with win-back offers",
            "Falling activity is noticed only after accounts close.",
            ["Alert on clients moving to the at-risk segment", "Offer a win-back bonus within a week"],
            "3",
            "Customer-behaviour analytics",
            "0-3",
            "S",
            "Earlier win-back: churn fell by 18 % in a comparable bank.",
        ),
        (
            "SPA-01",
            "Speech analytics in the contact centre",
            "Repeat calls are not analysed by cause.",
            ["Transcribe and tag all calls", "Review top repeat-call causes monthly"],
            "2",
            "Better customer support",
            "3-6",
            "M",
            "Fewer repeat calls (−42 % in one of our projects) and lower handling costs.",
        ),
        (
            "STF-01",
            "Analytics skills for frontline managers",
            "Branch managers do not use the CX dashboards.",
            ["Run a CX-analytics course for branch managers"],
            "1",
            "Centralised CX strategy",
            "0-3",
            "S",
            "Branch decisions based on the CX dashboards.",
        ),
    ],
    "ru": [
        (
            "STR-01",
            "Централизованная CX-стратегия и стандарты обслуживания",
            "Стандарты в приложении, отделениях и контакт-центре различаются.",
            [
                "Утвердить единые стандарты обслуживания для всех каналов",
                "Назначить CX-менеджеров в каждом бизнес-направлении",
            ],
            "1",
            "Централизованная CX-стратегия",
            "0-3",
            "M",
            "Единый стандарт во всех каналах — первый шаг сопоставимого банка на пути от 57 к 72 баллам.",
        ),
        (
            "SUP-01",
            "Прогноз и автоматическая маршрутизация проблем клиентов",
            "Ожидание в контакт-центре порождает критиков.",
            [
                "Маршрутизировать обращения по прогнозной теме",
                "Перезванивать клиентам группы риска в течение дня",
            ],
            "2",
            "Улучшение клиентской поддержки",
            "3-6",
            "L",
            "Короче ожидание в контакт-центре, меньше критиков.",
        ),
        (
            "ANL-01",
            "Аналитика поведения клиентов в реальном времени",
            "Потребности анализируются раз в месяц, постфактум.",
            ["Передавать события приложения и карт в CX-платформу", "Обучить модель прогноза потребностей"],
            "3",
            "Аналитика поведения клиентов",
            "6-12",
            "L",
            "Предложения под потребности: +15 % конверсии в повторную покупку в сопоставимом банке.",
        ),
        (
            "OMN-01",
            "Единая CX-платформа для всех каналов",
            "При смене канала клиентам приходится повторять свой вопрос.",
            ["Общая история взаимодействий для приложения, отделения и колл-центра"],
            "4",
            "Омниканальность",
            "6-12",
            "L",
            "Клиентам не нужно повторять свой вопрос при смене канала.",
        ),
        (
            "PER-01",
            "Персональные предложения по поведенческим данным",
            "Всем клиентам сегмента предлагается одно и то же.",
            ["Запустить next-best-offer для массового сегмента", "Кешбэк-уровни для лояльных клиентов"],
            "5",
            "Персонализация",
            "3-6",
            "M",
            "Выше продуктовая нагрузка довольных клиентов; +10 % к среднему вкладу в сопоставимом банке.",
        ),
        (
            "CHN-01",
            "Мониторинг оттока и удерживающие предложения",
            "Снижение активности замечают только после закрытия счетов.",
            ["Сигнал о переходе клиента в группу риска", "Удерживающий бонус в течение недели"],
            "3",
            "Аналитика поведения клиентов",
            "0-3",
            "S",
            "Раннее удержание: в сопоставимом банке отток снизился на 18 %.",
        ),
        (
            "SPA-01",
            "Речевая аналитика в контакт-центре",
            "Повторные звонки не анализируются по причинам.",
            [
                "Расшифровывать и размечать все звонки",
                "Ежемесячно разбирать главные причины повторных звонков",
            ],
            "2",
            "Улучшение клиентской поддержки",
            "3-6",
            "M",
            "Меньше повторных звонков (−42 % в одном из наших проектов) и ниже затраты на обслуживание.",
        ),
        (
            "STF-01",
            "Аналитические навыки руководителей фронт-офиса",
            "Руководители отделений не пользуются CX-дашбордами.",
            ["Провести курс по CX-аналитике для руководителей отделений"],
            "1",
            "Централизованная CX-стратегия",
            "0-3",
            "S",
            "Решения в отделениях на основе CX-дашбордов.",
        ),
    ],
}


ROADMAP_INDICATORS = {
    "STR-01": ["ORG-01", "ORG-03", "STF-02"],
    "SUP-01": ["PRC-02", "PRC-03"],
    "ANL-01": ["PRC-10", "TEC-06"],
    "OMN-01": ["TEC-02", "TEC-03"],
    "PER-01": ["TEC-05", "ORG-08"],
    "CHN-01": ["PRC-12"],
    "SPA-01": ["PRC-04", "TEC-09"],
    "STF-01": ["STF-06"],
}


@cache
def _catalog() -> dict:
    return yaml.safe_load(CATALOG.read_text(encoding="utf-8"))


METHOD = METHODS[CURRENT_METHOD_VERSION]


def _level_of(score: float | None) -> int | None:
    return None if score is None else level_of(score, METHOD.level_edges)


def _spread(*, codes: list[str], mean: float, rng: random.Random, width: float) -> dict[str, float]:
    """Scores around `mean` whose mean is exactly `mean` (so area and overall scores are exact)."""
    offsets = [rng.uniform(-width, width) for _ in codes]
    shift = sum(offsets) / len(offsets)
    return {code: round(mean + offset - shift, 6) for code, offset in zip(codes, offsets, strict=True)}


def _indicators(*, language: str) -> tuple[list[dict], list[dict]]:
    """All indicators with scores (this assessment's) and their baseline scores."""
    rng = random.Random(20260930)
    current, baseline = [], []
    for area in _catalog()["areas"]:
        specs = area["indicators"]
        codes = [spec["code"] for spec in specs if spec["code"] != UNSCORED]
        scores = _spread(codes=codes, mean=AREA_SCORES[area["code"]], rng=rng, width=16)
        # The baseline: the area's change plus noise, and a few indicators that fell back.
        change = AREA_SCORES[area["code"]] - BASELINE_AREA_SCORES[area["code"]]
        noise = _spread(codes=codes, mean=0.0, rng=rng, width=8)
        before = {code: round(scores[code] - change + noise[code], 6) for code in codes}
        before.update({code: scores[code] + drop for code, drop in REGRESSED.items() if code in scores})
        for spec in specs:
            code = spec["code"]
            score = scores.get(code)
            n = rng.randint(18, 46) if score is not None else 0
            survey = None if score is None else round(score + rng.uniform(-4, 4), 1)
            item = {
                "code": code,
                "name": spec["title"][language],
                "area": area["code"],
                "score": score,
                "level": _level_of(score),
                "n": n,
                "mean_level": None if score is None else round(score / 25 + 1, 2),
                "confidence": None
                if score is None
                else ("high" if n >= 35 else "medium" if n >= 24 else "low"),
                "evidence": {
                    "survey": survey,
                    "interview": None if score is None else float(25 * round(score / 25)),
                    "data": None if spec.get("metric") is None or score is None else 75.0,
                },
                "covered": score is not None,
            }
            current.append(item)
            baseline.append({**item, "score": before.get(code)})
    return current, baseline


def _areas(*, language: str, indicators: list[dict], with_baseline: bool) -> list[dict]:
    result = []
    for area in _catalog()["areas"]:
        own = [indicator for indicator in indicators if indicator["area"] == area["code"]]
        score = AREA_SCORES[area["code"]]
        result.append(
            {
                "code": area["code"],
                "name": area["name"][language],
                "score": score,
                "level": _level_of(score),
                "level_name": LEVELS[language][_level_of(score) - 1][0],
                "scored": sum(indicator["score"] is not None for indicator in own),
                "total": len(own),
                "baseline_score": BASELINE_AREA_SCORES[area["code"]] if with_baseline else None,
                "sufficient": True,
                "coverage": sum(indicator["covered"] for indicator in own) / len(own),
            }
        )
    return result


def _nps(*, promoters: int, passives: int, detractors: int) -> dict:
    n = promoters + passives + detractors
    p, d = promoters / n, detractors / n
    score = 100 * (p - d)
    se = 100 * math.sqrt((p + d - (p - d) ** 2) / n)
    return {
        "score": score,
        "promoters": 100 * p,
        "passives": 100 * passives / n,
        "detractors": 100 * d,
        "n": n,
        "ci95": [score - 1.96 * se, score + 1.96 * se],
    }


def customer_metrics() -> dict:
    """Customer metrics in the shape of assessment.loyalty.customer_metrics."""
    servqual = {
        "reliability": -0.31,
        "responsiveness": -0.42,
        "assurance": 0.12,
        "empathy": -0.08,
        "tangibles": 0.27,
    }
    return {
        "nps": _nps(promoters=490, passives=502, detractors=148),
        "csi": {
            "score": 81.3,
            "band": "high",
            "items": {"speed": 4.1, "competence": 4.3, "politeness": 4.4, "app": 3.8},
            "n": 1082,
        },
        "servqual": {"gaps": servqual, "index": round(sum(servqual.values()), 2), "n": 640},
        "mystery_shopping": {
            "compliance": 87.5,
            "by_branch": {"Almaty-1": 91.2, "Astana-3": 84.0, "Shymkent-2": 86.9},
            "by_standard": {"greeting": 97.9, "needs_check": 79.2, "cross_sell": 72.9},
            "visits": 48,
        },
        "product_load": {"overall": 2.6, "by_segment": {"mass": 2.2, "premium": 3.9, "sme": 3.1}},
        "loyalty_types": {
            "loyal": 3120,
            "satisfied": 2410,
            "captive": 1540,
            "disloyal": 930,
            "unclassified": 412,
        },
        "churn": {
            "rate": 9.8,
            "closed": 1176,
            "active_at_start": 12000,
            "period": ["2025-10-01", "2026-09-30"],
        },
        "clv": {
            "overall": 1268.4,
            "by_segment": {"mass": 640.2, "premium": 4210.8, "sme": 2320.5},
            "discount_rate": 0.1,
        },
        "activity": {"active": 7410, "passive": 2230, "at_risk": 1184, "churned": 1176},
        "by_segment": {
            "mass": {
                "nps": _nps(promoters=300, passives=340, detractors=95),
                "csi": None,
                "loyalty_types": None,
                "churn": {
                    "rate": 11.2,
                    "closed": 896,
                    "active_at_start": 8000,
                    "period": ["2025-10-01", "2026-09-30"],
                },
                "product_load": 2.2,
                "clv": 640.2,
            },
        },
    }


def _gaps(*, indicators: list[dict], areas: list[dict]) -> list[dict]:
    by_code = {indicator["code"]: indicator for indicator in indicators}
    gaps = [
        {
            "kind": "management_vs_frontline",
            "scope": "area",
            "code": area["code"],
            "name": area["name"],
            "first": area["score"] + spread,
            "second": area["score"] - spread,
            "gap": 2 * spread,
        }
        for area, spread in zip(areas, (7.4, 9.1, 5.2, 3.6), strict=True)
    ]
    for code, first, second in (("STF-04", 78.0, 55.5), ("PRC-03", 74.0, 58.0)):
        gaps.append(
            {
                "kind": "management_vs_frontline",
                "scope": "indicator",
                "code": code,
                "name": by_code[code]["name"],
                "first": first,
                "second": second,
                "gap": first - second,
            }
        )
    for code, first, second in (("ORG-12", 79.0, 61.0), ("PRC-13", 76.0, 75.0), ("STF-11", 72.0, 62.5)):
        gaps.append(
            {
                "kind": "employees_vs_customers",
                "scope": "indicator",
                "code": code,
                "name": by_code[code]["name"],
                "first": first,
                "second": second,
                "gap": first - second,
            }
        )
    return gaps


def _change(*, code: str, label: str, unit: str, before: float | None, after: float | None) -> dict:
    change = None if before is None or after is None else after - before
    relative = None if change is None or not before else 100 * change / abs(before)
    return {
        "code": code,
        "label": label,
        "unit": unit,
        "before": before,
        "after": after,
        "change": change,
        "relative": relative,
    }


def _comparison(*, language: str, indicators: list[dict], baseline: list[dict], areas: list[dict]) -> dict:
    texts = TEXTS[language]
    before = {indicator["code"]: indicator["score"] for indicator in baseline}
    deltas = [
        {
            "code": indicator["code"],
            "name": indicator["name"],
            "before": before[indicator["code"]],
            "after": indicator["score"],
            "delta": indicator["score"] - before[indicator["code"]],
        }
        for indicator in indicators
        if indicator["score"] is not None and indicator["code"] not in NOT_COMPARABLE
    ]
    # The spread around the baseline leaves a few indicators lower than before: regressions.
    deltas.sort(key=lambda row: row["delta"], reverse=True)
    overall_before = sum(BASELINE_AREA_SCORES.values()) / 4
    overall_after = sum(AREA_SCORES.values()) / 4
    kpis, metrics = texts["kpis"], texts["metrics"]
    return {
        "baseline": {"title": texts["baseline_title"], "reference_date": BASELINE_DATE},
        "overall": {
            "before": overall_before,
            "after": overall_after,
            "delta": overall_after - overall_before,
            "level_before": 3,
            "level_after": 4,
            "level_name_before": LEVELS[language][2][0],
            "level_name_after": LEVELS[language][3][0],
        },
        "areas": [
            {
                "code": area["code"],
                "name": area["name"],
                "before": area["baseline_score"],
                "after": area["score"],
                "delta": area["score"] - area["baseline_score"],
            }
            for area in areas
        ],
        "improvements": deltas[:5],
        "regressions": [row for row in reversed(deltas) if row["delta"] < 0][:5],
        "metrics": [
            _change(code="churn_rate", label=kpis["churn_rate"], unit="%", before=12.0, after=9.8),
            _change(code="nps", label=kpis["nps"], unit="points", before=18.0, after=30.0),
            _change(code="csi", label=kpis["csi"], unit="%", before=76.4, after=81.3),
            _change(
                code="mystery_shopping", label=metrics["mystery_shopping"], unit="%", before=78.0, after=87.5
            ),
            _change(code="servqual", label=metrics["servqual"], unit="", before=-1.12, after=-0.42),
            _change(code="clv", label=metrics["clv"], unit="", before=None, after=1268.4),
        ],
        "kpis": [
            _change(
                code="average_deposit",
                label=kpis["average_deposit"],
                unit="",
                before=1_320_000.0,
                after=1_452_000.0,
            ),
            _change(
                code="repeat_purchase_conversion",
                label=kpis["repeat_purchase_conversion"],
                unit="%",
                before=20.0,
                after=23.0,
            ),
            _change(
                code="complaints_per_1000", label=kpis["complaints_per_1000"], unit="", before=6.3, after=4.1
            ),
        ],
        "not_comparable": list(NOT_COMPARABLE),
    }


def _next_level(*, language: str, indicators: list[dict]) -> dict:
    """The indicators to lift to the next level's threshold (80): the lowest ones, six needed,
    the first five listed (reports.recommendations.NEXT_LEVEL_LISTED)."""
    scored = sorted((row for row in indicators if row["score"] is not None), key=lambda row: row["score"])
    picks = [
        {
            "code": row["code"],
            "name": row["name"],
            "current": row["score"],
            "target": 80.0,
            "gain": (80.0 - row["score"]) / 58,
        }
        for row in scored[:6]
    ]
    return {
        "level": 5,
        "level_name": LEVELS[language][4][0],
        "threshold": 80.0,
        "gap": 80.0 - sum(AREA_SCORES.values()) / 4,
        "indicators": picks[:5],
        "listed_gain": sum(pick["gain"] for pick in picks[:5]),
        "more": len(picks) - 5,
        "reachable": True,
    }


def sample_context(
    *, kind: str = "full", language: str = "en", with_baseline: bool = True, with_customer: bool = True
) -> dict:
    """A full report context; kind "comparison" always has a baseline."""
    with_baseline = with_baseline or kind == "comparison"
    texts = TEXTS[language]
    indicators, baseline = _indicators(language=language)
    areas = _areas(language=language, indicators=indicators, with_baseline=with_baseline)
    scored = [row for row in indicators if row["score"] is not None]
    ranked = sorted(scored, key=lambda row: row["score"], reverse=True)
    overall = sum(AREA_SCORES.values()) / 4
    levels = [
        {
            "level": index + 1,
            "name": name,
            "low": low,
            "high": high,
            "english_name": LEVELS["en"][index][0],
            "description": description,
        }
        for index, ((name, description), (low, high)) in enumerate(
            zip(LEVELS[language], level_bands(METHOD.level_edges), strict=True)
        )
    ]
    customer = customer_metrics() if with_customer else None
    kpi_values = {
        "churn_rate": 9.8,
        "nps": customer["nps"]["score"] if customer else None,
        "csi": customer["csi"]["score"] if customer else None,
        "average_deposit": 1_452_000.0,
        "repeat_purchase_conversion": 23.0,
        "complaints_per_1000": 4.1,
    }
    return {
        "kind": kind,
        "language": language,
        "generated_on": GENERATED_ON,
        "organization": {"name": texts["organization"], "industry": texts["industry"]},
        "assessment": {"title": texts["title"], "reference_date": REFERENCE_DATE},
        "overall": {
            "score": overall,
            "level": 4,
            "level_name": levels[3]["name"],
            "level_description": levels[3]["description"],
            "preliminary": False,
            "gated": None,
        },
        # NPS, CSI, churn and the loyal share at level 4, SERVQUAL at 3 (docs/methods.md §8.1).
        "outcomes": {"index": 70.0, "level": 4, "level_name": levels[3]["name"]},
        "reality_gap": overall - 70.0,
        "sufficiency": {"preliminary": False, "reasons": [], "submitted_responses": 318, "min_responses": 5},
        "verdict": texts["verdict"],
        "levels": levels,
        "level_edges": list(METHOD.level_edges),
        "areas": areas,
        "indicators": indicators,
        "strengths": ranked[:5],
        "improvement_zones": list(reversed(ranked))[:5],
        "gaps": _gaps(indicators=indicators, areas=areas),
        "customer": customer,
        "kpis": [
            {"code": code, "label": label, "value": kpi_values[code]} for code, label in texts["kpis"].items()
        ],
        "roadmap": [
            {
                "position": position,
                "code": code,
                "title": title,
                "rationale": rationale,
                "actions": actions,
                "step": step,
                "step_title": step_title,
                "horizon": horizon,
                "effort": effort,
                "impact": impact,
                "indicators": ROADMAP_INDICATORS[code],
            }
            for position, (
                code,
                title,
                rationale,
                actions,
                step,
                step_title,
                horizon,
                effort,
                impact,
            ) in enumerate(ROADMAP[language], start=1)
        ],
        "next_level": _next_level(language=language, indicators=indicators),
        "comparison": (
            _comparison(language=language, indicators=indicators, baseline=baseline, areas=areas)
            if with_baseline
            else None
        ),
        "methodology": {
            "method_version": METHOD.version,
            "role_balance": METHOD.role_balance,
            "behavioural_churn": METHOD.behavioural_churn,
            "weights": {"survey": 0.5, "interview": 0.3, "data": 0.2},
            "anonymity_k": 5,
            "respondents": {"invited": 412, "submitted": 318},
            "coverage": {"scored": len(scored), "total": len(indicators)},
            "thresholds": {
                "nps": [-20, 0, 20, 50],
                "csi": [50, 75, 80, 90],
                "mystery_shopping": [50, 70, 85, 95],
                "servqual": [-2, -1, 0, 0.5],
            },
            "sufficiency": {"min_answers": 3, "min_area_coverage_percent": 70.0, "min_responses": 5},
            "publish_override_reason": "",
        },
    }
