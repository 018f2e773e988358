"""The respondents tab of an assessment: who is invited, who has answered, and inviting more.

Personal links exist in plain text only in the response to the request that created them:
the page that answers the POST lists them once (never cached, never stored), so the
consultant can copy them when e-mails go to the console."""

import csv

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from assessment.access import assessment_managed
from assessment.models import NEXT_STATUSES, Assessment
from assessment.services import assessment_remind_everyone, remind_everyone_next_at, respondent_remove
from config.celery import queue_deferrals
from config.exceptions import ItemErrors, StateConflict, TooLarge
from config.request_limits import body_limit
from surveys.i18n import FALLBACK
from surveys.importing import invitation_request_max_bytes, invitation_rows_read
from surveys.models import Invitation, RespondentRole, RespondentStatus
from surveys.selectors import (
    invitation_email_kinds,
    invitations_awaited,
    invitations_with_status,
    response_rate,
)
from surveys.services import (
    EMAILS_DEFERRED,
    INVITATION_FIELDS,
    NewInvitation,
    invitation_create_many,
    invitation_resend,
    invitation_row_normalize,
    invitation_rows_check,
)
from workspace.pages import assessment_page, redirect_back

PER_PAGE = 100
PASTE_MAX_LINES = 2000
ERRORS_SHOWN = 50
LINKS_LISTED = 200
BLANK_DEPARTMENT = "—"  # how response_rate names respondents without a department


# --- Forms -------------------------------------------------------------------------------------


# The three invitation forms share field names; their element ids must differ.
_AUTO_IDS = {"add": "add_%s", "paste": "paste_%s", "upload": "upload_%s"}


class RespondentForm(forms.Form):
    """One respondent; the same rules as the invitations API."""

    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)
    department = forms.CharField(label=gettext_lazy("Department"), max_length=200, required=False)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=RespondentRole.choices)
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the e-mail and questionnaire"),
        choices=settings.LANGUAGES,
        initial=FALLBACK,
    )


def _line_split(line: str) -> list[str]:
    separator = "\t" if "\t" in line else ";" if ";" in line else ","
    return [cell.strip() for cell in next(csv.reader([line], delimiter=separator, skipinitialspace=True))]


class PasteForm(forms.Form):
    lines = forms.CharField(
        label=gettext_lazy("Respondents, one per line"),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "wrap": "off"}),
        max_length=400_000,
        help_text=gettext_lazy(
            "email, name, department, role, language — separated by commas, semicolons or tabs "
            "(as copied from a spreadsheet). Role and language may be left out."
        ),
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Role where a line gives none"),
        choices=RespondentRole.choices,
        initial="frontline",
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language where a line gives none"), choices=settings.LANGUAGES, initial=FALLBACK
    )

    def clean(self):
        """Numbered rows {"line": n, "email": ...} with the defaults filled in, blank lines
        and a header line left out."""
        data = super().clean()
        if "lines" not in data or "role" not in data or "language" not in data:
            return data
        rows = []
        for number, line in enumerate(data["lines"].splitlines(), start=1):
            if not line.strip():
                continue
            cells = _line_split(line)
            if number == 1 and cells[0].lower() in ("email", "e-mail"):
                continue
            if len(cells) > 5:
                self.add_error(
                    "lines",
                    _("Line %(line)d: more than five values (email, name, department, role, language).")
                    % {"line": number},
                )
                return data
            row = invitation_row_normalize(
                dict(zip(INVITATION_FIELDS, cells, strict=False)),
                role=data["role"],
                language=data["language"],
            )
            rows.append({"line": number, **row})
        if not rows:
            self.add_error("lines", _("The list is empty."))
        elif len(rows) > PASTE_MAX_LINES:
            self.add_error(
                "lines",
                _("Paste at most %(count)d lines at once, or upload a file.") % {"count": PASTE_MAX_LINES},
            )
        data["rows"] = rows
        return data


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV or XLSX file"),
        help_text=gettext_lazy(
            "Columns email, name, department, role, language (email and role required); "
            "CSV in UTF-8 or Windows-1251, comma or semicolon separated."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean(self):
        data = super().clean()
        if "file" in data:
            try:
                rows = invitation_rows_read(data["file"])
            except ValidationError as error:
                self.add_error("file", error.message_dict.get("file") or error.messages)
                return data
            except TooLarge as error:
                self.add_error("file", error.message)
                return data
            if not rows:
                self.add_error("file", _("The file has no respondents."))
                return data
            # Row 1 holds the column names.
            data["rows"] = [{"line": index, **row} for index, row in enumerate(rows, start=2)]
        return data


# --- Inviting ----------------------------------------------------------------------------------


def _line_label(line: int, *, upload: bool) -> str:
    return _("Row %(row)d") % {"row": line} if upload else _("Line %(line)d") % {"line": line}


def _rows_invite(assessment: Assessment, rows: list[dict], *, upload: bool) -> list[NewInvitation]:
    """Validate each numbered row like the API does and invite them all, or raise a
    ValidationError listing every faulty line, in line order, and create nothing."""
    problems: list[tuple[int, str]] = []
    valid: list[dict] = []
    seen: dict[str, int] = {}
    for row in rows:
        line, label = row["line"], _line_label(row["line"], upload=upload)
        form = RespondentForm(data={key: row.get(key, "") for key in RespondentForm.base_fields})
        if not form.is_valid():
            problems.extend(
                (line, f"{label}: {form.fields[field].label}: {message}")
                for field, field_messages in form.errors.items()
                for message in field_messages
            )
            continue
        row = invitation_row_normalize(form.cleaned_data)
        email = row["email"]
        if email in seen:
            other = _line_label(seen[email], upload=upload)
            problems.append(
                (
                    line,
                    _("%(label)s: %(email)s is listed twice (see %(other)s).")
                    % {"label": label, "email": email, "other": other},
                )
            )
            continue
        seen[email] = line
        valid.append({**row, "line": line})
    try:
        # Addresses already invited, reported together with the problems above.
        invitation_rows_check(assessment=assessment, rows=valid)
    except ItemErrors as error:
        problems.extend(
            (valid[index]["line"], f"{_line_label(valid[index]['line'], upload=upload)}: {message}")
            for index, fields in error.errors.items()
            for field_messages in fields.values()
            for message in field_messages
        )
    if not problems:
        return invitation_create_many(
            assessment=assessment, rows=[{k: v for k, v in row.items() if k != "line"} for row in valid]
        )
    messages_ = [message for _line, message in sorted(problems, key=lambda problem: problem[0])]
    if len(messages_) > ERRORS_SHOWN:
        hidden = len(messages_) - ERRORS_SHOWN
        messages_ = [*messages_[:ERRORS_SHOWN], _("… and %(count)d more problems.") % {"count": hidden}]
    raise ValidationError(messages_)


def _created_message(request: HttpRequest, assessment: Assessment, created: list[NewInvitation]) -> None:
    count = len(created)
    if assessment.collecting:
        text = ngettext(
            "%(count)d respondent invited; the invitation e-mail is on its way.",
            "%(count)d respondents invited; their invitation e-mails are on their way.",
            count,
        )
    else:
        text = ngettext(
            "%(count)d respondent added; the invitation e-mail goes out when you open collection.",
            "%(count)d respondents added; their invitation e-mails go out when you open collection.",
            count,
        )
    messages.success(request, text % {"count": count})


# --- Views -------------------------------------------------------------------------------------


def _people(request: HttpRequest, assessment: Assessment, rate: dict) -> dict:
    """The table of people, filtered by ?status=, ?department= and ?q=, 100 per page."""
    people = invitations_with_status(assessment=assessment)
    status = request.GET.get("status") or ""
    if status in RespondentStatus.values:
        people = people.filter(status=status)
    else:
        status = ""
    departments = [row["department"] for row in rate["by_department"]]
    department = request.GET.get("department") or ""
    if department in departments:
        people = people.filter(department="" if department == BLANK_DEPARTMENT else department)
    else:
        department = ""
    query = (request.GET.get("q") or "").strip()[:200]
    if query:
        people = people.filter(
            Q(email__icontains=query) | Q(name__icontains=query) | Q(department__icontains=query)
        )
    page = Paginator(people, PER_PAGE).get_page(request.GET.get("page"))
    return {
        "page": page,
        "filters": {"status": status, "department": department, "q": query},
        "filtered": bool(status or department or query),
        "departments": departments,
        "statuses": RespondentStatus.choices,
    }


def _tab(
    request: HttpRequest,
    assessment: Assessment,
    *,
    forms_: dict | None = None,
    created: list[NewInvitation] | None = None,
    status: int = 200,
) -> HttpResponse:
    rate = response_rate(assessment=assessment)
    roles = dict(RespondentRole.choices)
    invitable = assessment.invitations_open
    forms_ = forms_ or {}
    context = {
        "rate": rate["overall"],
        "rate_tables": [
            {
                "slug": "department",
                "title": _("By department"),
                "group_label": _("Department"),
                "rows": [{**row, "group": row["department"]} for row in rate["by_department"]],
            },
            {
                "slug": "role",
                "title": _("By role"),
                "group_label": _("Role"),
                "rows": [{**row, "group": roles.get(row["role"], row["role"])} for row in rate["by_role"]],
            },
        ],
        "invitable": invitable,
        "collecting": assessment.collecting,
        "removable": assessment.editable,
        "email_kinds": invitation_email_kinds(assessment=assessment),
        "awaited": invitations_awaited(assessment=assessment).count() if assessment.collecting else 0,
        "reminded_next_at": remind_everyone_next_at(assessment=assessment, now=timezone.now()),
        "add_form": forms_.get("add") or RespondentForm(auto_id=_AUTO_IDS["add"]),
        "paste_form": forms_.get("paste") or PasteForm(auto_id=_AUTO_IDS["paste"]),
        "upload_form": forms_.get("upload") or UploadForm(auto_id=_AUTO_IDS["upload"]),
        "created": created[:LINKS_LISTED] if created else [],
        "created_count": len(created) if created else 0,
        "created_all": "\n".join(f"{new.invitation.email}\t{new.url}" for new in created or []),
        "advance_target": next(iter(NEXT_STATUSES[assessment.status]), None),
        **_people(request, assessment, rate),
    }
    response = assessment_page(
        request,
        assessment,
        tab="respondents",
        template="workspace/assessment/respondents.html",
        context=context,
        rate=rate,
        status=status,
    )
    if created:
        add_never_cache_headers(response)  # the page holds personal links
    return response


@body_limit(invitation_request_max_bytes)
@login_required
def respondents(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = assessment_managed(user=request.user, assessment_id=assessment_id)
    if request.method != "POST":
        return _tab(request, assessment)
    action = request.POST.get("action")
    if action == "remind_everyone":
        return _remind_everyone(request, assessment)
    if action not in ("add", "paste", "upload"):
        return redirect("workspace:respondents", assessment.pk)
    if not assessment.invitations_open:
        messages.error(
            request,
            _("Respondents can be invited only while the assessment is a draft or collecting answers."),
        )
        return redirect("workspace:respondents", assessment.pk)

    form_class = {"add": RespondentForm, "paste": PasteForm, "upload": UploadForm}[action]
    form = form_class(request.POST, request.FILES, auto_id=_AUTO_IDS[action])
    created = None
    if form.is_valid():
        try:
            with queue_deferrals() as deferred:
                if action == "add":
                    created = invitation_create_many(assessment=assessment, rows=[form.cleaned_data])
                else:
                    created = _rows_invite(assessment, form.cleaned_data["rows"], upload=action == "upload")
        except ItemErrors as error:  # one respondent: the only problem can be the e-mail address
            for fields in error.errors.values():
                for message in (m for field_messages in fields.values() for m in field_messages):
                    form.add_error("email", message)
        except ValidationError as error:
            form.add_error("lines" if action == "paste" else "file", error)
        except StateConflict as error:
            messages.error(request, error.message)
            return redirect("workspace:respondents", assessment.pk)
    if created is None:
        return _tab(request, assessment, forms_={action: form}, status=400)
    _created_message(request, assessment, created)
    if deferred:
        messages.warning(request, EMAILS_DEFERRED)
    # Answered directly rather than redirected: the links must not be stored anywhere.
    assessment.refresh_from_db()
    return _tab(request, assessment, created=created)


def _remind_everyone(request: HttpRequest, assessment: Assessment) -> HttpResponse:
    try:
        with queue_deferrals() as deferred:
            reminded = assessment_remind_everyone(
                assessment=assessment, actor=request.user, now=timezone.now()
            )
    except StateConflict as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            ngettext(
                "A reminder is on its way to %(count)d person who has not submitted.",
                "A reminder is on its way to %(count)d people who have not submitted.",
                reminded,
            )
            % {"count": reminded},
        )
        if deferred:
            messages.warning(request, EMAILS_DEFERRED)
    return redirect(reverse("workspace:respondents", args=[assessment.pk]) + "#reminders")


@login_required
@require_POST
def respondent_resend(request: HttpRequest, assessment_id: int, invitation_id: int) -> HttpResponse:
    """E-mail one respondent a new personal link."""
    assessment = assessment_managed(user=request.user, assessment_id=assessment_id)
    invitation = get_object_or_404(Invitation, assessment=assessment, pk=invitation_id)
    try:
        with queue_deferrals() as deferred:
            invitation_resend(invitation=invitation)
    except StateConflict as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("A new personal link is on its way to %(email)s.") % {"email": invitation.email}
        )
        if deferred:
            messages.warning(request, EMAILS_DEFERRED)
    return redirect_back(request, reverse("workspace:respondents", args=[assessment.pk]))


@login_required
@require_POST
def respondent_removal(request: HttpRequest, assessment_id: int, invitation_id: int) -> HttpResponse:
    """Remove a respondent who left the company: their answers leave the scores."""
    assessment = assessment_managed(user=request.user, assessment_id=assessment_id)
    invitation = get_object_or_404(Invitation, assessment=assessment, pk=invitation_id)
    try:
        removed = respondent_remove(invitation=invitation, actor=request.user)
    except StateConflict as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            ngettext(
                "%(email)s is removed, with %(count)d answer; the personal link no longer opens.",
                "%(email)s is removed, with %(count)d answers; the personal link no longer opens.",
                removed["answers"],
            )
            % {"email": removed["email"], "count": removed["answers"]},
        )
    return redirect_back(request, reverse("workspace:respondents", args=[assessment.pk]))
