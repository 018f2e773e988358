from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from surveys.services import CATALOG_FILE, CatalogError, catalog_load


class Command(BaseCommand):
    help = "Load the indicator catalog as a new version (does nothing when the content is already loaded)."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=CATALOG_FILE, help="catalog YAML file")

    def handle(self, *args, file: Path, **options):
        try:
            result = catalog_load(path=file)
        except CatalogError as error:
            raise CommandError(str(error)) from error
        count = result.version.indicators.count()
        if result.created:
            self.stdout.write(
                self.style.SUCCESS(f"Loaded catalog v{result.version.number}: {count} indicators.")
            )
        else:
            self.stdout.write(f"Catalog unchanged: v{result.version.number} ({count} indicators) is current.")
