"""The run page's Undo: what undoing an import (or an approval of its held changes)
would do, and the button that does it (rostering/undo.py does the work)."""

from collections import Counter

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from audit.services import remote_addr_of
from rostering.models import ImportRecord, RosterChange, RosterStatus
from rostering.undo import (
    MODELS,
    UndoRefused,
    held_approval_undo,
    sync_run_undo,
    sync_run_undo_conflicts,
)

TABLE_NOUNS = {
    "person": "accounts",
    "guardian": "parent contacts",
    "term": "terms",
    "course": "courses",
    "section": "sections",
    "enrollment": "enrollments",
}
UNDONE = "Import #{run} was undone: {summary}."
APPROVAL_UNDONE = "The approval of {record} was undone."


def _undo_plan(run) -> list[dict]:
    """Per table: rows the import created (to archive) and its changes (to revert)."""
    changes = Counter(RosterChange.objects.filter(run=run).values_list("table", "action"))
    plan = []
    for table, model in MODELS.items():
        created = model.objects.filter(district_id=run.district_id, created_run_id=run.pk)
        row = {
            "noun": TABLE_NOUNS[table],
            "created": created.exclude(status=RosterStatus.ARCHIVED).count(),
            "updated": changes[(table, "updated")],
            "archived": changes[(table, "archived")],
            "restored": changes[(table, "restored")],
        }
        if any(v for k, v in row.items() if k != "noun"):
            plan.append(row)
    return plan


class RunUndoAdminMixin:
    """`<run>/undo/`: the plan and conflicts (GET), the undo (POST, managers only)."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/undo/", view(self.undo_view), name="rostering_syncrun_undo"),
            path("<path:object_id>/undo-approval/<int:record_id>/", view(self.approval_undo_view),
                 name="rostering_syncrun_approval_undo"),
            *super().get_urls(),
        ]  # fmt: skip

    def undo_view(self, request, object_id):
        run = self.get_object(request, unquote(object_id))
        can_undo = self._access(request).can_manage(run.district_id)
        if request.method == "POST":
            if not can_undo:
                raise PermissionDenied
            try:
                result = sync_run_undo(run=run, actor=request.user,
                                       remote_addr=remote_addr_of(request))  # fmt: skip
            except UndoRefused as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                summary = ", ".join(
                    f"{sum(c.values()):,} {label}" for label, c in result.as_dict().items() if c
                )
                self.message_user(request, UNDONE.format(run=run.pk, summary=summary or "nothing"))
                return redirect("admin:rostering_syncrun_change", run.pk)
        approvals = ImportRecord.objects.filter(run=run, changes__approved=True).distinct()
        context = {
            **self.admin_site.each_context(request),
            "title": f"Undo import #{run.pk}",
            "opts": self.model._meta,
            "run": run,
            "plan": _undo_plan(run),
            "conflicts": sync_run_undo_conflicts(run=run)[:50] if run.undone_at is None else [],
            "approvals": approvals,
            "can_undo": can_undo,
        }
        return TemplateResponse(request, "admin/rostering/syncrun/undo.html", context)

    def approval_undo_view(self, request, object_id, record_id: int):
        run = self.get_object(request, unquote(object_id))
        if request.method != "POST" or not self._access(request).can_manage(run.district_id):
            raise PermissionDenied
        record = ImportRecord.objects.filter(run=run, pk=record_id).first()
        try:
            if record is None:
                raise UndoRefused("No such file of this import.")
            held_approval_undo(record=record, actor=request.user,
                               remote_addr=remote_addr_of(request))  # fmt: skip
        except UndoRefused as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, APPROVAL_UNDONE.format(record=record))
        return redirect("admin:rostering_syncrun_undo", run.pk)
