from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        from assessment import signals  # noqa: F401  (connects the receivers)
