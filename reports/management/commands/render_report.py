from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessment.models import Assessment
from config.jobs import JobRefused
from reports.models import ReportKind
from reports.services import report_bytes
from surveys.i18n import FALLBACK, SUPPORTED


class Command(BaseCommand):
    help = "Render a PDF report of an assessment to a file, for batch use (no queue, no stored copy)."

    def add_arguments(self, parser):
        parser.add_argument("assessment_id", type=int)
        parser.add_argument("--kind", choices=ReportKind.values, default=ReportKind.FULL)
        parser.add_argument("--language", choices=SUPPORTED, default=FALLBACK)
        parser.add_argument("--output", type=Path, required=True, help="where to write the PDF")

    def handle(self, *args, assessment_id: int, kind: str, language: str, output: Path, **options):
        assessment = (
            Assessment.objects.select_related("organization", "baseline").filter(pk=assessment_id).first()
        )
        if assessment is None:
            raise CommandError(f"No assessment #{assessment_id}.")
        if not output.parent.is_dir():
            raise CommandError(f"No folder {output.parent} to write {output.name} into.")
        try:
            pdf = report_bytes(assessment=assessment, kind=kind, language=language)
        except JobRefused as refused:
            raise CommandError(f"Assessment #{assessment_id}: {refused}") from refused
        output.write_bytes(pdf)
        self.stdout.write(self.style.SUCCESS(f"Wrote {output} ({len(pdf) // 1024} KB)."))
