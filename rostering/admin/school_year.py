"""The connection page's school year: the year its imports read, what the SIS says is
current, and — when imports are held because the SIS moved to another year — the
manager's two ways on: the end-of-year rollover, or accept the SIS's year."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path
from django.utils.html import format_html, format_html_join

from audit.services import remote_addr_of
from rostering.models import ConnectionYear
from rostering.school_year import NothingToAccept, connection_year_accept
from rostering.times import local_time

ACCEPTED_MESSAGE = "{connection}: imports now read school year {year}; press Pull to import it."
NOT_YET = "Not read yet: the first import reads the SIS's current school year and keeps to it."
SOURCE_WORDS = {
    "systeminfo": "Aeries' DatabaseYear",
    "academicSessions": "the OneRoster schoolYear session",
}


def school_year_state(connection) -> ConnectionYear | None:
    if connection is None or connection.pk is None:
        return None
    return ConnectionYear.objects.filter(connection=connection).first()


class ConnectionYearAdminMixin:
    def get_urls(self):
        view = self.admin_site.admin_view(self.year_accept_view)
        return [
            path(
                "<path:object_id>/school-year/accept/",
                view,
                name="connections_connection_year_accept",
            ),
            *super().get_urls(),
        ]

    def year_accept_view(self, request, object_id):
        connection = self.get_object(request, unquote(object_id))
        if not self.has_change_permission(request, connection):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            state = connection_year_accept(
                connection=connection, actor=request.user, remote_addr=remote_addr_of(request)
            )
        except NothingToAccept as exc:
            self.message_user(request, str(exc), messages.WARNING)
        else:
            text = ACCEPTED_MESSAGE.format(connection=connection.name, year=state.imported)
            self.message_user(request, text, messages.SUCCESS)
        return redirect("admin:connections_connection_change", connection.pk)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["school_year"] = school_year_state(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="School year")
    def school_year_report(self, obj) -> str:
        state = school_year_state(obj)
        if state is None or not state.checked_at:
            return NOT_YET
        imported = state.imported or (
            f"the next one after {state.rolled_over_from}" if state.rolled_over_from else "—"
        )
        return format_html(
            '<div id="school-year-report">Imports read <strong>{}</strong>.'
            '<div class="quiet">The SIS\'s current year: {} ({}); available: {}; checked {}.</div>'
            "</div>",
            imported, state.sis_current, SOURCE_WORDS.get(state.source, state.source),
            format_html_join(", ", "{}", ((y,) for y in state.available)) or "—",
            local_time(state.checked_at, obj.district.timezone),
        )  # fmt: skip
