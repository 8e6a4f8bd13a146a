"""OneRoster paging: limits, Link, repeated pages, concurrency, envelopes, role passes."""

from __future__ import annotations

import random
import threading
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest
import responses

from sis import errors
from sis.paging import RawPage, iter_raw_pages, ordered_map
from sis.records import Entity, Role
from tests.sis.oneroster_fakes import (
    API,
    FakeCollection,
    add_list,
    add_token,
    client,
    credentials,
    user,
)


@responses.activate
def test_server_capping_the_limit_is_followed_by_returned_count():
    add_token()
    fake = FakeCollection("users", [user(str(n)) for n in range(7)], cap=3)
    responses.add_callback(responses.GET, API + "students", callback=fake)

    with client(page_size=1000) as sis:
        pages = list(sis.iter_pages(Entity.STUDENTS))

    assert [p.sourced_id for page in pages for p in page.records] == [str(n) for n in range(7)]
    assert fake.offsets == [0, 3, 6]
    assert [page.offset for page in pages] == [0, 3, 6]
    assert pages[0].total == 7


@responses.activate
@pytest.mark.parametrize("link", ["absolute", "relative"])
def test_link_next_without_total_count_is_followed(link):
    add_token()
    fake = FakeCollection("users", [user(str(n)) for n in range(5)], cap=2, total=False, link=link)
    responses.add_callback(responses.GET, API + "students", callback=fake)

    with client(concurrency=4) as sis:
        ids = [p.sourced_id for page in sis.iter_pages(Entity.STUDENTS) for p in page.records]

    assert ids == ["0", "1", "2", "3", "4"]
    assert fake.offsets == [0, 2, 4]


@responses.activate
def test_without_total_or_link_paging_stops_on_an_empty_page():
    add_token()
    fake = FakeCollection("users", [user(str(n)) for n in range(4)], cap=2, total=False)
    responses.add_callback(responses.GET, API + "students", callback=fake)

    with client() as sis:
        pages = list(sis.iter_pages(Entity.STUDENTS))

    assert [len(page.records) for page in pages] == [2, 2]
    assert fake.offsets == [0, 2, 4]


@responses.activate
def test_a_server_repeating_a_page_is_stopped():
    add_token()
    responses.get(API + "students", json={"users": [user("1"), user("2")]})

    with client() as sis, pytest.raises(errors.SisRepeatedPageError) as caught:
        list(sis.iter_pages(Entity.STUDENTS))

    assert "returned the same page twice" in str(caught.value)


@responses.activate
def test_concurrent_pages_arrive_in_order_each_record_once():
    add_token(headers={"Set-Cookie": "ARRAffinity=node3; Path=/"})
    rows = [user(f"{n:03d}") for n in range(103)]
    fake = FakeCollection("users", rows, cap=5, latency=0.01)
    responses.add_callback(responses.GET, API + "students", callback=fake)

    with client(concurrency=4, page_size=5) as sis:
        pages = list(sis.iter_pages(Entity.STUDENTS))

    ids = [p.sourced_id for page in pages for p in page.records]
    assert ids == [row["sourcedId"] for row in rows]
    assert [page.offset for page in pages] == list(range(0, 103, 5))
    assert sorted(fake.offsets) == list(range(0, 103, 5))
    data_calls = [c for c in responses.calls if "/v1p1/" in c.request.url]
    assert all("ARRAffinity=node3" in c.request.headers["Cookie"] for c in data_calls)


@responses.activate
def test_concurrent_threads_back_off_together_on_429():
    add_token()
    rows = [user(str(n)) for n in range(12)]
    fake = FakeCollection("users", rows, cap=3)
    busy = {"left": 1}

    def callback(request):
        if "offset=6" in request.url and busy["left"]:
            busy["left"] -= 1
            return 429, {"Retry-After": "0.05"}, b""
        return fake(request)

    responses.add_callback(responses.GET, API + "students", callback=callback)
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        time.sleep(seconds)

    with client(concurrency=3, sleep=sleep, max_retry_seconds=5.0) as sis:
        ids = [p.sourced_id for page in sis.iter_pages(Entity.STUDENTS) for p in page.records]

    assert ids == [str(n) for n in range(12)]
    assert sleeps and max(sleeps) <= 0.05 + 1e-6
    assert sis.stats.retries == 1


@responses.activate
def test_envelope_key_variants_are_accepted():
    add_token()
    add_list("schools", "schools", [{"sourcedId": "994", "name": "Lincoln High"}])
    add_list("terms", "terms", [{"sourcedId": "994_F", "title": "Fall"}])
    add_list("students", "students", [user("1")])
    add_list("teachers", "teachers", [user("TCH_5", "teacher")])

    with client() as sis:
        schools = sis.schools()
        terms = [r for page in sis.iter_pages(Entity.TERMS) for r in page.records]
        students = [r for page in sis.iter_pages(Entity.STUDENTS) for r in page.records]
        teachers = [r for page in sis.iter_pages(Entity.TEACHERS) for r in page.records]

    assert schools[0].school_type == "high"
    assert terms[0].sourced_id == "994_F"
    assert students[0].role is Role.STUDENT
    assert teachers[0].sourced_id == "TCH_5"


@responses.activate
def test_role_passes_and_delta_filter():
    add_token()
    add_list("users", "users", [])
    since = datetime(2026, 9, 1, 7, 30, tzinfo=UTC)

    with client() as sis:
        list(sis.iter_pages(Entity.STAFF, since=since))
        list(sis.iter_pages(Entity.CONTACTS))
        list(sis.iter_pages(Entity.ADMINISTRATORS))

    filters = [
        unquote_plus(parse_qs(urlsplit(c.request.url).query)["filter"][0])
        for c in responses.calls
        if "/users" in c.request.url
    ]
    assert filters == [
        "role='aide' AND dateLastModified>'2026-09-01T07:30:00Z'",
        "role='proctor' AND dateLastModified>'2026-09-01T07:30:00Z'",
        "role='parent'",
        "role='guardian'",
        "role='relative'",
        "role='administrator'",
    ]


@responses.activate
def test_users_of_other_roles_are_left_to_their_own_pass():
    add_token()
    rows = [user("TCH_1", "administrator"), user("TCH_2", "teacher"), user("CNT_1_1", "parent")]
    add_list("users", "users", rows)

    with client() as sis:
        admins = [r for page in sis.iter_pages(Entity.ADMINISTRATORS) for r in page.records]

    assert [person.sourced_id for person in admins] == ["TCH_1"]


@responses.activate
def test_school_codes_use_school_scoped_endpoints_and_dedupe_people():
    add_token()
    add_list("schools/994/students", "users", [user("1"), user("2")])
    add_list("schools/995/students", "users", [user("2"), user("3")])
    add_list("schools", "orgs", [{"sourcedId": c, "type": "school"} for c in ("994", "995", "996")])

    with client(creds=credentials(school_codes=("994", "995"))) as sis:
        ids = [p.sourced_id for page in sis.iter_pages(Entity.STUDENTS) for p in page.records]
        scoped_schools = [
            s.sourced_id for page in sis.iter_pages(Entity.SCHOOLS) for s in page.records
        ]
        all_schools = [s.sourced_id for s in sis.schools()]

    assert ids == ["1", "2", "3"]
    assert scoped_schools == ["994", "995"]
    assert all_schools == ["994", "995", "996"]


@responses.activate
def test_a_bad_row_does_not_sink_the_page():
    add_token()
    rows = [
        user("1"),
        "not an object",
        {"role": "student"},
        user("2", dateLastModified="yesterday"),
    ]
    add_list("students", "users", rows)

    with client() as sis:
        (page,) = list(sis.iter_pages(Entity.STUDENTS))

    assert [p.sourced_id for p in page.records] == ["1"]
    assert [(p.sourced_id, p.field) for p in page.problems] == [
        ("", ""),
        ("", "sourcedId"),
        ("2", "dateLastModified"),
    ]


def fake_fetchers(rows, *, short_at=None, long_at=None, total=None):
    """fetch_offset/fetch_url over a list, with one short or one over-long page."""
    asked: list[tuple[int, int]] = []

    def fetch_offset(offset, limit):
        asked.append((offset, limit))
        size = limit - 2 if offset == short_at else limit + 2 if offset == long_at else limit
        reported = len(rows) if total is None else total
        return RawPage(rows[offset : offset + size], offset, reported, None, "/x")

    def fetch_url(url, offset):  # pragma: no cover - these fakes send no Link
        raise AssertionError(url)

    return fetch_offset, fetch_url, asked


@pytest.mark.parametrize("concurrency", [1, 3])
@pytest.mark.parametrize("quirk", [{}, {"short_at": 10}, {"long_at": 5}, {"total": 40}])
def test_paging_quirks_still_yield_every_row_once_in_order(concurrency, quirk):
    rows = [{"sourcedId": str(n)} for n in range(23)]
    fetch_offset, fetch_url, _ = fake_fetchers(rows, **quirk)

    pages = iter_raw_pages(
        fetch_offset=fetch_offset, fetch_url=fetch_url, limit=5, concurrency=concurrency
    )

    assert [row for page in pages for row in page.rows] == rows


def test_ordered_map_keeps_order_and_bounds_the_work_in_flight():
    lock = threading.Lock()
    state = {"running": 0, "peak": 0}

    def work(n):
        with lock:
            state["running"] += 1
            state["peak"] = max(state["peak"], state["running"])
        time.sleep(random.uniform(0, 0.003))
        with lock:
            state["running"] -= 1
        return n * n

    results = ordered_map(work, range(60), concurrency=4, prefetch=6)

    assert list(results) == [n * n for n in range(60)]
    assert 1 <= state["peak"] <= 4


def test_ordered_map_stops_submitting_when_the_consumer_stops():
    submitted: list[int] = []

    def work(n):
        submitted.append(n)
        return n

    results = ordered_map(work, range(1000), concurrency=2, prefetch=4)
    assert [next(results) for _ in range(3)] == [0, 1, 2]
    results.close()

    assert len(submitted) <= 3 + 4
