from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.exceptions import ItemErrors, StateConflict
from surveys.i18n import FALLBACK, localized
from surveys.models import Answer, Area, CatalogVersion, Indicator, Invitation, InvitationEmail, Response
from surveys.services import invitation_create_many, invitation_resend, invitation_rows_check


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
        return localized(obj.title, FALLBACK)


class AnswerInline(admin.TabularInline):
    model = Answer
    fields = ["indicator", "level", "comment", "updated_at"]
    readonly_fields = fields
    can_delete = False
    extra = 0


class InvitationEmailInline(admin.TabularInline):
    model = InvitationEmail
    fields = ["kind", "reminder_day", "state", "created_at", "sent_at", "error"]
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


class InvitationAdminForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["assessment", "email", "name", "department", "role", "language"]

    def row(self) -> dict:
        return {
            field: self.cleaned_data.get(field, "") for field in self.Meta.fields if field != "assessment"
        }

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and cleaned.get("assessment") and not self.errors:
            try:
                invitation_rows_check(assessment=cleaned["assessment"], rows=[self.row()])
            except ItemErrors as invalid:
                raise ValidationError(invalid.errors[0]) from invalid
            except StateConflict as conflict:
                raise ValidationError(conflict.message) from conflict
        return cleaned


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "name",
        "department",
        "role",
        "assessment",
        "created_at",
        "sent_at",
        "last_sent_at",
    ]
    list_filter = ["role", "assessment__organization", "assessment"]
    search_fields = ["email", "name", "department"]
    readonly_fields = ["created_at", "sent_at", "last_sent_at"]
    autocomplete_fields = ["assessment"]
    inlines = [InvitationEmailInline]
    actions = ["resend"]

    form = InvitationAdminForm

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # New respondents go through the service: hashed link, e-mail after commit.
        [new] = invitation_create_many(assessment=obj.assessment, rows=[form.row()])
        obj.pk = new.invitation.pk
        obj.personal_link = new.url

    def response_add(self, request, obj, post_url_continue=None):
        # The link is shown on a page of its own (even in a pop-up, where it would otherwise be
        # lost), not as a message: messages travel in a cookie.
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Personal link"),
            "invitation": obj,
            "url": obj.personal_link,
        }
        return TemplateResponse(request, "admin/surveys/invitation/personal_link.html", context)

    @admin.action(description=_("Resend the invitation e-mail"))
    def resend(self, request, queryset):
        sent = 0
        for invitation in queryset.select_related("assessment"):
            try:
                invitation_resend(invitation=invitation)
                sent += 1
            except StateConflict as conflict:
                self.message_user(request, f"{invitation.email}: {conflict.message}", messages.WARNING)
        self.message_user(
            request, ngettext("%(count)d e-mail queued.", "%(count)d e-mails queued.", sent) % {"count": sent}
        )


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["invitation", "started_at", "updated_at", "submitted_at"]
    list_filter = ["invitation__assessment"]
    search_fields = ["invitation__email"]
    inlines = [AnswerInline]
