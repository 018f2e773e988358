import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from reports.services import outbox_sweep


class Command(BaseCommand):
    help = (
        "Send again the e-mails and background jobs the task queue did not take or lost, fail jobs "
        "whose run was killed, delete staged uploads nothing refers to (what Celery beat runs every "
        "SWEEP_SECONDS; without a broker, run this instead)."
    )

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(outbox_sweep(now=timezone.now()), sort_keys=True))
