"""Every list page a person opens makes the same number of queries with 3 rows and with
30 (no query per row: an N+1 fails here), counts no more than a capped number of rows,
and offers filters that read no table. The timing at a million people is the
benchmark's (bench/admin.py)."""

import difflib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from rostering.admin.lists import CappedCountPaginator
from rostering.models import HeldChange, ImportRecord, PersonSchool, RosterChange
from tests.factories import (
    ConnectionFactory,
    EnrollmentFactory,
    GuardianFactory,
    ImportIssueFactory,
    ImportRecordFactory,
    MembershipFactory,
    PersonFactory,
    SchoolFactory,
    SectionFactory,
    SyncRunFactory,
)

pytestmark = pytest.mark.django_db
FEW, MANY = 3, 30
# A filter may read these (a district's own handful of rows), never the listed table.
SMALL_TABLES = {"rostering_district", "rostering_school", "connections_connection"}


class World:
    """A district with a connection, an import with a students and an enrollments file,
    and a held import; `grow(n)` adds n rows to every list."""

    def __init__(self, district):
        self.district = district
        self.connection = ConnectionFactory(district=district)
        self.school = SchoolFactory(district=district)
        self.run = SyncRunFactory(connection=self.connection, status="completed_with_error")
        self.students = ImportRecordFactory(run=self.run, kind="students")
        self.enrollments = ImportRecordFactory(run=self.run, kind="enrollments")
        self.held_run = SyncRunFactory(connection=self.connection)
        self.held_record = ImportRecordFactory(run=self.held_run, kind="students", held_archives=1)
        self.first = None  # the first person: a search by a number finds them (and more)

    def grow(self, n: int) -> None:
        for _ in range(n):
            self._row()

    def _row(self) -> None:
        district, run = self.district, self.run
        person = PersonFactory(district=district, connection=self.connection, created_run_id=run.pk)
        self.first = self.first or person
        PersonSchool.objects.create(person=person, school=self.school)
        GuardianFactory(district=district, student=person)
        section = SectionFactory(district=district, school=self.school)
        EnrollmentFactory(district=district, person=person, section=section)
        ImportIssueFactory(
            record=self.students, sourced_id=person.sourced_id, code="missing_email",
            severity="warning", excerpt={"given_name": "A", "family_name": "B", "role": "student"},
        )  # fmt: skip
        ImportIssueFactory(
            record=self.enrollments, code="unknown_class", sourced_id="e",
            excerpt={"user_sourced_id": person.sourced_id, "class_sourced_id": section.sourced_id,
                     "role": "student"},
        )  # fmt: skip
        RosterChange.objects.create(
            run=run, record=self.students, district=district, table="person", row_id=person.pk,
            sourced_id=person.sourced_id, action="updated", before={"grades": ["04"]},
            after={"grades": ["05"]}, created_at=person.created_at,
        )  # fmt: skip
        other = SyncRunFactory(connection=self.connection)
        ImportRecordFactory(run=other, kind="staff")
        AuditEvent.objects.create(
            district=district, district_name=district.name, actor_label="manager",
            action=AuditEvent.Action.PULL, object_type="connection",
            object_id=str(self.connection.pk), object_repr=self.connection.name,
            connection_id=self.connection.pk,
        )  # fmt: skip
        HeldChange.objects.create(
            record=self.held_record, kind="archive", table="person",
            sourced_id=person.sourced_id, payload={"id": person.pk},
        )  # fmt: skip


def pages(world: World) -> dict[str, str]:
    def changelist(label: str, query: str = "") -> str:
        url = reverse(f"admin:{label}_changelist")
        return f"{url}?{query}" if query else url

    return {
        "people": changelist("rostering_person"),
        "people search": changelist("rostering_person", "q=Family"),
        "people role": changelist("rostering_person", "role=student"),
        "people school": changelist("rostering_person", f"school={world.school.pk}"),
        "people disabled": changelist("rostering_person", "enabled__exact=0"),
        "people by Student ID": changelist("rostering_person", "o=3"),
        "people search of a number": changelist(  # a part of a username ("student42")
            "rostering_person", "q=" + world.first.username.removeprefix("student")
        ),
        "parent contacts": changelist("rostering_guardian"),
        "classes": changelist("rostering_section"),
        "enrollments": changelist("rostering_enrollment"),
        "enrollments search": changelist("rostering_enrollment", "q=Class"),
        "import results": changelist("rostering_importrecord"),
        "import runs": changelist("rostering_syncrun"),
        "descriptions": changelist("rostering_importissue"),
        "descriptions of a file": changelist(
            "rostering_importissue", f"record={world.students.pk}"
        ),
        "row changes": changelist(
            "rostering_rosterchange", f"record={world.students.pk}&action__exact=updated"
        ),
        "audit trail": changelist("audit_auditevent"),
        "run page": reverse("admin:rostering_syncrun_change", args=[world.run.pk]),
        "held changes": reverse("admin:rostering_syncrun_held", args=[world.held_run.pk]),
        "descriptions CSV": reverse("admin:rostering_importissue_export")
        + f"?record={world.students.pk}",
    }


def queries_of(client, url: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, (url, body[:500])
    return len(captured.captured_queries), [q["sql"] for q in captured.captured_queries]


@pytest.fixture(params=["manager", "support"])
def user(request, district, superuser):
    if request.param == "support":
        return superuser
    return MembershipFactory(district=district, role="manager").user


def test_every_list_page_makes_as_many_queries_with_30_rows_as_with_3(client, district, user):
    world = World(district)
    client.force_login(user)
    world.grow(FEW)
    for url in pages(world).values():  # the first view fills Django's caches
        queries_of(client, url)
    few = {name: queries_of(client, url) for name, url in pages(world).items()}
    world.grow(MANY - FEW)
    for name, url in pages(world).items():
        count, sql = queries_of(client, url)
        assert count == few[name][0], f"{name}:\n" + "\n".join(
            difflib.unified_diff(few[name][1], sql, lineterm="", n=0)
        )


def test_a_list_counts_at_most_the_cap_of_rows(client, district, superuser, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 5)
    PersonFactory.create_batch(7, district=district)
    client.force_login(superuser)
    response = client.get(reverse("admin:rostering_person_changelist"))
    page = response.content.decode()
    assert "more than 5 people" in page and "more than 5 results" in page  # both counts
    assert "7 results" not in page and "6 results" not in page and "Show all" not in page
    assert response.context["cl"].paginator.num_pages == 1  # the first 5 rows' pages
    counts = [s for s in queries_of(client, response.request["PATH_INFO"])[1] if "COUNT(" in s]
    assert len(counts) == 1 and "LIMIT 6" in counts[0]  # the cap + 1, never the table
    response = client.get(reverse("admin:rostering_person_changelist"), {"q": "no such name"})
    page = response.content.decode()
    assert "0 people" in page and "0 results (<a" in page and "Show all" in page


def test_filters_with_fixed_choices_read_no_table(client, district, superuser):
    """Opening a list reads its rows and its filters' own small tables (schools,
    connections, archives), never a DISTINCT over the listed table."""
    world = World(district)
    world.grow(FEW)
    client.force_login(superuser)
    for name, url in pages(world).items():
        for sql in queries_of(client, url)[1]:
            table = sql.split(" FROM ", 1)[-1].split()[0].strip('"')
            assert "SELECT DISTINCT" not in sql or table in SMALL_TABLES, (name, sql)


def test_the_held_page_shows_archives_by_name(client, district, superuser):
    world = World(district)
    world.grow(FEW)
    client.force_login(superuser)
    html = client.get(pages(world)["held changes"]).content.decode()
    assert "Given" in html and ImportRecord.Kind.STUDENTS.label.lower() in html.lower()


def _names(response) -> list[str]:
    return [person.family_name for person in response.context["cl"].result_list]


def test_the_people_search_finds_a_part_of_a_name_username_or_email_and_a_whole_id(
    client, district, superuser
):
    chavez = PersonFactory(district=district, family_name="Chávez", given_name="Ana",
                           sourced_id="100504", username="achavez", email="")  # fmt: skip
    digits = PersonFactory(district=district, family_name="Ng", username="s100504x",
                           email="")  # fmt: skip
    mail = PersonFactory(district=district, family_name="Zu", email="ana.zu@example.org")
    PersonFactory(district=district, family_name="Other", given_name="Bo")
    client.force_login(superuser)
    url = reverse("admin:rostering_person_changelist")

    def found(term: str) -> set[str]:
        return set(_names(client.get(url, {"q": term})))

    assert found("ávez") == found("CHá") == found("VEZ") == {"Chávez"}  # a part, any case
    assert found("Ana Chávez") == {"Chávez"}  # every word, in any of the fields
    assert found("ana.zu@example") == {mail.family_name}
    assert found("100504") == {"Chávez", digits.family_name}  # the Student ID and a username
    assert found("10050") == {digits.family_name}  # a Student ID is whole, a username a part
    assert found('"Ana Chávez"') == set()  # a quoted phrase is one word: not in one field…
    assert found('"Chávez Ana"') == {"Chávez"}  # …but family name then given name is
    assert chavez.pk in {p.pk for p in client.get(url, {"q": "achavez"}).context["cl"].result_list}


def test_a_people_search_lists_its_matches_by_name(client, district, superuser):
    for family in ("Cruz", "Abbott", "Bell"):
        PersonFactory(district=district, family_name=family, given_name="Kim")
    PersonFactory(district=district, family_name="Adams", given_name="Lee")
    client.force_login(superuser)
    url = reverse("admin:rostering_person_changelist")
    assert _names(client.get(url, {"q": "kim"})) == ["Abbott", "Bell", "Cruz"]
    name_column = client.get(url).context_data["cl"].list_display.index("name")
    listed = _names(client.get(url, {"q": "kim", "o": f"-{name_column}"}))
    assert listed == ["Cruz", "Bell", "Abbott"]


def test_a_school_filter_lists_that_school_s_people_only(client, district, superuser):
    world = World(district)
    world.grow(FEW)
    PersonFactory(district=district, family_name="Elsewhere")
    client.force_login(superuser)
    listed = _names(client.get(pages(world)["people school"]))
    assert len(listed) == FEW and "Elsewhere" not in listed
    missing = reverse("admin:rostering_person_changelist") + "?school=987654"
    assert _names(client.get(missing)) == []


def test_the_enrollment_search_finds_a_part_of_a_class_title(client, district, superuser):
    algebra = SectionFactory(district=district, title="Algebra II — period 3")
    EnrollmentFactory(district=district, section=algebra)
    EnrollmentFactory(district=district, section=SectionFactory(district=district, title="Art"))
    client.force_login(superuser)
    url = reverse("admin:rostering_enrollment_changelist")
    listed = client.get(url, {"q": "algebra ii"}).context["cl"].result_list
    assert [e.section_id for e in listed] == [algebra.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's")
def test_the_people_search_reads_the_trigram_index(district):
    """The migration's index expression is the one the search writes (PersonSearchText):
    were they to drift apart, every search would read all people."""
    from rostering.models import Person
    from rostering.people_search import people_search

    searched = people_search(queryset=Person.objects.all(), term="Chávez").order_by()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = searched.values("pk").query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "person_search" in plan, plan
