"""What reports asks of an assessment as it is published: the roadmap the client will read
reviewed, no proposal left undecided (a published roadmap no longer changes); then its accepted
recommendations become the initiatives of the action plan."""

from django.dispatch import receiver

from assessment.models import Assessment
from assessment.services import assessment_publishing
from reports.plan_services import action_plan_from_roadmap
from reports.services import roadmap_reviewed_check


@receiver(assessment_publishing, sender=Assessment, dispatch_uid="roadmap_reviewed_before_publishing")
def roadmap_reviewed_before_publishing(sender, assessment: Assessment, **kwargs) -> None:
    roadmap_reviewed_check(assessment=assessment)


@receiver(assessment_publishing, sender=Assessment, dispatch_uid="action_plan_on_publishing")
def action_plan_on_publishing(sender, assessment: Assessment, actor=None, **kwargs) -> None:
    # After the check above (receivers run in the order they connect): a refused publication
    # rolls back with the plan.
    action_plan_from_roadmap(assessment=assessment, actor=actor)
