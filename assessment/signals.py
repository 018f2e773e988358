"""Stored files go with their rows: an assessment's customer files, staged imports and
rendered reports are deleted from storage when the rows are deleted (directly or by the
assessment's cascade), once the deletion has committed, so a rolled-back delete keeps them."""

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from assessment.models import CustomerDataImport, CustomerDataset


def _files_delete_on_commit(paths: list[str]) -> None:
    paths = [path for path in paths if path]

    def delete() -> None:
        for path in paths:
            default_storage.delete(path)

    if paths:
        transaction.on_commit(delete)


@receiver(post_delete, sender=CustomerDataset, dispatch_uid="customer_dataset_files")
def customer_dataset_files_delete(sender, instance: CustomerDataset, **kwargs) -> None:
    _files_delete_on_commit([info.get("path") for info in instance.files.values()])


@receiver(post_delete, sender=CustomerDataImport, dispatch_uid="customer_import_files")
def customer_import_files_delete(sender, instance: CustomerDataImport, **kwargs) -> None:
    _files_delete_on_commit([info.get("path") for info in instance.uploads.values()])


@receiver(post_delete, sender="reports.Report", dispatch_uid="report_file")
def report_file_delete(sender, instance, **kwargs) -> None:
    _files_delete_on_commit([instance.file_path])
