"""Every count links to the rows it counts, a person's page tells their history, and the
People list tells districts apart for vendor support — against real sandbox imports."""

import re

import pytest
from django.urls import reverse

from rostering.admin.count_links import count_url
from rostering.models import Person, RosterChange
from rostering.record_counts import CountsRow
from rostering.sync.held import held_changes_approve
from tests.factories import DistrictFactory, PersonFactory
from tests.sync.helpers import pull

pytestmark = pytest.mark.django_db


@pytest.fixture
def changed(sandbox_sis_factory, district):
    """A first import, then a second after 20 SIS changes (nothing held)."""
    from tests.sync.conftest import connect

    server = sandbox_sis_factory(students=200, seed=13)
    connection = connect(server, district=district, existing_accounts="update",
                         archive_missing=True, archive_threshold_pct=100)  # fmt: skip
    first = pull(connection)
    mutation = server.mutate(20)
    return connection, first, pull(connection), mutation


def _links(html: str) -> set[str]:
    return {link.replace("&amp;", "&") for link in re.findall(r"href='([^']+)'", html)}


def test_created_counts_link_to_the_people_the_import_created(client, manager, changed):
    _, first, _, _ = changed
    students = first.records.get(kind="students")
    client.force_login(manager)
    html = client.get(reverse("admin:rostering_syncrun_change", args=[first.pk])).content.decode()
    link = count_url(students, CountsRow("Students", {}, "students"), "created")
    assert link in _links(html)
    listed = client.get(link).context["cl"].queryset
    created = Person.objects.filter(created_run_id=first.pk, role="student")
    assert set(listed.values_list("pk", flat=True)) == set(created.values_list("pk", flat=True))
    assert students.part_counts["students"]["created"] == created.count()


def test_each_files_received_rows_add_up(changed):
    for run in changed[1:3]:
        for record in run.records.all():
            for label, counts in (record.part_counts or {"file": record.counts()}).items():
                ended = sum(counts[c] for c in ("created", "updated", "unchanged", "skipped",
                                                "restored", "failed", "held_updates"))  # fmt: skip
                assert ended == counts["received"], (record.kind, label, counts)


def test_updated_and_archived_counts_link_to_the_change_list(client, manager, changed):
    _, _, second, mutation = changed
    students = second.records.get(kind="students")
    client.force_login(manager)
    updated = client.get(count_url(students, CountsRow("Students", {}, "students"), "updated"))
    html = updated.content.decode()
    assert "Updated by import" in html
    renamed = Person.objects.get(sourced_id=mutation["renamed"][0])
    assert f"{renamed.given_name} {renamed.family_name}" in html and "Family name: " in html
    assert students.part_counts["students"]["updated"] == updated.context["cl"].result_count
    archived = client.get(count_url(students, CountsRow("Students", {}, "students"), "archived"))
    leavers = {c.sourced_id for c in archived.context["cl"].result_list}
    assert set(mutation["left"]) <= leavers


def test_a_persons_page_tells_their_history(client, reviewer, changed):
    _, first, second, mutation = changed
    renamed = Person.objects.get(sourced_id=mutation["renamed"][0])
    client.force_login(reviewer)
    html = client.get(reverse("admin:rostering_person_change", args=[renamed.pk])).content.decode()
    history = html[html.index("person-history") :]
    assert "Account created" in history and f"#{first.pk}</a>" in history
    assert "Account changed" in history and f"#{second.pk}</a>" in history
    change = RosterChange.objects.get(run=second, table="person", row_id=renamed.pk)
    assert f"{change.before['family_name']}</span> → <strong>{renamed.family_name}" in history
    assert "Sis modified at" not in history  # bookkeeping is not a change to read
    leaver = Person.objects.get(sourced_id=mutation["left"][0])
    html = client.get(reverse("admin:rostering_person_change", args=[leaver.pk])).content.decode()
    assert "Account archived" in html and re.search(r"Enrollment in [^<]+ archived", html)
    assert "single sign-on" in html  # how rostered accounts sign in


def test_history_shows_an_approved_change(held_import, client, manager):
    record = held_import.record()
    held_changes_approve(record=record, actor=manager)
    leaver = Person.objects.get(sourced_id=held_import.mutation["left"][0])
    client.force_login(manager)
    html = client.get(reverse("admin:rostering_person_change", args=[leaver.pk])).content.decode()
    assert "Account archived" in html and f"#{held_import.run.pk}</a>" in html


def test_support_tells_same_named_people_of_two_districts_apart(client, superuser, district):
    other = DistrictFactory(name="Twin District")
    PersonFactory(district=district, given_name="Ana", family_name="Lopez")
    PersonFactory(district=other, given_name="Ana", family_name="Lopez")
    client.force_login(superuser)
    page = client.get(reverse("admin:rostering_person_changelist"))
    html = page.content.decode()
    assert "column-district" in html and "Twin District" in html
    filtered = client.get(reverse("admin:rostering_person_changelist"), {"district": other.pk})
    assert [p.district_id for p in filtered.context["cl"].result_list] == [other.pk]


def test_members_see_no_district_column(client, manager, district):
    PersonFactory(district=district)
    client.force_login(manager)
    html = client.get(reverse("admin:rostering_person_changelist")).content.decode()
    assert "column-district" not in html and "Student ID / Staff ID" in html


def test_troubleshooting_explains_every_skip_reason(client, reviewer):
    from rostering.record_counts import SKIP_LABELS

    client.force_login(reviewer)
    html = client.get(reverse("admin:rostering_importrecord_troubleshooting")).content.decode()
    assert 'id="counts"' in html
    for code in SKIP_LABELS:
        assert f'id="skip-{code}"' in html


def test_every_count_of_every_line_is_a_link(client, manager, changed):
    """File lines and part lines alike (a part's skipped and failed rows included, and the
    classes file, whose line counts terms, courses and classes). Received and Unchanged
    are plain: the rest of the roster, not rows this import did anything to."""
    _, first, second, _ = changed
    client.force_login(manager)
    for run in (first, second):
        html = client.get(reverse("admin:rostering_syncrun_change", args=[run.pk])).content
        cells = re.findall(r"<td class='count count-(\w+)'>(.*?)</td>", html.decode())
        counted = [(c, cell) for c, cell in cells if c not in ("received", "unchanged")]
        plain = [(c, cell) for c, cell in counted if "zero" not in cell and "<a " not in cell]
        assert cells and not plain, plain
    record = first.records.get(kind="classes")
    assert count_url(record, CountsRow("Classes", {}), "created").endswith("#counts")
