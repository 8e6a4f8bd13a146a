"""People's duplicates and merges in the admin: the likely duplicates of a district, the
merge page (which value of each field to keep), a merge's undo on the survivor's page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from audit.services import remote_addr_of
from rostering.merge import (
    MERGE_FIELDS,
    MergeRefused,
    person_duplicates,
    person_merge,
    person_merge_undo,
)
from rostering.models import District, Person, PersonAlias, PersonMerge

MERGED = "Merged {merged} into {survivor}."
UNDONE = "The merge was undone: {merged} is back."
PICK_A_DISTRICT = "Choose a district to check for duplicates."


def _shown(value):
    """A field's value as the merge page shows it (grades as "09, 10")."""
    return ", ".join(map(str, value)) if isinstance(value, list) else value


class MergeAdminMixin:
    """Added to the people admin: duplicates/, merge/<survivor>/<merged>/, merges undo."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("duplicates/", view(self.duplicates_view), name="rostering_person_duplicates"),
            path("merge/<int:survivor_id>/<int:merged_id>/", view(self.merge_view),
                 name="rostering_person_merge"),
            path("merge-undo/<int:merge_id>/", view(self.merge_undo_view),
                 name="rostering_person_merge_undo"),
            *super().get_urls(),
        ]  # fmt: skip

    def _managed_person(self, request, pk: int) -> Person:
        person = self.get_queryset(request).filter(pk=pk).first()
        if person is None:
            raise Http404("No such person in your districts.")
        if not self._access(request).can_manage(person.district_id):
            raise PermissionDenied
        return person

    def _page(self, request, template: str, title: str, **context) -> TemplateResponse:
        context = {**self.admin_site.each_context(request), "title": title,
                   "opts": self.model._meta, **context}  # fmt: skip
        return TemplateResponse(request, f"admin/rostering/person/{template}", context)

    def duplicates_view(self, request):
        access = self._access(request)
        districts = District.objects.all()
        if access.managed is not None:
            districts = districts.filter(pk__in=access.managed)
        chosen = request.GET.get("district")
        district = districts.filter(pk=chosen).first() if chosen else None
        if district is None and districts.count() == 1:
            district = districts.first()
        if not access.manages_any:
            raise PermissionDenied
        groups = person_duplicates(district=district) if district else []
        return self._page(
            request, "duplicates.html", "Likely duplicate accounts",
            district=district, districts=districts, groups=groups,
            pick=PICK_A_DISTRICT if district is None else "",
        )  # fmt: skip

    def merge_view(self, request, survivor_id: int, merged_id: int):
        survivor = self._managed_person(request, survivor_id)
        merged = self._managed_person(request, merged_id)
        if request.method == "POST":
            take = [f for f in MERGE_FIELDS if request.POST.get(f) == "merged"]
            try:
                person_merge(survivor=survivor, merged=merged, actor=request.user,
                             take_from_merged=tuple(take),
                             remote_addr=remote_addr_of(request))  # fmt: skip
            except MergeRefused as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, MERGED.format(merged=merged, survivor=survivor))
                return redirect("admin:rostering_person_change", survivor.pk)
        rows = [
            (f, Person._meta.get_field(f).verbose_name, _shown(getattr(survivor, f)),
             _shown(getattr(merged, f)))
            for f in MERGE_FIELDS
            if getattr(survivor, f) or getattr(merged, f)  # (nothing to choose between)
        ]  # fmt: skip
        return self._page(
            request, "merge.html", f"Merge two accounts of {survivor.given_name} "
            f"{survivor.family_name}",
            survivor=survivor, merged=merged, rows=rows,
            swap=reverse("admin:rostering_person_merge", args=[merged.pk, survivor.pk]),
        )  # fmt: skip

    def merge_undo_view(self, request, merge_id: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        merge = PersonMerge.objects.filter(pk=merge_id).select_related("survivor").first()
        if merge is None:
            raise Http404("No such merge.")
        self._managed_person(request, merge.survivor_id)
        try:
            merged = person_merge_undo(merge=merge, actor=request.user,
                                       remote_addr=remote_addr_of(request))  # fmt: skip
        except MergeRefused as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return redirect("admin:rostering_person_change", merge.survivor_id)
        self.message_user(request, UNDONE.format(merged=merged))
        return redirect("admin:rostering_person_change", merged.pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        merges = PersonMerge.objects.filter(survivor_id=object_id, undone_at__isnull=True)
        aliases = PersonAlias.objects.filter(person_id=object_id).order_by("created_at", "pk")
        extra_context = {**(extra_context or {}), "merges": merges, "aliases": aliases}
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        link = ""
        if self._access(request).manages_any:
            url = reverse("admin:rostering_person_duplicates")
            link = format_html('<a href="{}">Likely duplicates</a>', url)
        extra_context = {**(extra_context or {}), "duplicates_link": link}
        return super().changelist_view(request, extra_context)
