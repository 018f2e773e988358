from django.core.management.base import BaseCommand

from assessment.customer_data import customer_metrics_refresh
from assessment.models import EDITABLE_STATUSES, Assessment


class Command(BaseCommand):
    help = (
        "Compute the customer metrics of every unpublished assessment again from its stored files, "
        "as this version computes them (run after an upgrade that changes them; published "
        "assessments keep theirs)."
    )

    def handle(self, *args, **options):
        unpublished = Assessment.objects.filter(status__in=EDITABLE_STATUSES, customer_data__isnull=False)
        refreshed = sum(
            customer_metrics_refresh(assessment=assessment) for assessment in unpublished.iterator()
        )
        self.stdout.write(f"Customer metrics computed again for {refreshed} assessment(s).")
