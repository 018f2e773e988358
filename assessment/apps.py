from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        from assessment import signals  # noqa: F401  (connects the receivers)

        checks.register(catalog_binding_check)


def catalog_binding_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every metric the catalog can bind an indicator to (surveys.models.Metric, below this app)
    is informed by an entry of the metrics registry, and the other way round."""
    from assessment.metrics import binding_problems
    from surveys.models import Metric

    return [
        checks.Error(
            problem,
            hint="Declare it in assessment/metrics.py (informs=…), or add it to surveys.models.Metric.",
            id="assessment.E001",
        )
        for problem in binding_problems(Metric.values)
    ]
