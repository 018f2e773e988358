"""The frame every assessment page shares: its header (status, response rate, score and
level) and the tabs the user may open."""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from assessment.access import baseline_readable, user_manages
from assessment.levels import level_name
from assessment.models import NEXT_STATUSES, Assessment, Status
from assessment.selectors import assessment_scores, executive_assessment_scope
from reports.context import scores_preliminary
from reports.plan_selectors import plan_health_by_assessment
from reports.reassessment import reassessment_due, reassessment_start_url
from surveys.selectors import invitations_unsent, response_rate


@dataclass(frozen=True)
class Tab:
    slug: str
    title: str
    url_name: str
    consultant_only: bool = True
    needs_baseline: bool = False
    # Reports are the executives' and the consultants'; a client manager reads the plan instead.
    reports: bool = False


# One tab per step of the audit, in the order the audit runs.
TABS = (
    Tab("respondents", _("Respondents"), "workspace:respondents"),
    Tab("interviews", _("Interviews"), "workspace:interviews"),
    Tab("customer-data", _("Customer data"), "workspace:customer-data"),
    Tab("analytics", _("Analytics"), "workspace:analytics"),
    Tab("scores", _("Scores"), "workspace:scores", consultant_only=False),
    Tab("comparison", _("Comparison"), "workspace:comparison", consultant_only=False, needs_baseline=True),
    Tab("findings", _("Findings"), "workspace:findings"),
    Tab("recommendations", _("Recommendations"), "workspace:recommendations"),
    Tab("translations", _("Translations"), "workspace:translations"),
    Tab("reports", _("Reports"), "workspace:reports", consultant_only=False, reports=True),
    Tab("action-plan", _("Action plan"), "workspace:action-plan", consultant_only=False),
    Tab("audit", _("Audit log"), "workspace:audit"),
    Tab("settings", _("Settings"), "workspace:settings"),
)

# What the button that moves the audit to its next status says.
ADVANCE_LABELS = {
    Status.COLLECTING: _("Open collection"),
    Status.SCORING: _("Close collection"),
    Status.PUBLISHED: _("Publish to the client"),
    Status.CLOSED: _("Close the assessment"),
}


def tabs_for(*, manages: bool, baseline: Assessment | None, reads_reports: bool = True) -> list[Tab]:
    """The tabs the user may open; `baseline`: the baseline they may open, if any."""
    return [
        tab
        for tab in TABS
        if (manages or not tab.consultant_only)
        and (baseline is not None or not tab.needs_baseline)
        and (reads_reports or not tab.reports)
    ]


def assessment_summary(
    assessment: Assessment, *, scores: dict | None = None, rate: dict | None = None
) -> dict:
    """Score, level (none while the scores are preliminary) and response rate as the home page
    and the page header show them; a tab that has already loaded the scores or the response
    rate passes them in, so neither is computed twice for one page."""
    scores = scores or assessment_scores(assessment=assessment)
    overall = scores["overall"]
    rate = (rate or response_rate(assessment=assessment))["overall"]
    return {
        "score": overall["score"],
        "level": overall["level"],
        "level_name": level_name(overall["level"]),
        "preliminary": scores_preliminary(scores),
        "published": scores["published"],
        "invited": rate["total"],
        "submitted": rate["submitted"],
        "rate": rate["rate"],
    }


def assessment_page(
    request: HttpRequest,
    assessment: Assessment,
    *,
    tab: str,
    template: str,
    context: dict | None = None,
    status: int = 200,
    scores: dict | None = None,
    rate: dict | None = None,
) -> HttpResponse:
    manages = user_manages(user=request.user, assessment=assessment)
    # A baseline the user may not open is not named or compared with (assessment.access).
    baseline = baseline_readable(user=request.user, assessment=assessment)
    reads_reports = manages or executive_assessment_scope(user=request.user).filter(pk=assessment.pk).exists()
    tabs = tabs_for(manages=manages, baseline=baseline, reads_reports=reads_reports)
    next_status = next(iter(NEXT_STATUSES[assessment.status]), None) if manages else None
    page = {
        "assessment": assessment,
        "organization": assessment.organization,
        "readable_baseline": baseline,
        "manages": manages,
        "tabs": [
            {"slug": t.slug, "title": t.title, "url": reverse(t.url_name, args=[assessment.pk])} for t in tabs
        ],
        "active_tab": tab,
        "summary": assessment_summary(assessment, scores=scores, rate=rate),
        "next_status": next_status,
        "next_status_label": ADVANCE_LABELS.get(next_status),
        # Opening collection e-mails everyone not yet invited: the confirmation says how many.
        "unsent": (
            invitations_unsent(assessment=assessment).count() if next_status == Status.COLLECTING else 0
        ),
        "reassessment": _reassessment_due(assessment) if manages else None,
        **(context or {}),
    }
    return render(request, template, page, status=status)


def _reassessment_due(assessment: Assessment) -> dict | None:
    """For the consultants, once the assessment's re-assessment is due and not started: since
    when, and the link that starts it with this assessment as its baseline."""
    due_on = reassessment_due(assessment=assessment)
    if due_on is None or due_on > timezone.localdate():
        return None
    return {"due_on": due_on, "url": reassessment_start_url(assessment=assessment)}


def assessments_with_summaries(assessments) -> list[dict]:
    """Each assessment with its summary and where its action plan stands (None without one)."""
    assessments = list(assessments)
    plans = plan_health_by_assessment(
        assessment_ids=[assessment.pk for assessment in assessments], today=timezone.localdate()
    )
    return [{"assessment": a, **assessment_summary(a), "plan": plans.get(a.pk)} for a in assessments]


def redirect_back(request: HttpRequest, default: str) -> HttpResponse:
    """After a form post, back to the page named in `next` if it is one of ours."""
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = default
    return redirect(target or default)
