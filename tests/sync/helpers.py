"""Shared helpers for the engine tests."""

import re

from django.db import connection as db

from rostering.imports import sync_run_start
from rostering.models import ImportRecord, RunStatus

ROSTER_TABLES = (
    "rostering_person",
    "rostering_personschool",
    "rostering_guardian",
    "rostering_academicsession",
    "rostering_course",
    "rostering_section",
    "rostering_enrollment",
)
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|COPY)\b", re.IGNORECASE)


def pull(connection, **kwargs):
    kwargs.setdefault("trigger", "command")
    return sync_run_start(connection=connection, actor=None, inline=True, **kwargs)


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


class StatementLog:
    """Every statement the database connection runs, COPY included (an execute wrapper
    sees what the debug cursor's log does not)."""

    def __init__(self):
        self.captured_queries: list[dict] = []

    def __call__(self, execute, sql, params, many, context):
        self.captured_queries.append({"sql": sql})
        return execute(sql, params, many, context)


def pull_capturing(connection, **kwargs):
    log = StatementLog()
    with db.execute_wrapper(log):
        run = pull(connection, **kwargs)
    return run, log.captured_queries


def statuses(run) -> dict[str, str]:
    return dict(run.records.values_list("kind", "status"))


__all__ = ["RunStatus", "pull", "pull_capturing", "record", "roster_writes", "statuses"]
