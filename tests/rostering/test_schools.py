"""Update list (refresh) and manual mapping of SIS schools."""

import io

import pytest
import responses
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from connections.services import CONNECTION_AMBIGUOUS
from rostering import schools
from rostering.models import SisSchool
from rostering.schools import (
    SCHOOL_OTHER_DISTRICT,
    SCHOOLS_EMPTY,
    SCHOOLS_FETCH_FAILED,
    RefreshResult,
    SchoolListError,
    sis_school_fetch,
    sis_school_map,
    sis_schools_refresh,
    sis_schools_unmapped_count,
)
from sandbox import testing as sandbox_testing
from sis import errors, records
from tests.factories import ConnectionFactory, SchoolFactory, SisSchoolFactory

AUTO = SisSchool.MappingMethod.AUTO
MANUAL = SisSchool.MappingMethod.MANUAL
NONE = SisSchool.MappingMethod.NONE


def sis(sourced_id: str, name: str, *, status: str = "active", kind: str = "elementary"):
    return records.SisSchool(
        sourced_id=sourced_id,
        name=name,
        school_code=sourced_id,
        school_type=kind,
        status=status,
        date_last_modified=None,
    )


@pytest.fixture
def sis_feed(monkeypatch):
    """The SIS's school list, as a mutable list the tests change between refreshes."""
    feed: list[records.SisSchool] = []
    monkeypatch.setattr(schools, "sis_school_fetch", lambda *, connection: list(feed))
    return feed


@pytest.fixture
def vendor(district):
    names = ["Lincoln Elementary", "Jefferson Elementary", "Washington Middle", "Roosevelt HS"]
    return {name: SchoolFactory(district=district, name=name) for name in names}


def refresh(connection, actor=None) -> RefreshResult:
    return sis_schools_refresh(connection=connection, actor=actor)


def rows(connection) -> dict[str, SisSchool]:
    return {row.sourced_id: row for row in connection.sis_schools.select_related("school")}


def test_first_refresh_creates_and_auto_maps(connection, vendor, sis_feed, manager):
    sis_feed[:] = [
        sis("990", "Lincoln Elementary School"),
        sis("991", "Jefferson Elem."),
        sis("992", "Washington Middle School", kind="middle"),
        sis("993", "Roosevelt Elementary"),  # the vendor only has Roosevelt *High*
    ]
    result = refresh(connection, manager)

    assert result == RefreshResult(
        received=4, created=4, updated=0, vanished=0, returned=0, auto_mapped=3, needs_review=0
    )
    by_id = rows(connection)
    assert by_id["990"].school == vendor["Lincoln Elementary"]
    assert (by_id["990"].mapping_method, by_id["990"].match_score) == (AUTO, 100.0)
    assert by_id["991"].school == vendor["Jefferson Elementary"]
    assert by_id["992"].school == vendor["Washington Middle"]
    assert by_id["993"].school is None and by_id["993"].mapping_method == NONE
    assert not by_id["993"].needs_review
    assert by_id["990"].candidates[0] == {"name": "Lincoln Elementary", "score": 100.0}
    assert sis_schools_unmapped_count(connection=connection) == 1


def test_refresh_writes_one_audit_event_with_the_summary(connection, vendor, sis_feed, manager):
    sis_feed[:] = [sis("990", "Lincoln Elementary School"), sis("999", "Adult Education")]
    result = refresh(connection, manager)

    event = AuditEvent.objects.get()
    assert event.action == AuditEvent.Action.REFRESH
    assert (event.actor, event.district) == (manager, connection.district)
    assert (
        event.message
        == result.summary
        == "2 SIS schools: 2 new, 1 mapped automatically."  # what did not happen is not said
    )
    assert event.changes == {"Lincoln Elementary School (990)": [None, "Lincoln Elementary"]}


def test_refresh_updates_changed_names_and_keeps_the_mapping(connection, vendor, sis_feed):
    sis_feed[:] = [sis("990", "Lincoln Elementary School")]
    refresh(connection)
    sis_feed[:] = [sis("990", "Lincoln Elementary School (Main Campus)")]
    result = refresh(connection)

    assert (result.created, result.updated, result.auto_mapped) == (0, 1, 0)
    row = rows(connection)["990"]
    assert row.name == "Lincoln Elementary School (Main Campus)"
    assert row.school == vendor["Lincoln Elementary"]


def test_unchanged_refresh_changes_nothing_but_last_seen(connection, vendor, sis_feed):
    sis_feed[:] = [sis("990", "Lincoln Elementary School"), sis("999", "Adult Education")]
    refresh(connection)
    first_seen = rows(connection)["990"].last_seen_at
    result = refresh(connection)

    assert result == RefreshResult(
        received=2, created=0, updated=0, vanished=0, returned=0, auto_mapped=0, needs_review=0
    )
    assert rows(connection)["990"].last_seen_at > first_seen


def test_vanished_schools_are_marked_not_deleted_and_come_back(connection, vendor, sis_feed):
    sis_feed[:] = [sis("990", "Lincoln Elementary School"), sis("991", "Jefferson Elementary")]
    refresh(connection)
    sis_feed[:] = [sis("990", "Lincoln Elementary School")]
    gone = refresh(connection)

    assert (gone.vanished, gone.returned) == (1, 0)
    vanished = rows(connection)["991"]
    assert vanished.vanished_at is not None
    assert vanished.school == vendor["Jefferson Elementary"]  # kept for when it returns
    assert sis_schools_unmapped_count(connection=connection) == 0

    sis_feed[:] = [sis("990", "Lincoln Elementary School"), sis("991", "Jefferson Elementary")]
    back = refresh(connection)
    assert (back.vanished, back.returned, back.created) == (0, 1, 0)
    assert rows(connection)["991"].vanished_at is None


def test_a_school_marked_tobedeleted_counts_as_vanished(connection, vendor, sis_feed):
    sis_feed[:] = [sis("990", "Lincoln Elementary School"), sis("991", "Jefferson Elementary")]
    refresh(connection)
    sis_feed[1] = sis("991", "Jefferson Elementary", status="tobedeleted")
    assert refresh(connection).vanished == 1
    assert rows(connection)["991"].vanished_at is not None


def test_an_empty_school_list_changes_nothing(connection, vendor, sis_feed):
    sis_feed[:] = [sis("990", "Lincoln Elementary School")]
    refresh(connection)
    sis_feed.clear()

    with pytest.raises(SchoolListError) as caught:
        refresh(connection)
    assert str(caught.value) == SCHOOLS_EMPTY.format(connection=connection.name)
    assert rows(connection)["990"].vanished_at is None
    assert AuditEvent.objects.filter(message=str(caught.value)).exists()


def test_manual_mapping_is_never_overwritten(connection, vendor, sis_feed, manager):
    sis_feed[:] = [sis("990", "Lincoln Elementary School")]
    refresh(connection)
    row = rows(connection)["990"]
    sis_school_map(sis_school=row, school=vendor["Jefferson Elementary"], actor=manager)
    refresh(connection)

    row = rows(connection)["990"]
    assert (row.school, row.mapping_method) == (vendor["Jefferson Elementary"], MANUAL)


def test_a_school_unmapped_by_hand_stays_unmapped(connection, vendor, sis_feed, manager):
    sis_feed[:] = [sis("990", "Lincoln Elementary School")]
    refresh(connection)
    sis_school_map(sis_school=rows(connection)["990"], school=None, actor=manager)
    result = refresh(connection)

    row = rows(connection)["990"]
    assert (row.school, row.mapping_method, row.keep_unmapped) == (None, NONE, True)
    assert result.auto_mapped == 0


def test_two_sis_schools_claiming_one_vendor_school_are_flagged(connection, vendor, sis_feed):
    sis_feed[:] = [sis("990", "Lincoln Elementary School"), sis("991", "Lincoln Elem")]
    result = refresh(connection)

    assert (result.auto_mapped, result.needs_review) == (0, 2)
    for row in rows(connection).values():
        assert row.school is None and row.needs_review
        assert row.candidates[0]["name"] == "Lincoln Elementary"


def test_a_vendor_school_already_mapped_is_not_mapped_again(connection, vendor, sis_feed, manager):
    taken = SisSchoolFactory(connection=connection, name="Lincoln Annex")
    sis_school_map(sis_school=taken, school=vendor["Lincoln Elementary"], actor=manager)
    sis_feed[:] = [sis(taken.sourced_id, taken.name), sis("990", "Lincoln Elementary School")]
    result = refresh(connection)

    row = rows(connection)["990"]
    assert (row.school, row.needs_review, result.needs_review) == (None, True, 1)


def test_ambiguous_vendor_names_are_flagged_with_candidates(connection, district, sis_feed):
    SchoolFactory(district=district, name="Lincoln Elem")
    SchoolFactory(district=district, name="Lincoln ES")
    sis_feed[:] = [sis("990", "Lincoln Elementary School")]
    assert refresh(connection).needs_review == 1

    row = rows(connection)["990"]
    assert row.school is None and row.needs_review and row.match_score == 100.0
    assert {c["name"] for c in row.candidates} == {"Lincoln Elem", "Lincoln ES"}


def test_weak_match_is_flagged_then_cleared_by_a_manual_choice(
    connection, district, sis_feed, manager
):
    kennedy = SchoolFactory(district=district, name="John F. Kennedy High School")
    sis_feed[:] = [sis("990", "Kennedy High", kind="high")]
    assert refresh(connection).needs_review == 1

    row = sis_school_map(sis_school=rows(connection)["990"], school=kennedy, actor=manager)
    assert (row.mapping_method, row.needs_review, row.match_score) == (MANUAL, False, None)
    assert sis_schools_unmapped_count(connection=connection) == 0


def test_only_the_connections_district_schools_are_candidates(connection, other_district, sis_feed):
    SchoolFactory(district=other_district, name="Lincoln Elementary")
    sis_feed[:] = [sis("990", "Lincoln Elementary School")]
    assert refresh(connection).auto_mapped == 0
    assert rows(connection)["990"].candidates == []


def test_sis_error_is_a_plain_message_and_audited(connection, monkeypatch, manager):
    failure = errors.SisAuthError(
        errors.BAD_CREDENTIALS_MESSAGE, fix=errors.BAD_CREDENTIALS_FIX, status=401
    )

    def fail(*, connection):
        raise failure

    monkeypatch.setattr(schools, "sis_school_fetch", fail)
    with pytest.raises(SchoolListError) as caught:
        refresh(connection, manager)

    expected = SCHOOLS_FETCH_FAILED.format(connection=connection.name, error=failure)
    assert str(caught.value) == expected
    assert "Consumer ID or Secret is wrong" in expected
    event = AuditEvent.objects.get(action=AuditEvent.Action.REFRESH)
    assert (event.message, event.actor) == (expected, manager)
    assert not connection.sis_schools.exists()


def test_manual_map_and_unmap_are_audited(connection, vendor, manager):
    row = SisSchoolFactory(connection=connection, name="Lincoln Elementary School")
    sis_school_map(sis_school=row, school=vendor["Lincoln Elementary"], actor=manager)
    sis_school_map(sis_school=row, school=vendor["Lincoln Elementary"], actor=manager)  # no-op
    sis_school_map(sis_school=row, school=None, actor=manager)

    mapped, unmapped = AuditEvent.objects.filter(action=AuditEvent.Action.MAP).order_by("pk")
    assert mapped.changes == {
        "mapping_method": ["none", "manual"],
        "school": [None, "Lincoln Elementary"],
    }
    assert unmapped.changes == {
        "keep_unmapped": [False, True],
        "mapping_method": ["manual", "none"],
        "school": ["Lincoln Elementary", None],
    }
    assert (unmapped.actor, unmapped.district) == (manager, connection.district)


def test_manual_map_refuses_another_districts_school(connection, other_district, manager):
    row = SisSchoolFactory(connection=connection)
    theirs = SchoolFactory(district=other_district, name="Their School")
    with pytest.raises(ValidationError) as caught:
        sis_school_map(sis_school=row, school=theirs, actor=manager)
    assert caught.value.messages == [
        SCHOOL_OTHER_DISTRICT.format(school=theirs, district=connection.district)
    ]
    row.refresh_from_db()
    assert row.school is None


def test_refreshes_of_two_connections_are_independent(district, vendor, sis_feed):
    first, second = ConnectionFactory(district=district), ConnectionFactory(district=district)
    sis_feed[:] = [sis("990", "Lincoln Elementary School")]
    refresh(first)
    assert refresh(second).auto_mapped == 1  # the same school seen through another entry
    sis_feed.clear()
    sis_feed.append(sis("991", "Jefferson Elementary"))
    refresh(second)
    assert rows(first)["990"].vanished_at is None


@responses.activate
def test_fetch_reads_the_sis_through_the_client(connection):
    base = connection.base_url
    responses.post(base + "token", json={"access_token": "t", "expires_in": 3600})
    responses.get(
        base + "ims/oneroster/v1p1/schools",
        json={
            "orgs": [
                {
                    "sourcedId": "994",
                    "status": "active",
                    "name": "Lincoln Elementary School",
                    "type": "school",
                    "identifier": "994",
                    "dateLastModified": "2026-08-01T00:00:00Z",
                }
            ]
        },
        headers={"X-Total-Count": "1"},
    )
    fetched = sis_school_fetch(connection=connection)
    assert [(s.sourced_id, s.name) for s in fetched] == [("994", "Lincoln Elementary School")]


def run_command(identifier) -> str:
    out = io.StringIO()
    call_command("refresh_schools", str(identifier), stdout=out)
    return out.getvalue()


def test_command_prints_summary_and_each_mapping(connection, vendor, sis_feed):
    sis_feed[:] = [sis("990", "Lincoln Elementary School"), sis("991", "Lincoln Elem")]
    sis_feed.append(sis("992", "Roosevelt High School", kind="high"))
    output = run_command(connection.name)

    assert output.splitlines()[0] == "3 SIS schools: 3 new, 1 mapped automatically, 2 to review."
    assert "Roosevelt High School → Roosevelt HS (automatic; score 100)" in output
    assert "Lincoln Elem → not mapped (review: Lincoln Elementary 100)" in output
    event = AuditEvent.objects.filter(action=AuditEvent.Action.REFRESH).first()
    assert event.actor_label == "command line"


def test_command_finds_the_connection_by_id(connection, vendor, sis_feed):
    sis_feed[:] = [sis("990", "Lincoln Elementary School")]
    assert "→ Lincoln Elementary" in run_command(connection.pk)


def test_command_exits_1_with_the_plain_sis_message(connection, monkeypatch):
    failure = errors.SisDnsError(
        errors.DNS_MESSAGE.format(host="district.aeries.net"), fix=errors.DNS_FIX
    )

    def fail(*, connection):
        raise failure

    monkeypatch.setattr(schools, "sis_school_fetch", fail)
    with pytest.raises(CommandError) as caught:
        run_command(connection.pk)
    assert caught.value.returncode == 1
    assert str(caught.value) == SCHOOLS_FETCH_FAILED.format(
        connection=connection.name, error=failure
    )
    assert "the host name does not resolve" in str(caught.value)


def test_command_names_an_unknown_or_ambiguous_connection(district, other_district):
    with pytest.raises(CommandError, match=r"No connection with id or name 'Nope'"):
        run_command("Nope")
    first = ConnectionFactory(district=district, name="Aeries")
    second = ConnectionFactory(district=other_district, name="Aeries")
    with pytest.raises(CommandError) as caught:
        run_command("Aeries")
    assert str(caught.value) == CONNECTION_AMBIGUOUS.format(
        count=2, ref="Aeries", ids=f"{first.pk}, {second.pk}"
    )


sandbox_sis_shared = sandbox_testing.sandbox_sis_shared  # the session's sandbox SIS fixture
VENDOR_SPELLING = {"Elementary School": "Elem.", "Middle School": "MS", "High School": "HS"}


@pytest.mark.parametrize("kind", ["oneroster", "aeries_api"])
def test_update_list_against_the_sandbox_sis(district, sandbox_sis_shared, kind, settings):
    settings.ALLOW_INSECURE_SIS_URLS = True  # the sandbox SIS is plain http on loopback
    server = sandbox_sis_shared
    connection = ConnectionFactory(
        district=district,
        kind=kind,
        base_url=server.base_url,
        client_id=server.client_id,
        client_secret=server.client_secret,
        certificate=server.certificate,
    )
    sis_names = {school.code: school.name for school in server.district.schools}
    for name in sis_names.values():  # the vendor's own list spells them its own way
        for long, short in VENDOR_SPELLING.items():
            name = name.replace(long, short)
        SchoolFactory(district=district, name=name)
    SchoolFactory(district=district, name="Lincoln Middle")  # a namesake at the wrong level

    result = sis_schools_refresh(connection=connection, actor=None)

    assert (result.received, result.created) == (len(sis_names), len(sis_names))
    assert (result.auto_mapped, result.needs_review) == (len(sis_names), 0)
    assert {r.sourced_id: r.name for r in connection.sis_schools.all()} == sis_names
    assert sis_schools_unmapped_count(connection=connection) == 0
