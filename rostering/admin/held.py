"""Review held changes: one page per import over every file it held changes of (staff,
students, contacts, enrollments), the rule that held them in words, each row by name,
the full list as CSV, and Approve all / Approve file / Discard (managers only)."""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.text import slugify

from audit.services import remote_addr_of
from rostering.admin.csv_export import csv_response
from rostering.held_review import run_held_csv_rows, run_held_files
from rostering.models import ImportRecord, SyncRun
from rostering.sync.held import (
    HeldChangesRefused,
    held_changes_approve,
    held_changes_approve_run,
    held_changes_discard,
    held_changes_discard_run,
    held_changes_outcome,
)

REVIEW_TITLE = "Review held changes of import #{run}"
APPLIED = "Applied {count:,} held change{s}."
DISCARDED = (
    "Discarded {count:,} held change{s}; the data was left as it was. They are not held "
    "again unless the SIS changes them further."
)


def _plural(count: int) -> str:
    return "" if count == 1 else "s"


class HeldReviewMixin:
    """The review page of a run's held changes, for SyncRunAdmin."""

    def held_review_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/held/", view(self.held_view), name="rostering_syncrun_held"),
            path(
                "<path:object_id>/held/export/",
                view(self.held_csv_view),
                name="rostering_syncrun_held_csv",
            ),
            path(
                "<path:object_id>/held/approve/",
                view(self.held_approve_view),
                name="rostering_syncrun_held_approve",
            ),
            path(
                "<path:object_id>/held/discard/",
                view(self.held_discard_view),
                name="rostering_syncrun_held_discard",
            ),
        ]

    def _readable_run(self, request, object_id) -> SyncRun:
        run = self.get_object(request, unquote(object_id))  # 404 outside the user's districts
        if not self.has_view_permission(request, run):
            raise PermissionDenied
        return run

    def held_view(self, request, object_id):
        run = self._readable_run(request, object_id)
        files = run_held_files(run=run)
        outcomes = [(record, held_changes_outcome(record=record)) for record in run.records.all()]
        decided = {"applied", "discarded", "kept"}
        outcomes = [(record, outcome) for record, outcome in outcomes if decided & set(outcome)]
        context = {
            **self.admin_site.each_context(request),
            "title": REVIEW_TITLE.format(run=run.pk),
            "subtitle": str(run.connection),
            "opts": self.model._meta,
            "run": run,
            "files": files,
            "total": sum(f.count for f in files),
            "relinks": sum(s.count for f in files for s in f.sets if s.kind == "relink"),
            "outcomes": outcomes,
            "can_decide": self._access(request).can_manage(run.district_id),
        }
        return TemplateResponse(request, "admin/rostering/syncrun/held.html", context)

    def held_csv_view(self, request, object_id):
        run = self._readable_run(request, object_id)
        day = timezone.localtime(run.created_at).strftime("%Y-%m-%d")
        name = f"held-changes-import-{run.pk}-{slugify(run.connection.name)}-{day}.csv"
        return csv_response(run_held_csv_rows(run=run), name)

    def _decide(self, request, object_id, *, one, every, done: str):
        run = self.get_object(request, unquote(object_id))
        if not self._access(request).can_manage(run.district_id):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        record_id = request.POST.get("record", "")
        kwargs = {"actor": request.user, "remote_addr": remote_addr_of(request)}
        try:
            if record_id:
                record = ImportRecord.objects.filter(run=run, pk=record_id).first()
                if record is None:
                    raise PermissionDenied
                count = one(record=record, **kwargs)
            else:
                count = every(run=run, **kwargs)
        except HeldChangesRefused as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, done.format(count=count, s=_plural(count)))
        return redirect("admin:rostering_syncrun_held", run.pk)

    def held_approve_view(self, request, object_id):
        return self._decide(
            request, object_id, one=held_changes_approve, every=held_changes_approve_run,
            done=APPLIED,
        )  # fmt: skip

    def held_discard_view(self, request, object_id):
        return self._decide(
            request, object_id, one=held_changes_discard, every=held_changes_discard_run,
            done=DISCARDED,
        )  # fmt: skip
