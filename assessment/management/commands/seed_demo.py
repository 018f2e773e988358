from django.conf import settings
from django.core.management.base import BaseCommand

from assessment.demo import DEMO_LOGINS, demo_seed


class Command(BaseCommand):
    help = "Create the demo logins, organization and assessment (idempotent) and print the logins."

    def handle(self, *args, **options):
        assessment = demo_seed()
        self.stdout.write(self.style.SUCCESS(f"Demo assessment #{assessment.pk}: {assessment}"))
        self.stdout.write(f"Open {settings.SITE_URL}/admin/ and the API at {settings.SITE_URL}/api/docs/")
        self.stdout.write("Demo logins (username / password):")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.role:<17} {login.username} / {login.password}")
