"""The end-of-year rollover pages of a district: preview and confirm, the archive's page
with undo and the pause suggestion. The district page (and each connection page) links
here; rostering/rollover.py does the work."""

import datetime

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from audit.services import remote_addr_of
from rostering.access import request_district_access
from rostering.admin.base import DistrictScopedAdmin
from rostering.connection_settings import schedule_pause_add
from rostering.models import District, YearArchive
from rostering.rollover import ArchiveRefused, year_archive_run, year_archive_undo
from rostering.rollover_preview import counts_labelled, people_roles_for, year_archive_preview

PEOPLE_CHOICES = [("students", "Students"), ("staff", "Teachers, staff and administrators")]
ARCHIVED = "Archived school year {label}. Pull when Aeries has rolled over to the new year."
UNDONE = "The {label} archive was undone."
PAUSED = "Daily imports of {count} connection(s) are paused until {until:%b %-d, %Y}."
NO_DAILY = "No connection of {district} imports daily: there is nothing to pause."


class ArchiveForm(forms.Form):
    label = forms.CharField(
        label="School year",
        max_length=32,
        help_text="The label archived rows keep, e.g. 2025-2026.",
    )
    people = forms.MultipleChoiceField(
        label="Also archive accounts",
        choices=PEOPLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Accounts are never deleted: those in the new year's import are restored "
        "with their history; the others (graduates, leavers) stay archived.",
    )
    confirm = forms.CharField(
        label="Type the district's name to confirm",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 40}),
    )


class PauseForm(forms.Form):
    until = forms.DateField(label="Pause daily imports until", widget=forms.DateInput(
        attrs={"type": "date"}))  # fmt: skip
    reason = forms.CharField(max_length=200, required=False, initial="Summer rollover")


def _pause_default(today: datetime.date) -> datetime.date:
    """August 1 after the archive: Aeries districts roll over during the summer."""
    year = today.year if today.month < 8 else today.year + 1
    return datetime.date(year, 8, 1)


class YearArchiveAdminMixin:
    """The district admin's rollover pages (get_urls + admin_view, permission first)."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:district_id>/rollover/", view(self.rollover_view),
                 name="rostering_district_rollover"),
            path("<int:district_id>/rollover/<int:archive_id>/", view(self.year_archive_view),
                 name="rostering_district_year_archive"),
            path("<int:district_id>/rollover/<int:archive_id>/undo/", view(self.undo_view),
                 name="rostering_district_year_archive_undo"),
            path("<int:district_id>/rollover/<int:archive_id>/pause/", view(self.pause_view),
                 name="rostering_district_year_archive_pause"),
            *super().get_urls(),
        ]  # fmt: skip

    def _district(self, request, district_id: int, *, manage: bool) -> District:
        access = request_district_access(request)
        district = District.objects.filter(pk=district_id).first()
        if district is None or not access.can_read(district.pk):
            raise Http404("No such district in your districts.")
        if manage and not access.can_manage(district.pk):
            raise PermissionDenied
        return district

    def _archive(self, district: District, archive_id: int) -> YearArchive:
        archive = YearArchive.objects.filter(pk=archive_id, district=district).first()
        if archive is None:
            raise Http404("No such archive of this district.")
        return archive

    def _page(self, request, template: str, title: str, **context) -> TemplateResponse:
        context = {**self.admin_site.each_context(request), "title": title,
                   "opts": self.model._meta, **context}  # fmt: skip
        return TemplateResponse(request, f"admin/rostering/district/{template}", context)

    def rollover_view(self, request, district_id: int):
        district = self._district(request, district_id, manage=True)
        form = ArchiveForm(request.POST or None)
        roles, label = (), ""
        if form.is_valid():
            label = form.cleaned_data["label"]
            roles = people_roles_for(form.cleaned_data["people"])
        if request.method == "POST" and form.is_valid() and "archive" in request.POST:
            try:
                archive = year_archive_run(
                    district=district, actor=request.user, confirm=form.cleaned_data["confirm"],
                    label=label, people_roles=roles, remote_addr=remote_addr_of(request),
                )  # fmt: skip
            except ArchiveRefused as exc:
                form.add_error("confirm", ValidationError(str(exc)))
            else:
                self.message_user(request, ARCHIVED.format(label=archive.label), messages.SUCCESS)
                return redirect("admin:rostering_district_year_archive", district.pk, archive.pk)
        preview = year_archive_preview(district=district, label=label, people_roles=roles)
        if not form.is_bound:
            form = ArchiveForm(initial={"label": preview.label})
        archives = YearArchive.objects.filter(district=district)[:10]
        return self._page(
            request, "rollover.html", f"End-of-year rollover of {district}",
            district=district, form=form, preview=preview, archives=archives,
            people_roles=roles, undo_days=settings.YEAR_ARCHIVE_UNDO_DAYS,
        )  # fmt: skip

    def year_archive_view(self, request, district_id: int, archive_id: int):
        district = self._district(request, district_id, manage=False)
        archive = self._archive(district, archive_id)
        access = request_district_access(request)
        window = datetime.timedelta(days=settings.YEAR_ARCHIVE_UNDO_DAYS)
        undo_until = archive.created_at + window
        can_manage = access.can_manage(district.pk)
        daily = [c for c in district.connections.all() if _imports_daily(c)]
        return self._page(
            request, "year_archive.html", f"School year {archive.label} of {district}",
            district=district, archive=archive, can_manage=can_manage,
            counts=counts_labelled(archive.counts),
            undo_counts=counts_labelled(archive.undo_counts) if archive.undo_counts else [],
            can_undo=can_manage and archive.status == YearArchive.Status.ARCHIVED
            and timezone.now() < undo_until,
            undo_until=undo_until, daily_connections=daily,
            pause_form=PauseForm(initial={"until": _pause_default(timezone.localdate())}),
        )  # fmt: skip

    def undo_view(self, request, district_id: int, archive_id: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        district = self._district(request, district_id, manage=True)
        archive = self._archive(district, archive_id)
        try:
            year_archive_undo(archive=archive, actor=request.user,
                              remote_addr=remote_addr_of(request))  # fmt: skip
        except ArchiveRefused as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, UNDONE.format(label=archive.label), messages.SUCCESS)
        return redirect("admin:rostering_district_year_archive", district.pk, archive.pk)

    def pause_view(self, request, district_id: int, archive_id: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        district = self._district(request, district_id, manage=True)
        archive = self._archive(district, archive_id)
        form = PauseForm(request.POST)
        daily = [c for c in district.connections.all() if _imports_daily(c)]
        if not daily:
            self.message_user(request, NO_DAILY.format(district=district), messages.WARNING)
        elif form.is_valid():
            until = form.cleaned_data["until"]
            for connection in daily:
                schedule_pause_add(
                    connection=connection, start_date=timezone.localdate(), end_date=until,
                    reason=form.cleaned_data["reason"], actor=request.user,
                )  # fmt: skip
            self.message_user(request, PAUSED.format(count=len(daily), until=until))
        else:
            self.message_user(request, "; ".join(form.errors.get("until", [])), messages.ERROR)
        return redirect("admin:rostering_district_year_archive", district.pk, archive.pk)


def _imports_daily(connection) -> bool:
    sync_settings = getattr(connection, "sync_settings", None)
    return bool(connection.enabled and sync_settings and sync_settings.daily_import)


@admin.register(YearArchive)
class YearArchiveAdmin(DistrictScopedAdmin):
    """The district's end-of-year archives, read-only; each links to its own page (undo,
    pause)."""

    read_only_records = True
    list_display = ["label", "district", "status", "created_at", "actor_label", "page"]
    list_filter = ["status", "district"]
    list_select_related = ["district"]
    fields = ["label", "district", "status", "people_roles", "counts", "created_at",
              "actor_label", "undone_at", "undo_counts", "not_restored", "page"]  # fmt: skip
    readonly_fields = fields

    @admin.display(description="archive page")
    def page(self, obj: YearArchive) -> str:
        url = reverse("admin:rostering_district_year_archive", args=[obj.district_id, obj.pk])
        return format_html('<a href="{}">Open the {} archive</a>', url, obj.label)
