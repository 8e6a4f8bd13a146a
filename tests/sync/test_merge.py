"""Two accounts of one person (rostering/merge.py): the duplicate check, the merge, its undo."""

import pytest

from audit.models import AuditEvent
from rostering.merge import (
    MergeRefused,
    person_duplicates,
    person_merge,
    person_merge_undo,
)
from rostering.models import Enrollment, Guardian, Person, PersonAlias, PersonSchool, Section
from tests.factories import EnrollmentFactory, GuardianFactory, PersonFactory
from tests.sync.helpers import pull

pytestmark = pytest.mark.django_db
TABLES = (Person, Guardian, Enrollment, PersonSchool, PersonAlias)


def _snapshot() -> dict:
    return {model.__name__: sorted(model.objects.values_list(), key=str) for model in TABLES}


@pytest.fixture
def twin(connection):
    """An imported student and an older account of the same person (same Student ID)."""
    pull(connection)
    student = Person.objects.get(sourced_id="100020")
    older = PersonFactory(
        district=student.district, sourced_id="OLD-100020", role="student",
        given_name=student.given_name, family_name=student.family_name,
        email="older.address@stu.example.org", aeries_student_id=student.aeries_student_id,
        grades=student.grades,
    )  # fmt: skip
    EnrollmentFactory(district=student.district, person=older,
                      section=Section.objects.first(), sourced_id="old-enrollment")  # fmt: skip
    GuardianFactory(district=student.district, student=older, sourced_id="old-contact")
    return student, older


def test_the_duplicate_check_lists_accounts_sharing_an_aeries_id(twin):
    student, older = twin
    groups = person_duplicates(district=student.district)
    group = next(g for g in groups if g.reason == "Aeries Student ID")
    assert {p.pk for p in group.people} == {student.pk, older.pk}
    assert group.value == student.aeries_student_id


def test_a_merge_moves_everything_and_an_undo_puts_it_back(twin, manager):
    student, older = twin
    before, older_pk = _snapshot(), older.pk
    merge = person_merge(survivor=student, merged=older, actor=manager,
                         take_from_merged=("email",))  # fmt: skip
    assert not Person.objects.filter(pk=older_pk).exists()
    student.refresh_from_db()
    assert student.email == "older.address@stu.example.org"
    assert Enrollment.objects.get(sourced_id="old-enrollment").person_id == student.pk
    assert Guardian.objects.get(sourced_id="old-contact").student_id == student.pk
    assert PersonAlias.objects.get(sourced_id="OLD-100020").person_id == student.pk
    event = AuditEvent.objects.get(action=AuditEvent.Action.MERGE)
    assert "OLD-100020" in event.message and event.actor == manager

    restored = person_merge_undo(merge=merge, actor=manager)
    assert restored.pk == older_pk
    after = _snapshot()
    for table in before:
        diff = {str(r) for r in before[table]} ^ {str(r) for r in after[table]}
        assert not diff, (table, sorted(diff)[:4])
    with pytest.raises(MergeRefused, match="This merge was undone on"):
        person_merge_undo(merge=merge, actor=manager)


def test_an_import_after_a_merge_writes_the_former_sourced_id_to_the_survivor(
    sis, connection, twin, manager
):
    student, older = twin
    person_merge(survivor=older, merged=student, actor=manager)  # the SIS's id is the alias
    run = pull(connection)
    assert run.status in ("completed", "completed_with_error")
    assert not Person.objects.filter(sourced_id="100020").exists()  # no new account
    older.refresh_from_db()
    assert older.given_name == sis.district.people["100020"].given_name


def test_only_accounts_of_one_role_merge(twin, manager):
    student, _ = twin
    teacher = Person.objects.filter(role="teacher").first()
    with pytest.raises(MergeRefused, match="only accounts of one role"):
        person_merge(survivor=student, merged=teacher, actor=manager)


def test_the_people_pages_list_duplicates_merge_and_undo(client, twin, connection):
    from django.urls import reverse

    from tests.factories import MembershipFactory

    student, older = twin
    older_pk = older.pk
    client.force_login(MembershipFactory(district=student.district, role="manager").user)
    people = client.get(reverse("admin:rostering_person_changelist")).content.decode()
    assert "Likely duplicates" in people
    page = client.get(reverse("admin:rostering_person_duplicates")).content.decode()
    merge_url = reverse("admin:rostering_person_merge", args=[student.pk, older_pk])
    assert "Same Aeries Student ID" in page and merge_url in page
    assert "older.address@stu.example.org" in client.get(merge_url).content.decode()
    response = client.post(merge_url, {"email": "merged", "given_name": "survivor"})
    assert response.url == reverse("admin:rostering_person_change", args=[student.pk])
    survivor_page = client.get(response.url).content.decode()
    assert "Merged into this account" in survivor_page and "OLD-100020" in survivor_page
    merge = student.merges.get()
    client.post(reverse("admin:rostering_person_merge_undo", args=[merge.pk]))
    assert Person.objects.filter(pk=older_pk).exists()

    client.force_login(MembershipFactory(district=student.district, role="reviewer").user)
    assert client.post(merge_url).status_code == 403
