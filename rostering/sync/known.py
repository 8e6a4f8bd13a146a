"""What a table already holds for a district, kept in memory as hashes.

A writer loads it once (one streamed query) and then tells, without a query, which
incoming rows are unchanged and which are new; only rows that changed, or were
archived, are looked up in the database. The sets hold Python's own 64-bit hashes
(computed in C, cached on each string): they are only compared within this process.
A false "exists" merely costs a lookup; a false "unchanged" needs a 64-bit
collision (about 3e-14 per row for a 600,000-row table).
"""

from rostering.models.people import RosterStatus
from rostering.sync.upsert import rows_streamed


class KnownRows:
    def __init__(
        self, *, table: str, district_id: int, key_columns: tuple[str, ...], where: str = ""
    ):
        self.current: set[int] = set()  # active rows with the content hash they have now
        self.keys: set[int] = set()  # every row of the district, active or archived
        columns = ", ".join(key_columns)
        sql = f"SELECT {columns}, content_hash, status FROM {table} WHERE district_id = %s{where}"
        active = RosterStatus.ACTIVE
        for rows in rows_streamed(sql=sql, params=[district_id]):
            for *key, content_hash, status in rows:
                key = tuple(key)
                self.keys.add(hash(key))
                if status == active:
                    self.current.add(hash((key, content_hash)))

    def unchanged(self, key: tuple, content_hash: str) -> bool:
        return hash((key, content_hash)) in self.current

    def is_new(self, key: tuple) -> bool:
        return hash(key) not in self.keys

    @property
    def empty(self) -> bool:
        """The district has no row in the table (its first load): every row is new."""
        return not self.keys


class UnknownRows:
    """For delta runs, which bring a few rows of a large table: reading the whole table
    into memory would cost more than looking those rows up. Every row may exist."""

    def unchanged(self, key: tuple, content_hash: str) -> bool:
        return False

    def is_new(self, key: tuple) -> bool:
        return False


# Rows a full run compares the slow way before it reads their table into memory.
LOAD_AFTER_ROWS = 5_000


class KnownLater:
    """A full run's table when the run passes over most of its rows (fingerprints.py):
    while few rows come the slow way, each is looked up like a delta run's; past
    LOAD_AFTER_ROWS, the table is read into memory (KnownRows)."""

    def __init__(self, **table) -> None:
        self.table = table
        self.compared = 0
        self.rows: KnownRows | UnknownRows = UnknownRows()

    def unchanged(self, key: tuple, content_hash: str) -> bool:
        self.compared += 1
        if self.compared == LOAD_AFTER_ROWS:
            self.rows = KnownRows(**self.table)
        return self.rows.unchanged(key, content_hash)

    def is_new(self, key: tuple) -> bool:
        return self.rows.is_new(key)


def known_rows(
    *,
    full: bool,
    table: str,
    district_id: int,
    key_columns: tuple[str, ...],
    where: str = "",
    passing_over: bool = False,
):
    """What the writer compares against: for a full run the table in memory (`where`,
    e.g. " AND year_archive_id IS NULL", narrows it to the rows an import matches); read
    only once many rows need it when the run is `passing_over` most of them."""
    if not full:
        return UnknownRows()
    table_ = {"table": table, "district_id": district_id, "key_columns": key_columns,
              "where": where}  # fmt: skip
    return KnownLater(**table_) if passing_over else KnownRows(**table_)
