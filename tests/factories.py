"""factory-boy factories for the project's models."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from connections.models import Connection
from rostering.models import District, Membership, School


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    name = factory.Sequence(lambda n: f"District {n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"School {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    district = factory.SubFactory(DistrictFactory)
    role = Membership.Role.MANAGER


class ConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Connection

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"Aeries {n}")
    kind = Connection.Kind.ONEROSTER
    base_url = "https://district.aeries.net/aeries/"
    client_id = "consumer-id-123"
    client_secret = "s3cr3t-consumer-value"


class SisSchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "rostering.SisSchool"

    connection = factory.SubFactory(ConnectionFactory)
    sourced_id = factory.Sequence(lambda n: str(900 + n))
    name = factory.Sequence(lambda n: f"SIS School {n}")
    school_code = factory.SelfAttribute("sourced_id")
    school_type = "elementary"
    last_seen_at = factory.LazyFunction(timezone.now)


class SyncRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "rostering.SyncRun"

    connection = factory.SubFactory(ConnectionFactory)
    district = factory.SelfAttribute("connection.district")
    trigger = "manual"
    status = "completed"


class SchedulePauseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "rostering.SchedulePause"

    connection = factory.SubFactory(ConnectionFactory)
    start_date = datetime.date(2026, 6, 15)
    end_date = datetime.date(2026, 8, 15)
    reason = "Summer break"


class ImportRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "rostering.ImportRecord"

    run = factory.SubFactory(SyncRunFactory)
    kind = "students"
    status = "completed"
    received = 10
    created = 10
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyAttribute(lambda o: o.started_at + datetime.timedelta(seconds=75))


class ImportIssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "rostering.ImportIssue"

    record = factory.SubFactory(ImportRecordFactory, status="completed_with_error")
    code = "bad_email"
    severity = "error"
    sourced_id = factory.Sequence(lambda n: f"{100000 + n}")
    field = "email"
    message = "'not-an-email' is not a valid e-mail address."
    fix_hint = "Correct the e-mail address in Aeries (Student Data or Staff Data)."


class _RosterRowFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    district = factory.SubFactory(DistrictFactory)
    sourced_id = factory.Sequence(lambda n: f"sid-{n}")
    content_hash = "0" * 32
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)


class PersonFactory(_RosterRowFactory):
    class Meta:
        model = "rostering.Person"

    role = "student"
    given_name = factory.Sequence(lambda n: f"Given{n}")
    family_name = factory.Sequence(lambda n: f"Family{n}")
    username = factory.Sequence(lambda n: f"student{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@stu.example.org")
    grades = factory.LazyFunction(lambda: ["05"])
    password = "!unusable"


class GuardianFactory(_RosterRowFactory):
    class Meta:
        model = "rostering.Guardian"

    student = factory.SubFactory(PersonFactory, district=factory.SelfAttribute("..district"))
    given_name = "Pat"
    family_name = factory.SelfAttribute("student.family_name")
    relationship = "parent"
    primary = True


class CourseFactory(_RosterRowFactory):
    class Meta:
        model = "rostering.Course"

    title = factory.Sequence(lambda n: f"Course {n}")
    school = factory.SubFactory(SchoolFactory, district=factory.SelfAttribute("..district"))


class AcademicSessionFactory(_RosterRowFactory):
    class Meta:
        model = "rostering.AcademicSession"

    title = factory.Sequence(lambda n: f"Term {n}")
    session_type = "term"
    school = factory.SubFactory(SchoolFactory, district=factory.SelfAttribute("..district"))


class SectionFactory(_RosterRowFactory):
    class Meta:
        model = "rostering.Section"

    title = factory.Sequence(lambda n: f"Class {n}")
    school = factory.SubFactory(SchoolFactory, district=factory.SelfAttribute("..district"))
    course = factory.SubFactory(
        CourseFactory,
        district=factory.SelfAttribute("..district"),
        school=factory.SelfAttribute("..school"),
    )


class EnrollmentFactory(_RosterRowFactory):
    class Meta:
        model = "rostering.Enrollment"

    section = factory.SubFactory(SectionFactory, district=factory.SelfAttribute("..district"))
    person = factory.SubFactory(PersonFactory, district=factory.SelfAttribute("..district"))
    role = "student"
