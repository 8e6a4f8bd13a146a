"""The SQLite spool (rostering/sync/spool.py): pages come back from disk as they went."""

from datetime import date

import msgspec

from rostering.sync.spool import Spool
from sis.fingerprints import SisUnchanged, split_rows
from sis.records import Entity, SisEnrollment, SisPage


def test_pages_come_back_as_they_went_records_and_rows_passed_over_alike():
    rows = split_rows(b'{"users": [{"sourcedId": "s1", "email": "a@b.org"}]}', ("users",))
    unchanged = SisUnchanged("s1", "00ff00ff00ff00ff", rows[0], Entity.STUDENTS, "a@b.org",
                             ("c1", "c2"))  # fmt: skip
    enrollment = SisEnrollment("e1", "k1", "s1", "sch", "student", True, date(2026, 8, 1),
                               None, "active", None, "0123456789abcdef")  # fmt: skip
    pages = [
        SisPage(Entity.STUDENTS, [unchanged], total=1),
        SisPage(Entity.ENROLLMENTS, [enrollment, unchanged._replace(entity=Entity.ENROLLMENTS)]),
    ]
    spool = Spool(Entity.STUDENTS)
    try:
        for page in pages:
            spool.add(page)
        back = list(spool.pages())
    finally:
        spool.close()
    assert back == pages and spool.records == 3
    again = back[0].records[0]
    assert type(again) is SisUnchanged and type(again.raw) is msgspec.Raw
    assert bytes(again.raw) == b'{"sourcedId": "s1", "email": "a@b.org"}'
    assert back[1].records[0].sis_digest == "0123456789abcdef"  # not compared by ==
