from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from surveys.services import CATALOG_FILES, CatalogError, catalog_load


class Command(BaseCommand):
    help = (
        "Load the indicator catalog's editions, oldest first, each as a new version unless its "
        "content is already loaded; the last becomes the version new assessments take."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, help="load only this catalog YAML file")

    def handle(self, *args, file: Path | None, **options):
        for path in [file] if file else CATALOG_FILES:
            try:
                result = catalog_load(path=path)
            except CatalogError as error:
                raise CommandError(str(error)) from error
            count = result.version.indicators.count()
            if result.created:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Loaded catalog v{result.version.number} (edition {result.version.edition}, "
                        f"{path.name}): {count} indicators."
                    )
                )
            else:
                self.stdout.write(
                    f"Catalog unchanged: v{result.version.number} ({path.name}, {count} indicators) is there."
                )
