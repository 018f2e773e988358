from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    name = "workspace"
    verbose_name = _("Workspace")

    def ready(self) -> None:
        from django.contrib import admin

        from workspace.auth import ThrottledAdminAuthenticationForm

        # The admin's sign-in counts failures like the workspace's own.
        admin.site.login_form = ThrottledAdminAuthenticationForm
