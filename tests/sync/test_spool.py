"""The SQLite spool (rostering/sync/spool.py): pages come back from disk as they went."""

from datetime import date

from rostering.sync.spool import Spool
from sis.fingerprints import SisUnchanged, split_rows
from sis.records import Entity, SisEnrollment, SisPage


def test_pages_come_back_as_they_went_records_and_rows_passed_over_alike():
    rows = split_rows(b'{"users": [{"sourcedId": "s1", "email": "a@b.org"}]}', ("users",))
    unchanged = SisUnchanged("s1", "00ff00ff00ff00ff", rows[0], Entity.STUDENTS, "a@b.org",
                             ("c1", "c2"))  # fmt: skip
    enrollment = SisEnrollment("e1", "k1", "s1", "sch", "student", True, date(2026, 8, 1),
                               None, "active", None, "0123456789abcdef")  # fmt: skip
    second = unchanged._replace(sourced_id="s2", raw=rows[0], entity=Entity.ENROLLMENTS,
                                email="", agent_sourced_ids=())  # fmt: skip
    third = second._replace(sourced_id="s3", raw=b'{"sourcedId": "s3"}')
    pages = [
        SisPage(Entity.STUDENTS, [unchanged], total=1),
        # Rows passed over, in runs between records: spooled as columns, back in order.
        SisPage(Entity.ENROLLMENTS, [second, third, enrollment, third._replace(sis_digest="1")]),
    ]
    spool = Spool(Entity.STUDENTS)
    try:
        for page in pages:
            spool.add(page)
        back = list(spool.pages())
    finally:
        spool.close()
    assert spool.records == 5

    def plain(page):  # a row passed over comes back with its bytes as bytes
        return [r._replace(raw=bytes(r.raw)) if type(r) is SisUnchanged else r
                for r in page.records]  # fmt: skip

    assert [plain(p) for p in back] == [plain(p) for p in pages]
    assert [p.total for p in back] == [1, None]
    again = back[0].records[0]
    assert type(again) is SisUnchanged and again.raw == b'{"sourcedId": "s1", "email": "a@b.org"}'
    assert back[1].records[2].sis_digest == "0123456789abcdef"  # not compared by ==
