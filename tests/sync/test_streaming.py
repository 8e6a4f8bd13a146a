"""The reading thread of a streamed run (rostering/sync/streaming.py): pages of each
file in order, a failed required part ends its file, an optional one only itself."""

import pytest

from rostering.sync.files import FileUnreadable, Part
from rostering.sync.streaming import PageReader, ReaderCrashed
from sis.errors import SisError
from sis.records import Entity, SisPage


class FakeClient:
    """Pages of numbers per entity; an entity in `failing` raises after its first page."""

    def __init__(self, pages: dict[Entity, int], failing=(), crashing=()):
        self.pages, self.failing, self.crashing = pages, set(failing), set(crashing)
        self.read: list[tuple[Entity, int]] = []

    def iter_pages(self, entity, *, since=None):
        for n in range(self.pages[entity]):
            if n == 1 and entity in self.failing:
                raise SisError(f"{entity} answered 403")
            if entity in self.crashing:
                raise RuntimeError("a bug")
            self.read.append((entity, n))
            yield SisPage(entity=entity, records=[f"{entity}-{n}"], total=self.pages[entity])


def _part(entity: Entity, optional: bool = False) -> Part:
    return Part(entity, str(entity), writer=None, optional=optional)


PLAN = [
    ("staff", [_part(Entity.TEACHERS), _part(Entity.STAFF)]),
    ("students", [_part(Entity.STUDENTS), _part(Entity.CONTACTS, optional=True)]),
    ("classes", [_part(Entity.CLASSES)]),
]


def _read(reader: PageReader, file_index: int, part_index: int) -> list:
    return [page.records[0] for page in reader.pages(file_index, part_index)]


@pytest.fixture
def ctx(engine_ctx):
    return engine_ctx()


def test_pages_come_file_by_file_and_part_by_part(ctx):
    ctx.client = FakeClient({Entity.TEACHERS: 2, Entity.STAFF: 1, Entity.STUDENTS: 3,
                             Entity.CONTACTS: 1, Entity.CLASSES: 1})  # fmt: skip
    with PageReader(ctx=ctx, plan=PLAN) as reader:
        assert _read(reader, 0, 0) == ["teachers-0", "teachers-1"]
        assert _read(reader, 0, 1) == ["staff-0"]
        reader.file_end(0)
        assert _read(reader, 1, 0) == ["students-0", "students-1", "students-2"]
        assert _read(reader, 1, 1) == ["contacts-0"]
        reader.file_end(1)
        assert _read(reader, 2, 0) == ["classes-0"]
        reader.file_end(2)


def test_a_failed_required_part_ends_its_file_and_the_next_file_is_read(ctx):
    ctx.client = FakeClient({Entity.TEACHERS: 3, Entity.STAFF: 1, Entity.STUDENTS: 1,
                             Entity.CONTACTS: 1, Entity.CLASSES: 1},
                            failing={Entity.TEACHERS})  # fmt: skip
    with PageReader(ctx=ctx, plan=PLAN) as reader:
        with pytest.raises(FileUnreadable, match="teachers answered 403"):
            _read(reader, 0, 0)
        reader.file_end(0, skip=True)
        assert _read(reader, 1, 0) == ["students-0"]
        reader.file_end(1)
    assert (Entity.STAFF, 0) not in ctx.client.read  # the rest of the file was not read


def test_a_failed_optional_part_costs_only_itself(ctx):
    ctx.client = FakeClient({Entity.TEACHERS: 1, Entity.STAFF: 1, Entity.STUDENTS: 1,
                             Entity.CONTACTS: 3, Entity.CLASSES: 1},
                            failing={Entity.CONTACTS})  # fmt: skip
    with PageReader(ctx=ctx, plan=PLAN) as reader:
        reader.file_end(0)
        assert _read(reader, 1, 0) == ["students-0"]
        with pytest.raises(FileUnreadable):
            _read(reader, 1, 1)
        reader.file_end(1)
        assert _read(reader, 2, 0) == ["classes-0"]


def test_a_skipped_file_is_not_read_further(ctx):
    ctx.client = FakeClient({Entity.TEACHERS: 40, Entity.STAFF: 40, Entity.STUDENTS: 1,
                             Entity.CONTACTS: 1, Entity.CLASSES: 1})  # fmt: skip
    with PageReader(ctx=ctx, plan=PLAN) as reader:
        reader.file_end(0, skip=True)
        assert _read(reader, 1, 0) == ["students-0"]
    assert len([e for e, _ in ctx.client.read if e == Entity.STAFF]) < 40


def test_a_bug_in_the_reading_thread_stops_the_run(ctx):
    ctx.client = FakeClient({Entity.TEACHERS: 1}, crashing={Entity.TEACHERS})
    with PageReader(ctx=ctx, plan=PLAN) as reader, pytest.raises(ReaderCrashed, match="a bug"):
        _read(reader, 0, 0)
