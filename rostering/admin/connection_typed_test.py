"""Test connection on what is typed: the Add and change pages test the values on the
form (saved or not) without a reload, so every typed value stays where it is; a pass
offers to save them, and the save tests them again so the stored verdict is theirs."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, JsonResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from audit.services import remote_addr_of
from connections.connection_test import (
    connection_test,
    connection_test_typed,
    probe_report_text,
    sync_settings_needed_entities,
)
from rostering.models import SyncSettings

TYPED_SECRETS = ("new_client_secret", "new_certificate")
# The button a pass offers posts the form with this, to test again once saved.
TEST_AFTER_SAVE = "_test_after_save"
FORM_INVALID = "Not tested: correct the values marked below first."
TESTED_TYPED = "Tested the values on the form (not saved yet)."
TESTED_STORED = "Tested the saved values."


class ConnectionTypedTestMixin:
    def get_urls(self):
        view = self.admin_site.admin_view(self.test_typed_view)
        return [
            path("test-typed/", view, name="connections_connection_test_typed_add"),
            path("<path:object_id>/test-typed/", view, name="connections_connection_test_typed"),
            *super().get_urls(),
        ]

    @method_decorator(sensitive_post_parameters(*TYPED_SECRETS))
    def test_typed_view(self, request, object_id=None):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        allowed = self.has_change_permission(request, obj) if obj else self.has_add_permission(
            request)  # fmt: skip
        if not allowed:
            raise PermissionDenied
        form = self.get_form(request, obj, change=obj is not None)(request.POST, instance=obj)
        if not form.is_valid():
            return JsonResponse({"tested": False, "healthy": False, "message": FORM_INVALID,
                                 "errors": _errors(form)})  # fmt: skip
        return JsonResponse(self._test_typed(request, form, obj))

    @method_decorator(sensitive_variables("form", "connection", "typed"))
    def _test_typed(self, request, form, obj) -> dict:
        connection = form.instance  # the typed values, never saved here
        typed = {name: form.cleaned_data.get(name, "") for name in TYPED_SECRETS}
        if typed["new_client_secret"]:
            connection.client_secret = typed["new_client_secret"]
        if typed["new_certificate"]:
            connection.certificate = typed["new_certificate"]
        needed = self._typed_needed(request, obj)
        unchanged = obj is not None and not form.has_changed() and needed is None
        remote = remote_addr_of(request)
        if unchanged:  # the saved values: the verdict is stored on the connection
            report = connection_test(connection=obj, actor=request.user, remote_addr=remote)
        else:
            report = connection_test_typed(
                connection=connection, actor=request.user, needed=needed, remote_addr=remote
            )
        return {
            "tested": True,
            "healthy": report.healthy,
            "saved_values": unchanged,
            "message": TESTED_STORED if unchanged else TESTED_TYPED,
            "report": probe_report_text(report),
            "base_url": connection.base_url,
            "url_message": form.url_message,
            "errors": {},
        }

    def _typed_needed(self, request, obj):
        """The collections the typed sync settings import; None when they are unchanged
        (the saved ones count) or cannot be read."""
        for formset_class, inline in self.get_formsets_with_inlines(request, obj):
            if inline.model is not SyncSettings:
                continue
            formset = formset_class(
                request.POST,
                instance=obj if obj is not None else self.model(),
                prefix=formset_class.get_default_prefix(),
            )
            if not formset.is_valid() or not formset.forms:
                return None
            form = formset.forms[0]
            if obj is not None and not form.has_changed():
                return None
            return sync_settings_needed_entities(form.instance)
        return None

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        self._test_after_save(request, obj)
        return response

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        self._test_after_save(request, obj)
        return response

    def _test_after_save(self, request, obj) -> None:
        if request.POST.get(TEST_AFTER_SAVE) and self.has_change_permission(request, obj):
            self._test_one(request, obj)


def _errors(form) -> dict[str, list[str]]:
    """{label: [messages]} of an invalid connection form."""
    return {
        (form.fields[name].label if name in form.fields else "") or "": list(errors)
        for name, errors in form.errors.items()
    }
