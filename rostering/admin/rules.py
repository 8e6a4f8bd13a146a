"""The connection's Sync rules and Name formats pages (issue 17), and the fieldset on the
connection page that sums them up and links to them.

Sync rules are previewed before they are saved: the form's Preview runs a dry import
with the proposed rules; Save appears only with that preview, and saves exactly the
values previewed (signed into the page). Name formats show the names of the first 20
accounts before they are saved; renames of existing accounts wait for approval.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from audit.services import remote_addr_of
from rostering.admin.badges import status_badge
from rostering.models.rules import RULE_FIELDS, RULE_KINDS, NameFormat, SyncRules
from rostering.naming import NAME_PLACEHOLDERS
from rostering.naming_preview import name_format_preview
from rostering.preview import ROWS_SHOWN
from rostering.rules_settings import (
    name_format_clean,
    name_format_get,
    name_format_update,
    rule_values_parse,
    sync_rules_get,
    sync_rules_preview,
    sync_rules_update,
)
from rostering.sync.rules import SKIP_RULE_LABELS
from rostering.sync.runs import ConnectionBusy, ConnectionDisabled
from sis.records import CEDS_GRADES

RULES_SAVED = "Sync rules of {connection} saved: the next import applies them."
RULES_NOT_PREVIEWED = "Preview the rules before saving them (the values changed since)."
NAMES_SAVED = (
    "Name formats of {connection} saved. New accounts get these names from the next import; "
    "{renames} existing account{s} would be renamed: the next import holds the renames for "
    "your approval (Review held changes)."
)
RULES_FIELDSET = (
    "Sync rules and name formats",
    {
        "fields": ["rules_summary"],
        "description": "Which students and classes to import, and how accounts are named.",
    },
)
SIGN_SALT = "rostering.sync-rules-preview"


class RulesForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in RULE_FIELDS:
            field = SyncRules._meta.get_field(name)
            self.fields[name] = forms.CharField(
                label=field.verbose_name, required=False, help_text=field.help_text,
                widget=forms.TextInput(attrs={"size": 50}),
            )  # fmt: skip


class NamesForm(forms.ModelForm):
    class Meta:
        model = NameFormat
        fields = [*NameFormat.TEMPLATE_FIELDS, "max_length"]
        widgets = {
            name: forms.TextInput(attrs={"size": 50, "placeholder": hint})
            for name, hint in zip(
                NameFormat.TEMPLATE_FIELDS,
                ("{first}.{last}", "{username}@students.example.org", "{first_initial}{last}",
                 "{first}.{last}@example.org"),
                strict=True,
            )
        }  # fmt: skip


def _initial(rules: SyncRules) -> dict[str, str]:
    return {name: ", ".join(values) for name, values in rules.values().items()}


def rules_words(rules: SyncRules | None) -> list[str]:
    """ "Grade levels: only 09, 10; not PK" for each kind of rule set."""
    if rules is None:
        return []
    values, lines = rules.values(), []
    for kind, words in RULE_KINDS:
        parts = []
        if values[f"{kind}_include"]:
            parts.append("only " + ", ".join(values[f"{kind}_include"]))
        if values[f"{kind}_exclude"]:
            parts.append("not " + ", ".join(values[f"{kind}_exclude"]))
        if parts:
            lines.append(f"{words.capitalize()}: {'; '.join(parts)}")
    return lines


class ConnectionRulesMixin:
    """Mixed into ConnectionAdmin: the two pages, and their fieldset."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/rules/", view(self.rules_view),
                 name="connections_connection_rules"),
            path("<path:object_id>/names/", view(self.names_view),
                 name="connections_connection_names"),
            *super().get_urls(),
        ]  # fmt: skip

    @staticmethod
    def with_rules_fieldset(fieldsets: list) -> list:
        """An existing connection's fieldsets, with the rules and names summary."""
        return [*fieldsets, RULES_FIELDSET]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "rules_summary"]

    @admin.display(description="Rules and names")
    def rules_summary(self, obj) -> str:
        rules = SyncRules.objects.filter(connection=obj).first()
        fmt = NameFormat.objects.filter(connection=obj).first()
        lines = rules_words(rules) or ["No sync rules: every student and class is imported."]
        templates = [
            f"{NameFormat._meta.get_field(n).verbose_name} {getattr(fmt, n)}"
            for n in NameFormat.TEMPLATE_FIELDS
            if fmt is not None and getattr(fmt, n)
        ]
        if templates:
            lines.append("Names: " + "; ".join(templates))
        else:
            lines.append("Names: the SIS's own usernames and e-mails.")
        links = format_html(
            '<a href="{}" class="button">Sync rules</a> '
            '<a href="{}" class="button">Name formats</a>',
            reverse("admin:connections_connection_rules", args=[obj.pk]),
            reverse("admin:connections_connection_names", args=[obj.pk]),
        )
        items = format_html_join("", "<li>{}</li>", ((line,) for line in lines))
        return format_html('<ul class="rules-summary">{}</ul><p>{}</p>', items, links)

    # Pages ------------------------------------------------------------------------------
    def _page_connection(self, request, object_id):
        connection = self.get_object(request, unquote(object_id))
        if not self.has_view_permission(request, connection):
            raise PermissionDenied
        can_manage = self.has_change_permission(request, connection)
        if request.method == "POST" and not can_manage:
            raise PermissionDenied
        return connection, can_manage

    def _context(self, request, connection, title: str, can_manage: bool) -> dict:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "original": connection,
            "can_manage": can_manage,
        }

    def rules_view(self, request, object_id):
        connection, can_manage = self._page_connection(request, object_id)
        context = self._context(request, connection, f"Sync rules of {connection.name}",
                                can_manage)  # fmt: skip
        context.update(grade_codes=", ".join(CEDS_GRADES), rows_shown=ROWS_SHOWN)
        if request.method != "POST":
            form = RulesForm(initial=_initial(sync_rules_get(connection=connection)))
            return self._rules_page(request, context, form)
        form = RulesForm(request.POST)
        form.is_valid()
        values = {name: rule_values_parse(form.cleaned_data.get(name, "")) for name in RULE_FIELDS}
        try:
            if request.POST.get("action") == "save":
                return self._rules_save(request, connection, values, context, form)
            preview = sync_rules_preview(connection=connection, values=values,
                                         actor=request.user)  # fmt: skip
        except ValidationError as exc:
            _form_errors(form, exc)
            return self._rules_page(request, context, form)
        except (ConnectionBusy, ConnectionDisabled) as exc:
            self.message_user(request, str(exc), messages.WARNING)
            return self._rules_page(request, context, form)
        context.update(preview=preview, report=preview.report, files=preview.files,
                       status=status_badge(preview.report.status),
                       signed=signing.dumps(values, salt=SIGN_SALT),
                       rule_skips=[(SKIP_RULE_LABELS[k], n) for k, n in
                                   preview.rule_skips.items()])  # fmt: skip
        return self._rules_page(request, context, form)

    def _rules_save(self, request, connection, values, context, form):
        try:
            previewed = signing.loads(request.POST.get("signed", ""), salt=SIGN_SALT)
        except signing.BadSignature:
            previewed = None
        if previewed != values:
            self.message_user(request, RULES_NOT_PREVIEWED, messages.WARNING)
            return self._rules_page(request, context, form)
        sync_rules_update(connection=connection, values=values, actor=request.user,
                          remote_addr=remote_addr_of(request))  # fmt: skip
        self.message_user(request, RULES_SAVED.format(connection=connection.name),
                          messages.SUCCESS)  # fmt: skip
        return redirect("admin:connections_connection_change", connection.pk)

    def _rules_page(self, request, context, form):
        context["form"] = form
        return TemplateResponse(request, "admin/connections/connection/rules.html", context)

    def names_view(self, request, object_id):
        connection, can_manage = self._page_connection(request, object_id)
        context = self._context(request, connection, f"Name formats of {connection.name}",
                                can_manage)  # fmt: skip
        context["placeholders"] = NAME_PLACEHOLDERS
        form = NamesForm(request.POST or None, instance=name_format_get(connection=connection))
        if request.method == "POST" and form.is_valid():
            values = {name: form.cleaned_data[name] for name in form.fields}
            try:
                name_format_clean(values=values)
                if request.POST.get("action") == "save":
                    return self._names_save(request, connection, values)
            except ValidationError as exc:
                _form_errors(form, exc)
        if not form.errors:
            context["preview"] = name_format_preview(connection=connection, fmt=form.instance)
        context["form"] = form
        return TemplateResponse(request, "admin/connections/connection/names.html", context)

    def _names_save(self, request, connection, values):
        fmt = name_format_update(connection=connection, values=values, actor=request.user,
                                 remote_addr=remote_addr_of(request))  # fmt: skip
        renames = name_format_preview(connection=connection, fmt=fmt).renames
        self.message_user(request, NAMES_SAVED.format(
            connection=connection.name, renames=renames, s="" if renames == 1 else "s"),
            messages.SUCCESS)  # fmt: skip
        return redirect("admin:connections_connection_change", connection.pk)


def _form_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
