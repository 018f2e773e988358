from django.apps import AppConfig


class FilestoreConfig(AppConfig):
    name = "config.filestore"
    label = "filestore"
    verbose_name = "File store"
