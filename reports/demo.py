"""What the demo's consultant writes and hands over for the published audit: the reviewed
findings and roadmap, an executive commentary, quotes from the comments and interviews, and
the reports released to the client's executive."""

from django.contrib.auth.models import AbstractBaseUser

from assessment.models import Assessment
from config.jobs import JobStatus
from reports.models import Report, ReportKind
from reports.narrative_selectors import quote_candidates
from reports.narrative_services import commentary_set, findings_ensure, quote_pick
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
}

# The first quotable text of each (source, indicator), in the language it was written in, with
# the consultant's translation into the other language.
DEMO_QUOTES = (
    ("comment", "PRC-01", "en", {"ru": "Жалобы регистрируются в трёх разных системах."}),
    ("comment", "PRC-10", "ru", {"en": "There is no regular churn monitoring, only one-off reports."}),
    (
        "comment",
        "TEC-01",
        "en",
        {"ru": "CRM не показывает историю клиента в приложении и в отделении вместе."},
    ),
    ("interview", "ORG-06", "en", {"ru": "Премии зависят только от объёма продаж."}),
)

DEMO_RELEASED_REPORTS = tuple(
    (kind, language) for kind in (ReportKind.EXECUTIVE, ReportKind.FULL) for language in ("en", "ru")
)


def demo_narrative_write(*, assessment: Assessment, consultant: AbstractBaseUser) -> None:
    """The consultant's review before publishing: findings kept as proposed, every proposed
    recommendation accepted, the commentary written and quotes picked, in English and Russian."""
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
