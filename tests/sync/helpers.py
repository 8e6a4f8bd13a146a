"""Shared helpers for the engine tests."""

import re

from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from rostering.models import ImportRecord, RunStatus
from rostering.sync.runs import sync_run_start

ROSTER_TABLES = (
    "rostering_person",
    "rostering_personschool",
    "rostering_guardian",
    "rostering_academicsession",
    "rostering_course",
    "rostering_section",
    "rostering_enrollment",
)
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def pull(connection, **kwargs):
    return sync_run_start(connection=connection, actor=None, **kwargs)


def record(run, kind: str) -> ImportRecord:
    return run.records.get(kind=kind)


def roster_writes(queries) -> list[str]:
    """SQL statements that wrote to a roster table."""
    return [
        q["sql"]
        for q in queries
        if WRITE.match(q["sql"])
        and any(f'"{t}"' in q["sql"] or f" {t} " in q["sql"] for t in ROSTER_TABLES)
    ]


def pull_capturing(connection, **kwargs):
    with CaptureQueriesContext(db) as captured:
        run = pull(connection, **kwargs)
    return run, captured.captured_queries


def statuses(run) -> dict[str, str]:
    return dict(run.records.values_list("kind", "status"))


__all__ = ["RunStatus", "pull", "pull_capturing", "record", "roster_writes", "statuses"]
