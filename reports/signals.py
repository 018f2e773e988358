"""What reports asks of an assessment before it is published: the roadmap the client will read
reviewed, no proposal left undecided (a published roadmap no longer changes)."""

from django.dispatch import receiver

from assessment.models import Assessment
from assessment.services import assessment_publishing
from reports.services import roadmap_reviewed_check


@receiver(assessment_publishing, sender=Assessment, dispatch_uid="roadmap_reviewed_before_publishing")
def roadmap_reviewed_before_publishing(sender, assessment: Assessment, **kwargs) -> None:
    roadmap_reviewed_check(assessment=assessment)
