"""A run's result as plain data: for `manage.py pull --json`, e-mails and dry runs."""

from dataclasses import asdict, dataclass, field

from rostering.models.sync import ImportIssue, SyncRun

# A held import (the SIS's school year changed: rostering/school_year.py) ran nothing.
EXIT_CODES = {"completed": 0, "completed_with_error": 3, "error": 1, "held": 4}
REPORT_ISSUES_LIMIT = 1000


@dataclass
class RunReport:
    run: int | None
    status: str
    mode: str
    message: str
    records: list[dict] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)
    issues_total: int = 0

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.status, 1)


def run_report(*, run: SyncRun, issues_limit: int = REPORT_ISSUES_LIMIT) -> RunReport:
    records = [
        {"kind": r.kind, "status": r.status, "message": r.message, **r.counts()}
        for r in run.records.all()
    ]
    issues = ImportIssue.objects.filter(record__run=run).select_related("record")
    return RunReport(
        run=run.pk,
        status=run.status,
        mode=run.mode,
        message=run.message,
        records=records,
        issues=[
            {
                "file": i.record.kind,
                "code": i.code,
                "severity": i.severity,
                "sourced_id": i.sourced_id,
                "field": i.field,
                "message": i.message,
            }
            for i in issues[:issues_limit]
        ],
        issues_total=issues.count(),
    )
