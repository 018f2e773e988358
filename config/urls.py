"""The site's URLs. Apps are included by name, so this module imports none of them: config sits
below every app."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.metrics import metrics

api_v1 = [
    path("", include("assessment.api_urls")),
    path("", include("surveys.api_urls")),
    path("", include("reports.api_urls")),
]

# /healthz and /readyz are answered by config.health.HealthProbeMiddleware, before any URL.
urlpatterns = [
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("workspace.auth_urls")),
    path("r/", include("surveys.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the CSP allows no inline scripts.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", include("workspace.urls")),
]
