from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from surveys.i18n import localized
from surveys.models import Answer, Area, CatalogVersion, Indicator, Invitation, Response


class ReadOnlyAdminMixin:
    """Published catalog content is immutable: a change is a new version."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AreaInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Area
    fields = ["position", "code", "name", "weight"]


@admin.register(CatalogVersion)
class CatalogVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "__str__", "published_at", "indicator_count"]
    inlines = [AreaInline]

    @admin.display(description=_("indicators"))
    def indicator_count(self, obj):
        return obj.indicators.count()


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "title_en", "area", "weight", "metric", "version"]
    list_filter = ["version", "area__code", "metric"]
    search_fields = ["code", "title", "question"]

    @admin.display(description=_("title"))
    def title_en(self, obj):
        return localized(obj.title, "en")


class AnswerInline(admin.TabularInline):
    model = Answer
    fields = ["indicator", "level", "comment", "updated_at"]
    readonly_fields = fields
    can_delete = False
    extra = 0


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "department", "role", "assessment", "created_at", "last_sent_at"]
    list_filter = ["role", "assessment__organization", "assessment"]
    search_fields = ["email", "name", "department"]
    readonly_fields = ["created_at", "last_sent_at"]


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["invitation", "started_at", "updated_at", "submitted_at"]
    list_filter = ["invitation__assessment"]
    search_fields = ["invitation__email"]
    inlines = [AnswerInline]
