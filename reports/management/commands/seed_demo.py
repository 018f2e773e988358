import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from assessment.demo import DEMO_LOGINS, demo_respondent_link, demo_seed
from reports.demo import demo_narrative_write, demo_plan_write, demo_reports_release
from surveys.services import respondent_url


class Command(BaseCommand):
    help = (
        "Create the demo logins, organization, published audit with its released reports and the "
        "re-assessment (idempotent), and print the logins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Create the demo even with DEBUG off (known passwords)."
        )
        parser.add_argument(
            "--no-reports",
            action="store_false",
            dest="reports",
            help="Do not render the audit's released reports (a quicker set-up; the executive sees none).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            # The demo logins have published passwords: on a production server they are a way in.
            raise CommandError(
                "DEBUG is off: this looks like a production server, and the demo creates logins with "
                "published passwords. Run it with DEBUG=true, or add --force to create them anyway."
            )
        # Demo respondents have made-up addresses: their e-mails stay in memory.
        logging.getLogger("celery").setLevel(logging.WARNING)
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            assessment = demo_seed(before_publish=demo_narrative_write)
        audit = assessment.baseline
        self.stdout.write(self.style.SUCCESS(f"Published audit #{audit.pk}: {audit}"))
        demo_plan_write(
            assessment=audit,
            consultant=audit.created_by,
            manager=get_user_model().objects.get(username=DEMO_LOGINS[-1].username),
        )
        self.stdout.write(f"  its action plan: {audit.initiatives.count()} initiatives")
        if options["reports"]:
            released = demo_reports_release(assessment=audit, consultant=audit.created_by)
            self.stdout.write(f"  its reports released to the client executive: {len(released)}")
        self.stdout.write(self.style.SUCCESS(f"Demo assessment #{assessment.pk}: {assessment}"))
        self.stdout.write(
            f"Open {settings.SITE_URL}/ and sign in; the API is at {settings.SITE_URL}/api/docs/, "
            f"the admin at {settings.SITE_URL}/admin/"
        )
        self.stdout.write("Demo logins (username / password):")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.role:<17} {login.username} / {login.password}")
        token = demo_respondent_link(assessment=assessment)
        if token:
            self.stdout.write(f"Demo respondent questionnaire: {respondent_url(token=token)}")
