"""The workspace's pages: the consultant runs audits here, the client executive reads them."""

from django.urls import path

from workspace import (
    analytics,
    assessment_settings,
    audit,
    branding,
    customer_data,
    email_preview,
    exports,
    findings,
    home,
    interviews,
    organizations,
    plan,
    plan_exports,
    questions,
    reports,
    respondents,
    scores,
    translations,
)

app_name = "workspace"

urlpatterns = [
    path("", home.home, name="home"),
    path("branding/", branding.branding_page, name="branding"),
    path("branding.css", branding.branding_css, name="branding-css"),
    path("logos/<str:name>", branding.logo, name="logo"),
    path("organizations/new/", organizations.organization_new, name="organization-new"),
    path("organizations/<int:organization_id>/", organizations.organization, name="organization"),
    path(
        "organizations/<int:organization_id>/consultants/",
        organizations.organization_consultants_page,
        name="organization-consultants",
    ),
    path(
        "organizations/<int:organization_id>/users/",
        organizations.organization_users,
        name="organization-users",
    ),
    path(
        "organizations/<int:organization_id>/edit/", organizations.organization_edit, name="organization-edit"
    ),
    path(
        "organizations/<int:organization_id>/archive/",
        organizations.organization_archive_page,
        name="organization-archive",
    ),
    path("organizations/<int:organization_id>/assessments/new/", home.assessment_new, name="assessment-new"),
    path("assessments/<int:assessment_id>/", home.assessment, name="assessment"),
    path("assessments/<int:assessment_id>/advance/", home.assessment_advance, name="assessment-advance"),
    path("assessments/<int:assessment_id>/respondents/", respondents.respondents, name="respondents"),
    path(
        "assessments/<int:assessment_id>/respondents/<int:invitation_id>/resend/",
        respondents.respondent_resend,
        name="respondent-resend",
    ),
    path(
        "assessments/<int:assessment_id>/respondents/<int:invitation_id>/remove/",
        respondents.respondent_removal,
        name="respondent-remove",
    ),
    path(
        "assessments/<int:assessment_id>/emails/<slug:kind>/<slug:language>/",
        email_preview.email_preview,
        name="email-preview",
    ),
    path(
        "assessments/<int:assessment_id>/emails/<slug:kind>/<slug:language>/html/",
        email_preview.email_preview_html,
        name="email-preview-html",
    ),
    path("assessments/<int:assessment_id>/respondents/questions/", questions.questions, name="questions"),
    path("assessments/<int:assessment_id>/interviews/", interviews.interviews, name="interviews"),
    path("assessments/<int:assessment_id>/customer-data/", customer_data.customer_data, name="customer-data"),
    path("assessments/<int:assessment_id>/analytics/", analytics.analytics, name="analytics"),
    path("assessments/<int:assessment_id>/action-plan/", plan.action_plan, name="action-plan"),
    path(
        "assessments/<int:assessment_id>/action-plan.xlsx",
        plan_exports.action_plan_xlsx,
        name="action-plan-xlsx",
    ),
    path(
        "assessments/<int:assessment_id>/action-plan.ics",
        plan_exports.action_plan_ics,
        name="action-plan-ics",
    ),
    path(
        "assessments/<int:assessment_id>/analytics/themes/<str:source>/<str:key>/",
        analytics.theme_edit_view,
        name="theme-edit",
    ),
    path("assessments/<int:assessment_id>/scores/", scores.scores, name="scores"),
    path("assessments/<int:assessment_id>/comparison/", reports.comparison, name="comparison"),
    path("assessments/<int:assessment_id>/findings/", findings.findings, name="findings"),
    path(
        "assessments/<int:assessment_id>/recommendations/",
        reports.recommendations,
        name="recommendations",
    ),
    path("assessments/<int:assessment_id>/translations/", translations.translations, name="translations"),
    path(
        "assessments/<int:assessment_id>/translations.xlsx",
        translations.translations_workbook,
        name="translations-workbook",
    ),
    path("assessments/<int:assessment_id>/reports/", reports.reports, name="reports"),
    path(
        "assessments/<int:assessment_id>/reports/<int:report_id>/release/",
        reports.report_release_page,
        name="report-release",
    ),
    path("assessments/<int:assessment_id>/audit/", audit.audit, name="audit"),
    path(
        "assessments/<int:assessment_id>/settings/",
        assessment_settings.assessment_settings,
        name="settings",
    ),
    path(
        "assessments/<int:assessment_id>/export/<slug:dataset>.<slug:file_format>",
        exports.export,
        name="export",
    ),
]
