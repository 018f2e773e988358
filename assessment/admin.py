from django.contrib import admin

from assessment.models import (
    ApiToken,
    Assessment,
    AuditEvent,
    CustomerDataImport,
    Membership,
    Organization,
    SignInLockout,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class AssessmentInline(admin.TabularInline):
    model = Assessment
    fields = ["title", "reference_date", "status", "baseline"]
    show_change_link = True
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "industry", "country", "segment", "created_at"]
    list_filter = ["industry", "country", "segment"]
    search_fields = ["name"]
    inlines = [MembershipInline, AssessmentInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "organization__name"]
    autocomplete_fields = ["user", "organization"]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["title", "organization", "status", "reference_date", "catalog_version", "baseline"]
    list_filter = ["status", "organization", "catalog_version"]
    search_fields = ["title", "organization__name"]
    date_hierarchy = "reference_date"
    autocomplete_fields = ["organization", "baseline"]
    readonly_fields = ["created_by", "created_at", "updated_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "last_used_at"]
    search_fields = ["user__username"]
    readonly_fields = ["user", "key_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False


@admin.register(CustomerDataImport)
class CustomerDataImportAdmin(admin.ModelAdmin):
    """To see how background imports fare; they are made and changed only by the import."""

    list_display = ["assessment", "status", "progress", "created_by", "created_at", "finished_at", "seconds"]
    list_filter = ["status"]
    search_fields = ["assessment__title", "assessment__organization__name"]
    date_hierarchy = "created_at"
    list_select_related = ["assessment__organization", "created_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log as the services recorded it: read only. Deleting stays allowed, or the admin
    could not delete an assessment (its events go with it)."""

    list_display = ["created_at", "assessment", "actor_label", "action", "target"]
    list_filter = ["action"]
    search_fields = ["assessment__title", "assessment__organization__name", "actor_label", "target"]
    date_hierarchy = "created_at"
    list_select_related = ["assessment__organization"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SignInLockout)
class SignInLockoutAdmin(admin.ModelAdmin):
    """Sign-in failures and locks (assessment.lockout); deleting one lifts its lock at once."""

    list_display = ["scope", "key_hash", "failures", "locks", "locked_until", "last_failure_at"]
    list_filter = ["scope"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
