"""What the client reads of the roadmap (docs/methods.md §10.3): only the recommendations the
consultant accepted, the first 12 as the roadmap and the rest as "later"; a client's report
waits until no proposal awaits review, a draft leaves the proposals out and counts them."""

import pytest

from assessment.models import Assessment, Status
from config.exceptions import StateConflict
from config.jobs import JobRefused
from reports.models import RecommendationItem, RecommendationStatus
from reports.recommendations import recommendation_library
from reports.rendering import report_html
from reports.selectors import recommendations_list, report_context
from reports.services import (
    recommendations_accept_proposed,
    recommendations_ensure,
    recommendations_review,
    report_bytes,
    roadmap_reviewed_check,
)


def _statuses(assessment, *statuses) -> list[RecommendationItem]:
    """Set the roadmap's first items to `statuses` in order; return the roadmap."""
    items = list(assessment.recommendations.order_by("position"))
    for item, status in zip(items, statuses, strict=False):
        item.status = status
    RecommendationItem.objects.bulk_update(items, ["status"])
    return items


@pytest.fixture
def current(audit):
    recommendations_ensure(assessment=audit.current)
    return audit.current


def test_a_draft_report_shows_only_the_accepted_and_counts_the_proposals_it_leaves_out(current):
    items = _statuses(
        current, RecommendationStatus.ACCEPTED, RecommendationStatus.REJECTED, RecommendationStatus.ACCEPTED
    )
    pending = len(items) - 3
    assert pending >= 2
    context = report_context(assessment=current, kind="full", language="en")
    assert [item["code"] for item in context["roadmap"]] == [items[0].code, items[2].code]
    assert [item["position"] for item in context["roadmap"]] == [1, 2]
    assert context["roadmap_awaiting"] == pending
    html = report_html(context=context, draft=True)
    assert f"Draft: {pending} proposed recommendations await review and are not shown." in html
    library = recommendation_library()
    for item in items[1:2] + items[3:]:
        assert library.recommendation(item.code).title["en"] not in html


def test_a_client_report_waits_until_no_proposal_awaits_review(current, audit, api, request_report):
    api.force_authenticate(audit.consultant)
    items = _statuses(current, RecommendationStatus.ACCEPTED)
    # Published before this rule (publishing now refuses), with proposals left undecided.
    Assessment.objects.filter(pk=current.pk).update(status=Status.PUBLISHED)
    current.refresh_from_db()
    response = request_report(current)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "roadmap_not_reviewed"
    assert body["pending"] == [item.code for item in items[1:]]
    assert not current.reports.exists()
    # The worker refuses too, should a job have been queued before.
    with pytest.raises(JobRefused, match="await your review"):
        report_bytes(assessment=current, kind="full", language="en")


def test_accepted_past_the_limit_are_later_and_prerequisites_read_as_positions(current, audit):
    recommendations_accept_proposed(assessment=current, user=audit.consultant)
    while current.recommendations.count() < 14:
        recommendations_review(
            assessment=current,
            user=audit.consultant,
            changes=[
                {
                    "title": {"en": "Open a CX academy", "ru": "Открыть академию"},
                    "horizon": "3-6",
                    "effort": "S",
                }
            ],
        )
    listed = recommendations_list(assessment=current, language="en")
    accepted = [item for item in listed if item["status"] == RecommendationStatus.ACCEPTED]
    assert len(accepted) == len(listed)  # custom ones are accepted as written
    context = report_context(assessment=current, kind="full", language="en")
    assert [item["id"] for item in context["roadmap"]] == [item["id"] for item in accepted[:12]]
    assert [item["id"] for item in context["roadmap_later"]] == [item["id"] for item in accepted[12:]]
    assert [item["later"] for item in listed] == [False] * 12 + [True] * (len(listed) - 12)
    positions = {item["code"]: item["position"] for item in context["roadmap"] if item["code"]}
    for item in context["roadmap"]:
        expected = [positions[code] for code in item["prerequisites"] if code in positions]
        assert item["after"] == expected
    html = report_html(context=context)
    assert "Later, once these are under way:" in html
    assert context["roadmap_later"][0]["title"] in html


def test_the_roadmap_check_names_every_proposal(current):
    items = list(current.recommendations.order_by("position"))
    with pytest.raises(StateConflict) as refused:
        roadmap_reviewed_check(assessment=current)
    assert refused.value.code == "roadmap_not_reviewed"
    assert refused.value.extra == {"pending": [item.code for item in items]}


def test_an_assessment_may_hold_its_roadmap_to_its_own_limit(current, audit, api):
    recommendations_accept_proposed(assessment=current, user=audit.consultant)
    count = current.recommendations.count()
    assert count > 4
    api.force_authenticate(audit.consultant)
    url = f"/api/v1/assessments/{current.pk}/"
    for bad in (0, 41, "many"):
        response = api.patch(url, {"roadmap_limit": bad}, format="json")
        assert response.status_code == 400 and "roadmap_limit" in response.json()
    assert api.patch(url, {"roadmap_limit": 4}, format="json").json()["roadmap_limit"] == 4
    current.refresh_from_db()
    listed = recommendations_list(assessment=current, language="en")
    assert [item["later"] for item in listed] == [False] * 4 + [True] * (count - 4)
    context = report_context(assessment=current, kind="full", language="en")
    assert (len(context["roadmap"]), len(context["roadmap_later"])) == (4, count - 4)
    event = current.audit_events.get(action="settings", target="roadmap_limit")
    assert (event.before, event.after) == (None, 4)
    # Back to the method's 12; under method 1 nothing is later, whatever the assessment says.
    assert api.patch(url, {"roadmap_limit": None}, format="json").json()["roadmap_limit"] is None
    current.refresh_from_db()
    assert current.roadmap_limit_in_force == 12
    Assessment.objects.filter(pk=current.pk).update(method_version=1, roadmap_limit=4)
    current.refresh_from_db()
    assert current.roadmap_limit_in_force is None
    assert not any(item["later"] for item in recommendations_list(assessment=current, language="en"))
