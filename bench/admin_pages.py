"""The list pages a district manager and vendor support open, timed in-process: the
Django test client, server time (time.perf_counter around the request, the response
rendered and a streamed body read to its end) and every SQL statement
(CaptureQueriesContext) — see bench/README.md, "Admin at scale"."""

import statistics
import time
from dataclasses import dataclass

PAGE_MS = 300  # issue 16: each page under 300 ms of server time
PAGE_QUERIES = 20  # and a bounded number of queries (tests/rostering/test_list_queries.py)
# The CSV export reads its rows in chunks (rostering/admin/issues.py, CSV_CHUNK): a
# bounded number per chunk, not per row.
EXPORT_QUERIES_PER_CHUNK = 3
# The held page reads a few queries per set of held changes (a file's updates of
# students, its archives …), never per row: at most 4 files x 4 kinds x a few tables.
HELD_PAGE_QUERIES = 40
MANAGER, SUPPORT = "district manager", "vendor support"
ROLES = (MANAGER, SUPPORT)


@dataclass(frozen=True)
class Page:
    name: str
    url_name: str
    query: str = ""
    args: tuple[str, ...] = ()  # Loaded attributes for the URL's arguments
    roles: tuple[str, ...] = ROLES
    export: bool = False


PAGES = (
    Page("home (sync health)", "admin:index"),
    Page("people", "admin:rostering_person_changelist"),
    Page("people: search by name", "admin:rostering_person_changelist", "q={family_name}"),
    Page(
        "people: search by Student ID",
        "admin:rostering_person_changelist",
        "q={student_sourced_id}",
    ),
    Page("people: role", "admin:rostering_person_changelist", "role=student"),
    Page("people: status", "admin:rostering_person_changelist", "status__exact=archived"),
    Page("people: school", "admin:rostering_person_changelist", "school={school_id}"),
    Page("people: enabled", "admin:rostering_person_changelist", "enabled__exact=0"),
    Page("people: school year", "admin:rostering_person_changelist", "year=current"),
    Page(
        "people: created by import",
        "admin:rostering_person_changelist",
        "created_run={pull_run_id}",
    ),
    Page(
        "people: district",
        "admin:rostering_person_changelist",
        "district={district_id}",
        roles=(SUPPORT,),
    ),
    Page("people: sorted by Student ID", "admin:rostering_person_changelist", "o=sid"),
    Page("parent contacts", "admin:rostering_guardian_changelist"),
    Page("classes", "admin:rostering_section_changelist"),
    Page("classes: school", "admin:rostering_section_changelist", "school={school_id}"),
    Page("enrollments", "admin:rostering_enrollment_changelist"),
    Page(
        "enrollments: search by Student ID",
        "admin:rostering_enrollment_changelist",
        "q={student_sourced_id}",
    ),
    Page("import results", "admin:rostering_importrecord_changelist"),
    Page("import runs", "admin:rostering_syncrun_changelist"),
    Page("descriptions", "admin:rostering_importissue_changelist"),
    Page(
        "descriptions of a large import",
        "admin:rostering_importissue_changelist",
        "record={issues_record_id}",
    ),
    Page("descriptions: code", "admin:rostering_importissue_changelist", "code=missing_email"),
    Page(
        "row changes of a large import",
        "admin:rostering_rosterchange_changelist",
        "record={issues_record_id}&action__exact=updated",
    ),
    Page("audit trail", "admin:audit_auditevent_changelist"),
    Page("run page of a large import", "admin:rostering_syncrun_change", args=("issues_run_id",)),
    Page("held changes page", "admin:rostering_syncrun_held", args=("held_run_id",)),
    Page(
        "CSV export of a large import's descriptions",
        "admin:rostering_importissue_export",
        "record={issues_record_id}",
        export=True,
    ),
)


@dataclass
class Measured:
    page: Page
    role: str
    ms: float  # median server time
    ms_all: list[float]
    queries: int  # the most any repeat made
    status: int
    slowest_ms: float
    slowest_sql: str
    body_bytes: int
    rows: int = 0  # CSV lines after the header (exports)
    first_byte_ms: float = 0.0  # median time to the first piece of a streamed body

    @property
    def judged_ms(self) -> float:
        """A page's server time; an export's time to its first bytes (50,000 rows are
        not read in 300 ms: their time and rate are reported beside it)."""
        return self.first_byte_ms if self.page.export else self.ms

    @property
    def query_limit(self) -> int:
        if self.page.url_name == "admin:rostering_syncrun_held":
            return HELD_PAGE_QUERIES
        if not self.page.export:
            return PAGE_QUERIES
        from rostering.admin.issues import CSV_CHUNK

        return PAGE_QUERIES + EXPORT_QUERIES_PER_CHUNK * (self.rows // CSV_CHUNK + 1)

    @property
    def met(self) -> bool:
        return self.status == 200 and self.judged_ms < PAGE_MS and self.queries <= self.query_limit


def page_url(page: Page, loaded, *, district_id: int) -> str:
    from django.urls import reverse

    args = [getattr(loaded, name) for name in page.args]
    values = {**vars(loaded), "district_id": district_id}
    query = page.query.format(**values)
    if query == "o=sid":  # sort by the Student ID / Staff ID column, wherever it is
        query = ""
    url = reverse(page.url_name, args=args)
    return f"{url}?{query}" if query else url


def sorted_by_id_query(client, url: str) -> str:
    """The people list's "sort by Student ID / Staff ID" link (its column number
    depends on the columns the role sees)."""
    from django.contrib.admin.views.main import ORDER_VAR

    response = client.get(url)
    headers = response.context_data["cl"].list_display
    return f"{ORDER_VAR}={headers.index('aeries_id')}"


def _body(response, started: float | None = None) -> tuple[bytes, float]:
    """The body and the seconds from `started` to its first piece (a streamed body's)."""
    if not response.streaming:
        return response.content, time.perf_counter() - (started or 0.0)
    pieces = iter(response.streaming_content)
    first = next(pieces, b"")
    first_at = time.perf_counter() - (started or 0.0)
    return first + b"".join(pieces), first_at


def page_measure(client, page: Page, url: str, *, role: str, repeat: int) -> Measured:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm: the first view of a page fills Django's caches
    _body(response)
    times, firsts, counts, slowest, body = [], [], [], (0.0, ""), b""
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            body, first = _body(response, started)
            times.append((time.perf_counter() - started) * 1000)
            firsts.append(first * 1000)
        counts.append(len(captured.captured_queries))
        for query in captured.captured_queries:
            if float(query["time"]) * 1000 > slowest[0]:
                slowest = (float(query["time"]) * 1000, query["sql"])
    return Measured(
        page=page,
        role=role,
        ms=statistics.median(times),
        ms_all=times,
        queries=max(counts),
        status=response.status_code,
        slowest_ms=slowest[0],
        slowest_sql=slowest[1],
        body_bytes=len(body),
        rows=max(0, body.count(b"\n") - 1) if page.export else 0,
        first_byte_ms=statistics.median(firsts),
    )


def users_create(*, district_id: int) -> dict:
    """A manager of the first district and a vendor support account."""
    from django.contrib.auth import get_user_model

    from rostering.models import Membership

    users = get_user_model().objects
    manager, _ = users.get_or_create(username="bench-manager", defaults={"is_staff": True})
    Membership.objects.get_or_create(
        user=manager, district_id=district_id, defaults={"role": Membership.Role.MANAGER}
    )
    support, _ = users.get_or_create(
        username="bench-support", defaults={"is_staff": True, "is_superuser": True}
    )
    return {MANAGER: manager, SUPPORT: support}


def pages_measure(*, loaded, repeat: int, log, only: str = "") -> list[Measured]:
    from django.test import Client

    users = users_create(district_id=loaded.district_ids[0])
    results = []
    for role in ROLES:
        client = Client()
        client.force_login(users[role])
        for page in PAGES:
            if role not in page.roles or (only and only not in page.name):
                continue
            url = page_url(page, loaded, district_id=loaded.district_ids[-1])
            if page.query == "o=sid":
                url = f"{url}?{sorted_by_id_query(client, url)}"
            measured = page_measure(client, page, url, role=role, repeat=repeat)
            log(measured_line(measured))
            results.append(measured)
    return results


def measured_line(m: Measured) -> str:
    met = "met" if m.met else "NOT MET"
    rows = f"  {m.rows:,} rows, first bytes {m.first_byte_ms:.0f} ms" if m.page.export else ""
    return (
        f"{m.page.name:<46} {m.role:<16} {m.ms:8.1f} ms {m.queries:4} queries "
        f"(slowest {m.slowest_ms:6.1f} ms)  HTTP {m.status}{rows}  {met}"
    )
