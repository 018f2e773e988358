from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.exceptions import ItemErrors
from config.spreadsheets import UnreadableTable
from reports.method_translations import (
    MethodTextsInvalid,
    method_translations_completeness,
    method_translations_import,
    method_translations_workbook,
)
from surveys.i18n import FALLBACK, SUPPORTED


class Command(BaseCommand):
    help = (
        "The method's texts (catalog editions, recommendation library, finding templates) as a "
        "translation workbook: `status` (completeness per language), `export`, `import` (every row "
        "checked first; changed catalog editions load as new catalog versions)."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("status", help="how complete each language is")
        export = actions.add_parser("export", help="write the workbook of one language pair")
        export.add_argument("--source", choices=SUPPORTED, default=FALLBACK)
        export.add_argument("--target", choices=SUPPORTED, required=True)
        export.add_argument("--output", type=Path, required=True)
        workbook = actions.add_parser("import", help="apply a translated workbook")
        workbook.add_argument("file", type=Path)

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    def _status(self, **options):
        for found in method_translations_completeness():
            self.stdout.write(
                f"{found.language}: {found.percent} % — {found.missing} of {found.total} texts missing"
            )

    def _export(self, *, source: str, target: str, output: Path, **options):
        if source == target:
            raise CommandError("Choose a target language other than the source.")
        output.write_bytes(method_translations_workbook(source=source, target=target))
        self.stdout.write(self.style.SUCCESS(f"Wrote {output}."))

    def _import(self, *, file: Path, **options):
        try:
            imported = method_translations_import(raw=file.read_bytes())
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        except UnreadableTable as error:
            raise CommandError(f"{file.name}: {error}") from error
        except ItemErrors as error:
            lines = [
                f"row {row}, {column}: {message}"
                for row, columns in sorted(error.errors.items())
                for column, messages in columns.items()
                for message in messages
            ]
            raise CommandError("Nothing was imported:\n" + "\n".join(lines)) from error
        except MethodTextsInvalid as error:
            raise CommandError(f"Nothing was imported: {error}") from error
        versions = ", ".join(f"v{number}" for number in imported.catalog_versions) or "none"
        files = ", ".join(imported.files) or "no file"
        self.stdout.write(
            self.style.SUCCESS(
                f"{imported.changed} texts in {imported.target} imported into {files}; new catalog "
                f"versions: {versions}. Restart the server and workers to read the library's new texts."
            )
        )
