"""Sync health, what the home page starts from: for a district manager, each connection's
last import, held changes waiting and next import; for vendor support, every district
in one table (last import, failing connections, held changes waiting, age of the last
successful import). Also the warning that two connections import the same SIS."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from django.db.models import Count, Max
from django_q.models import Schedule

from connections.models import Connection
from rostering.models import District, HeldChange, RunStatus, SyncRun
from rostering.scheduling import NextImport, connection_next_import, schedule_name_for

SUCCESSFUL = (RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_ERROR)
DUPLICATE_WARNING = (
    "{others} of this district also import{s} from {url}. Two enabled connections to the "
    "same SIS overwrite each other's classes and enrollments at every import: disable "
    "all but one (Retire connection)."
)


def sis_address(url: str) -> str:
    """What tells two SIS addresses apart: host and path, case and a last "/" aside."""
    parts = urlsplit(url.strip())
    return f"{parts.netloc.lower()}{parts.path.lower().rstrip('/')}"


def connection_duplicates(*, connection: Connection) -> list[Connection]:
    """The district's other enabled connections to the same SIS as this one (enabled)."""
    if not connection.enabled or connection.pk is None:
        return []
    others = Connection.objects.filter(district_id=connection.district_id, enabled=True)
    address = sis_address(connection.base_url)
    return [c for c in others.exclude(pk=connection.pk) if sis_address(c.base_url) == address]


def duplicate_warning(*, connection: Connection) -> str:
    duplicates = connection_duplicates(connection=connection)
    if not duplicates:
        return ""
    names = ", ".join(f"“{c.name}”" for c in duplicates)
    return DUPLICATE_WARNING.format(
        others=names, s="s" if len(duplicates) == 1 else "", url=connection.base_url
    )


@dataclass
class ConnectionHealth:
    connection: Connection
    last_run: SyncRun | None = None
    last_success_at: datetime | None = None
    held: int = 0
    held_run_id: int | None = None
    next_import: NextImport | None = None
    duplicate: str = ""

    @property
    def year_held(self) -> bool:
        """Imports wait for a manager: the SIS moved to another school year."""
        return self.last_run is not None and self.last_run.status == RunStatus.HELD

    @property
    def failing(self) -> bool:
        if not self.connection.enabled:
            return False
        last_error = self.last_run is not None and self.last_run.status == RunStatus.ERROR
        return last_error or self.connection.last_test_ok is False


def _pending_by_connection(connection_ids: list[int]) -> dict[int, tuple[int, int]]:
    """connection id -> (held changes waiting, the newest import holding some)."""
    rows = (
        HeldChange.objects.filter(
            record__run__connection_id__in=connection_ids, status=HeldChange.Status.PENDING
        )
        .values_list("record__run__connection_id")
        .annotate(n=Count("pk"), run=Max("record__run_id"))
    )
    return {connection: (n, run) for connection, n, run in rows}


def _last_runs(connection_ids: list[int]) -> dict[int, SyncRun]:
    last = {}
    for run in SyncRun.objects.filter(connection_id__in=connection_ids).exclude(
        status=RunStatus.SKIPPED
    ).order_by("connection_id", "-created_at", "-pk"):  # fmt: skip
        last.setdefault(run.connection_id, run)
    return last


def connections_health(*, district_ids: frozenset[int] | None) -> list[ConnectionHealth]:
    """Every connection of these districts (all when None), with its health."""
    connections = Connection.objects.select_related("district").order_by("district__name", "name")
    if district_ids is not None:
        connections = connections.filter(district_id__in=district_ids)
    connections = list(connections)
    ids = [c.pk for c in connections]
    last, held = _last_runs(ids), _pending_by_connection(ids)
    success = dict(
        SyncRun.objects.filter(connection_id__in=ids, status__in=SUCCESSFUL)
        .values_list("connection_id")
        .annotate(at=Max("finished_at"))
    )
    schedules = dict(
        Schedule.objects.filter(name__in=[schedule_name_for(i) for i in ids]).values_list(
            "name", "next_run"
        )
    )
    return [
        ConnectionHealth(
            connection=c,
            last_run=last.get(c.pk),
            last_success_at=success.get(c.pk),
            held=held.get(c.pk, (0, None))[0],
            held_run_id=held.get(c.pk, (0, None))[1],
            next_import=connection_next_import(
                connection=c, scheduled=schedules.get(schedule_name_for(c.pk))
            ),
            duplicate=duplicate_warning(connection=c),
        )
        for c in connections
    ]


@dataclass
class DistrictHealth:
    district: District
    connections: list[ConnectionHealth] = field(default_factory=list)

    @property
    def last_run(self) -> SyncRun | None:
        runs = [c.last_run for c in self.connections if c.last_run is not None]
        return max(runs, key=lambda r: (r.created_at, r.pk), default=None)

    @property
    def failing(self) -> int:
        return sum(1 for c in self.connections if c.failing)

    @property
    def held(self) -> int:
        return sum(c.held for c in self.connections)

    @property
    def last_success_at(self) -> datetime | None:
        return max((c.last_success_at for c in self.connections if c.last_success_at), default=None)

    @property
    def needs_help(self) -> bool:
        return bool(
            self.failing or self.held or any(c.duplicate or c.year_held for c in self.connections)
        )


def districts_health(*, district_ids: frozenset[int] | None = None) -> list[DistrictHealth]:
    """Every district (or these), each with its connections' health."""
    districts = District.objects.order_by("name")
    if district_ids is not None:
        districts = districts.filter(pk__in=district_ids)
    by_district: dict[int, list[ConnectionHealth]] = defaultdict(list)
    for health in connections_health(district_ids=district_ids):
        by_district[health.connection.district_id].append(health)
    return [DistrictHealth(d, by_district.get(d.pk, [])) for d in districts]
