"""What the demo's consultant writes and hands over for the published audit: the reviewed
findings and roadmap, an executive commentary, quotes from the comments and interviews, the
reports released to the client's executive, and the action plan as the client carried it out
between the audit and its re-assessment."""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from assessment.models import Assessment
from config.jobs import JobStatus
from reports.models import Initiative, InitiativeStatus, InitiativeUpdate, Report, ReportKind
from reports.narrative_selectors import quote_candidates
from reports.narrative_services import commentary_set, findings_ensure, quote_pick
from reports.plan import HORIZON_MONTHS, months_later
from reports.plan_services import initiative_change, initiative_progress_add, kpi_value_record
from reports.services import recommendations_accept_proposed, recommendations_ensure, report_release
from reports.tasks import report_render

DEMO_COMMENTARY = {
    "en": (
        "Demo Bank has put customer experience on its strategic agenda: the 2025–2027 strategy "
        "names it one of three priorities, the board reviews NPS every quarter and every new "
        "employee is trained in the service standards. This places the bank at the Customer-Aware "
        "level.\n\n"
        "What holds it back is execution rather than intent. Customer information is spread over "
        "separate systems, so no employee sees a client's whole history; complaints arrive through "
        "three channels; churn is reported but not acted upon; and bonuses reward sales volume "
        "alone.\n\n"
        "We recommend that the board concentrate the next nine months on three moves: a single "
        "customer view in the CRM, a win-back routine for clients about to leave, and customer "
        "targets in every manager's scorecard. Together they are the shortest path to the "
        "Customer-Centric level."
    ),
    "ru": (
        "Demo Bank включил клиентский опыт в стратегическую повестку: стратегия на 2025–2027 годы "
        "называет его одним из трёх приоритетов, правление ежеквартально рассматривает NPS, а "
        "каждый новый сотрудник обучается стандартам обслуживания. Это соответствует уровню "
        "«Клиентоориентированная компания».\n\n"
        "Сдерживает банк не отсутствие намерений, а исполнение. Данные о клиентах разнесены по "
        "разным системам, и ни один сотрудник не видит всю историю клиента; жалобы поступают по "
        "трём каналам; отток измеряется, но не вызывает действий; премии зависят только от объёма "
        "продаж.\n\n"
        "Мы рекомендуем правлению сосредоточить ближайшие девять месяцев на трёх шагах: единый "
        "профиль клиента в CRM, процедура удержания клиентов, собирающихся уйти, и клиентские цели "
        "в системе показателей каждого руководителя. Вместе они — кратчайший путь к уровню "
        "«Клиентоцентричная компания»."
    ),
    "kk": (
        "Demo Bank клиенттік тәжірибені стратегиялық күн тәртібіне енгізді: 2025–2027 жылдарға "
        "арналған стратегия оны үш басымдықтың бірі деп атайды, басқарма NPS көрсеткішін әр "
        "тоқсан сайын қарайды, ал әр жаңа қызметкер қызмет көрсету стандарттары бойынша оқудан "
        "өтеді. Бұл «Клиентке бағдарланған компания» деңгейіне сәйкес келеді.\n\n"
        "Банкті ниеттің жоқтығы емес, орындалуы тежейді. Клиенттер туралы деректер бөлек "
        "жүйелерде сақталады, сондықтан бірде-бір қызметкер клиенттің толық тарихын көрмейді; "
        "шағымдар үш арна арқылы түседі; клиенттердің кетуі өлшенеді, бірақ оған шара "
        "қолданылмайды; сыйақы тек сату көлеміне байланысты.\n\n"
        "Басқармаға алдағы тоғыз айды үш қадамға шоғырландыруды ұсынамыз: CRM жүйесіндегі "
        "клиенттің бірыңғай профилі, кетуге ниетті клиенттерді ұстап қалу тәртібі және әр "
        "басшының көрсеткіштер жүйесіндегі клиенттік мақсаттар. Бірге алғанда олар «Клиентті "
        "орталыққа қойған компания» деңгейіне апаратын ең қысқа жол."
    ),
    "uz": (
        "Demo Bank mijoz tajribasini strategik kun tartibiga kiritdi: 2025–2027-yillarga "
        "moʻljallangan strategiya uni uchta ustuvor yoʻnalishdan biri deb ataydi, boshqaruv NPS "
        "koʻrsatkichini har chorakda koʻrib chiqadi, har bir yangi xodim esa xizmat koʻrsatish "
        "standartlari boʻyicha oʻqitiladi. Bu «Mijozga yoʻnaltirilgan kompaniya» darajasiga mos "
        "keladi.\n\n"
        "Bankni niyat yoʻqligi emas, ijro ushlab turibdi. Mijozlar haqidagi maʼlumotlar alohida "
        "tizimlarda saqlanadi, shu sababli birorta xodim mijozning toʻliq tarixini koʻrmaydi; "
        "shikoyatlar uchta kanal orqali keladi; mijozlar ketishi oʻlchanadi, ammo unga chora "
        "koʻrilmaydi; mukofotlar faqat sotuv hajmiga bogʻliq.\n\n"
        "Boshqaruvga keyingi toʻqqiz oyni uchta qadamga jamlashni tavsiya qilamiz: CRM tizimida "
        "mijozning yagona profili, ketishga moyil mijozlarni saqlab qolish tartibi va har bir "
        "rahbarning koʻrsatkichlar tizimida mijozga oid maqsadlar. Birgalikda ular «Mijozni "
        "markazga qoʻygan kompaniya» darajasiga eng qisqa yoʻldir."
    ),
}

# The first quotable text of each (source, indicator), in the language it was written in, with
# the consultant's translations into the other languages.
DEMO_QUOTES = (
    (
        "comment",
        "PRC-01",
        "en",
        {
            "ru": "Жалобы регистрируются в трёх разных системах.",
            "kk": "Шағымдар үш түрлі жүйеде тіркеледі.",
            "uz": "Shikoyatlar uchta turli tizimda qayd etiladi.",
        },
    ),
    (
        "comment",
        "PRC-10",
        "ru",
        {
            "en": "There is no regular churn monitoring, only one-off reports.",
            "kk": "Клиенттердің кетуі тұрақты бақыланбайды, тек бір реттік есептер бар.",
            "uz": "Mijozlar ketishi muntazam kuzatilmaydi, faqat bir martalik hisobotlar bor.",
        },
    ),
    (
        "comment",
        "TEC-01",
        "en",
        {
            "ru": "CRM не показывает историю клиента в приложении и в отделении вместе.",
            "kk": "CRM клиенттің қосымшадағы және бөлімшедегі тарихын бірге көрсетпейді.",
            "uz": "CRM mijozning ilovadagi va filialdagi tarixini birga koʻrsatmaydi.",
        },
    ),
    (
        "interview",
        "ORG-06",
        "en",
        {
            "ru": "Премии зависят только от объёма продаж.",
            "kk": "Сыйақы тек сату көлеміне байланысты.",
            "uz": "Mukofotlar faqat sotuv hajmiga bogʻliq.",
        },
    ),
)

DEMO_RELEASED_REPORTS = tuple(
    (kind, language) for kind in (ReportKind.EXECUTIVE, ReportKind.FULL) for language in ("en", "ru")
)


def demo_narrative_write(*, assessment: Assessment, consultant: AbstractBaseUser) -> None:
    """The consultant's review before publishing: findings kept as proposed, every proposed
    recommendation accepted, the commentary written and quotes picked, in every language."""
    findings_ensure(assessment=assessment, actor=consultant)
    recommendations_ensure(assessment=assessment, actor=consultant)
    recommendations_accept_proposed(assessment=assessment, user=consultant)
    commentary_set(assessment=assessment, user=consultant, text=DEMO_COMMENTARY)
    candidates = quote_candidates(assessment=assessment, language="en")
    for source, indicator, original_language, translations in DEMO_QUOTES:
        candidate = next(
            (item for item in candidates if item["source"] == source and item["indicator"] == indicator),
            None,
        )
        if candidate is not None:
            quote_pick(
                assessment=assessment,
                user=consultant,
                source=source,
                source_id=candidate["id"],
                original_language=original_language,
                translations=translations,
            )


def demo_reports_release(*, assessment: Assessment, consultant: AbstractBaseUser) -> list[Report]:
    """Render the published audit's executive and full reports in English and Russian, here
    and now (a demo has no worker to wait for), and release them to the client; reports
    released already are kept."""
    released = []
    for kind, language in DEMO_RELEASED_REPORTS:
        report = assessment.reports.filter(
            kind=kind, language=language, draft=False, released_at__isnull=False
        ).first()
        if report is None:
            report = Report.objects.create(
                assessment=assessment, kind=kind, language=language, requested_by=consultant, draft=False
            )
            report_render.apply(args=(report.pk,))
            report.refresh_from_db()
            if report.status != JobStatus.READY:
                raise RuntimeError(f"The demo's {kind} report in {language} did not render: {report.error}")
            report = report_release(report=report, user=consultant)
        released.append(report)
    return released


# The audit was published three weeks after its reference date; the plan's dates count from then.
DEMO_PUBLISHED = datetime.datetime(2026, 1, 20, 9, 0, tzinfo=datetime.UTC)
MANAGER = "manager"  # the demo client manager (assessment.demo.DEMO_LOGINS) owns these


@dataclass(frozen=True)
class DemoInitiative:
    """Where the demo plan's initiative at a position stands. `due_in_days`, when given, dates it
    from the day the demo is created, so that it is at risk or overdue whenever one looks."""

    status: str
    percent: int
    owner: str
    note: str
    due_in_days: int | None = None
    started_days_ago: int | None = None
    reason: str = ""
    budget: int | None = None
    target: tuple[str, str, float] | None = None


DEMO_PLAN = {
    1: DemoInitiative(
        InitiativeStatus.DONE, 100, "Head of Service Quality", "Coaching runs in every branch."
    ),
    2: DemoInitiative(
        InitiativeStatus.DONE, 100, "Head of Service Quality", "Two mystery-shopping waves done."
    ),
    3: DemoInitiative(
        InitiativeStatus.DROPPED,
        10,
        "Head of Marketing",
        "Postponed by the board.",
        reason="The board moved the loyalty programme review to next year's budget.",
    ),
    4: DemoInitiative(
        InitiativeStatus.DONE, 100, "Head of Marketing", "Captive clients get a retention offer."
    ),
    5: DemoInitiative(
        InitiativeStatus.IN_PROGRESS,
        60,
        "Chief Customer Officer",
        "KPI tree agreed for retail; SME next.",
        due_in_days=60,
        started_days_ago=120,
        budget=12_000_000,
        target=("nps", ">=", 32.0),
    ),
    6: DemoInitiative(
        InitiativeStatus.DONE, 100, "Head of Digital", "The bot hands over with the client's history."
    ),
    7: DemoInitiative(
        InitiativeStatus.IN_PROGRESS,
        50,
        "Head of Service Quality",
        "Waiting for the second SERVQUAL survey.",
        due_in_days=-20,
        started_days_ago=110,
    ),
    8: DemoInitiative(
        InitiativeStatus.IN_PROGRESS,
        70,
        MANAGER,
        "Branches and the app share one client card.",
        due_in_days=75,
        started_days_ago=150,
        budget=45_000_000,
    ),
    9: DemoInitiative(
        InitiativeStatus.IN_PROGRESS,
        40,
        MANAGER,
        "Benefits designed; the IT release slipped.",
        due_in_days=7,
        started_days_ago=90,
        target=("churn_rate", "<=", 13.5),
    ),
    10: DemoInitiative(
        InitiativeStatus.DONE,
        100,
        MANAGER,
        "Monthly churn report by segment.",
        target=("churn_rate", "<=", 14.0),
    ),
    11: DemoInitiative(
        InitiativeStatus.PLANNED, 0, "Head of Marketing", "", due_in_days=180, started_days_ago=-30
    ),
    12: DemoInitiative(
        InitiativeStatus.PLANNED, 0, "Head of Digital", "", due_in_days=150, started_days_ago=-30
    ),
}
# Interim values between the audit and the re-assessment, as the bank's monthly reports gave them.
DEMO_KPI_VALUES = (
    ("churn_rate", datetime.date(2026, 3, 31), 16.6),
    ("churn_rate", datetime.date(2026, 6, 30), 15.5),
    ("churn_rate", datetime.date(2026, 8, 31), 14.6),
    ("nps", datetime.date(2026, 3, 31), 25.0),
    ("nps", datetime.date(2026, 6, 30), 29.0),
)
DEMO_KPI_SOURCE = "Monthly CRM report"


def _demo_dates(initiative: Initiative, demo: DemoInitiative, today: datetime.date) -> dict:
    if demo.due_in_days is not None:
        return {
            "start_on": today - datetime.timedelta(days=demo.started_days_ago),
            "due_on": today + datetime.timedelta(days=demo.due_in_days),
        }
    start, due = HORIZON_MONTHS[initiative.recommendation.horizon]
    published = DEMO_PUBLISHED.date()
    return {"start_on": months_later(published, start), "due_on": months_later(published, due)}


def demo_plan_write(
    *, assessment: Assessment, consultant: AbstractBaseUser, manager: AbstractBaseUser
) -> None:
    """Once: the published audit's plan as the client carried it out since January — initiatives
    done, in progress (on track, at risk, overdue), planned and dropped, with owners, targets,
    budgets and progress notes — and interim values of churn and NPS."""
    if InitiativeUpdate.objects.filter(initiative__assessment=assessment).exists():
        return
    Assessment.objects.filter(pk=assessment.pk).update(published_at=DEMO_PUBLISHED)
    today = timezone.localdate()
    for initiative in assessment.initiatives.select_related("recommendation").order_by("position"):
        demo = DEMO_PLAN.get(initiative.position)
        if demo is None or initiative.recommendation is None:
            continue
        owner = {"owner": manager.pk} if demo.owner == MANAGER else {"owner_name": demo.owner}
        dates = _demo_dates(initiative, demo, today)
        targets = {demo.target[0]: {"op": demo.target[1], "value": demo.target[2]}} if demo.target else {}
        initiative = initiative_change(
            initiative=initiative, actor=consultant, **owner, **dates, budget=demo.budget, targets=targets
        )
        if demo.status == InitiativeStatus.PLANNED:
            continue
        update = initiative_progress_add(
            initiative=initiative,
            actor=manager if demo.owner == MANAGER else consultant,
            note=demo.note,
            percent_complete=demo.percent,
            status=demo.status,
            dropped_reason=demo.reason or None,
        )
        written = min(dates["due_on"], today) if demo.status == InitiativeStatus.DONE else today
        InitiativeUpdate.objects.filter(pk=update.pk).update(
            created_at=datetime.datetime.combine(written, datetime.time(10), tzinfo=datetime.UTC)
        )
    for key, measured_on, value in DEMO_KPI_VALUES:
        kpi_value_record(
            assessment=assessment,
            actor=manager,
            metric_key=key,
            measured_on=measured_on,
            value=value,
            source=DEMO_KPI_SOURCE,
        )
