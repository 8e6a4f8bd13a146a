"""The run's context (rostering/sync/context.py): what it frees between files."""

from rostering.sync.identity import IdentityIndex


def test_the_people_files_leave_nothing_only_they_read_to_the_class_files(engine_ctx):
    ctx = engine_ctx()
    ctx.agents, ctx.emails = {"c1": ["s1"]}, {"a@b.org": "s1"}
    ctx.people_written, ctx.people_seen = {"s1"}, {"s1", "t1"}
    ctx.username_owners, ctx.identity = {"ann": "s1"}, IdentityIndex(ctx.district_id)
    ctx.not_imported, ctx.aliases = {"s9"}, {"old": "s1"}
    ctx.people_files_done()
    assert (ctx.agents, ctx.emails, ctx.people_written, ctx.people_seen) == ({}, {}, set(), set())
    assert ctx.username_owners is ctx.identity is ctx.fresh_people is ctx.known_people is None
    # What the enrollments still read stays.
    assert ctx.not_imported == {"s9"} and ctx.aliases == {"old": "s1"}
